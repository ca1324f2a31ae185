import Foundation
import Schema

#if canImport(Glibc)
    import Glibc
#endif

/// A guest clock with `offset='variable'` belongs to the guest: whatever the guest sets its
/// RTC to must hold at its next start, as libvirt keeps it. QEMU starts the RTC at
/// `-rtc base=` (start time + adjustment); before a guest's QEMU ends, its RTC is read over
/// QMP and the adjustment that reproduces it is kept, in the live definition and, for a
/// persistent guest, in its stored one. Reading the RTC at the end rather than following
/// RTC_CHANGE events means no process has to watch the guest: an embedded CLI that stops it
/// a week later keeps the clock as well as a daemon does.
extension QemuDriver {
    /// The adjustment the guest's RTC now has, when its clock is variable and its machine
    /// has an RTC QEMU reports (PC machines); nil otherwise.
    func currentClockAdjustment(_ def: Domain, _ qmp: QMPConnection) async -> Int? {
        guard let clock = def.clock, clock.offset == .variable else { return nil }
        guard let rtc = try? await qmp.execute(QMP.RTCTime(), timeout: .seconds(2)) else { return nil }
        var parts = tm()
        parts.tm_year = rtc.tm_year
        parts.tm_mon = rtc.tm_mon
        parts.tm_mday = rtc.tm_mday
        parts.tm_hour = rtc.tm_hour
        parts.tm_min = rtc.tm_min
        parts.tm_sec = rtc.tm_sec
        let reading = Int(timegm(&parts))
        var now = time(nil)
        var local = tm()
        localtime_r(&now, &local)
        // With basis='localtime' the RTC keeps the host's local time plus the adjustment.
        return reading - Int(now) - (clock.basis == "localtime" ? Int(local.tm_gmtoff) : 0)
    }

    /// Keeps the guest's clock adjustment before its QEMU ends (lock held). A change of a
    /// second or less is the RTC's resolution, not the guest's doing, and is left alone so
    /// that a stored definition is not rewritten at every stop.
    func keepClock(_ status: inout DomainStatus, _ qmp: QMPConnection, live: Domain? = nil) async {
        guard let live = live ?? (try? Domain.parse(status.liveXML)),
            let adjustment = await currentClockAdjustment(live, qmp)
        else { return }
        noteClockAdjustment(adjustment, in: &status, live: live)
        // The stored definition follows unless it has since been given a clock of another kind.
        guard let r = record(named: status.name), var config = r.config, config.clock?.offset == .variable,
            abs(adjustment - (config.clock?.adjustment.flatMap { Int($0) } ?? 0)) > 1
        else { return }
        config.clock?.adjustment = String(adjustment)
        try? storeConfig(config)
    }

    /// Puts a variable clock's adjustment into the live definition (status written) when it
    /// moved by more than the RTC's one-second resolution, and notes it in the guest's log.
    func noteClockAdjustment(_ adjustment: Int, in status: inout DomainStatus, live parsed: Domain? = nil) {
        guard var live = parsed ?? (try? Domain.parse(status.liveXML)), live.clock?.offset == .variable else { return }
        let before = live.clock?.adjustment.flatMap { Int($0) } ?? 0
        guard abs(adjustment - before) > 1 else { return }
        live.clock?.adjustment = String(adjustment)
        status.liveXML = live.formatted()
        try? status.write(paths.statusFile(of: status.name))
        GuestLog.append(paths.logFile(of: status.name), "guest clock adjustment is now \(adjustment) s (was \(before) s)")
    }

    /// `keepClock` over a fresh monitor connection, for stops that have none open.
    func keepClock(_ status: inout DomainStatus) async {
        guard let live = try? Domain.parse(status.liveXML), live.clock?.offset == .variable,
            let qmp = try? await QMPConnection.connect(path: status.controlMonitor, timeout: .seconds(2))
        else { return }
        defer { qmp.close() }
        await keepClock(&status, qmp, live: live)
    }
}
