import Convert
import Foundation
import Schema

#if canImport(Glibc)
    import Glibc
#endif

/// Statistics, memory, the screen and the console of running guests.
extension QemuDriver {
    /// A running guest's status and process, without the lock (for queries).
    func running(_ d: DomainRef) throws(VirtError) -> (Record, DomainStatus, HostProcess) {
        let r = try find(d)
        guard case .active(let status, let p) = liveness(r) else { throw VirtError.notRunning }
        return (r, status, p)
    }

    func liveDefinition(_ status: DomainStatus) -> Domain {
        (try? Domain.parse(status.liveXML)) ?? Domain()
    }

    public func domainBlockStats(_ d: DomainRef, disk: String) async throws -> BlockStats {
        let (_, status, _) = try running(d)
        let live = liveDefinition(status)
        guard let target = live.devices?.disks.first(where: { $0.targetDev == disk || $0.source?.path == disk }),
            let alias = target.alias?.name
        else {
            throw VirtError(.invalidArg, "invalid path: \(disk)")
        }
        let entries = try await withQMP(status, .query) { try await $0.execute(QMP.QueryBlockstats()) }
        guard
            let e = entries.first(where: { e in
                e.qdev == alias || e.qdev?.hasPrefix("/machine/peripheral/\(alias)/") == true || e.device == "drive-\(alias)"
            })
        else {
            throw VirtError(.internalError, "QEMU reports no statistics for disk '\(disk)'")
        }
        var s = BlockStats()
        s.readRequests = e.stats.rdOperations
        s.readBytes = e.stats.rdBytes
        s.writeRequests = e.stats.wrOperations
        s.writeBytes = e.stats.wrBytes
        s.errors = (e.stats.failedRdOperations ?? 0) + (e.stats.failedWrOperations ?? 0)
        return s
    }

    /// Counters of the NIC's tap, turned round: what the host sends, the guest receives.
    public func domainInterfaceStats(_ d: DomainRef, device: String) async throws -> InterfaceStats {
        let (_, status, _) = try running(d)
        let live = liveDefinition(status)
        guard
            let nic = live.devices?.interfaces.first(where: {
                $0.target?.dev == device || $0.macAddress?.lowercased() == device.lowercased()
            }), let tap = nic.target?.dev
        else {
            throw VirtError(.invalidArg, "'\(device)' is not a known interface")
        }
        func counter(_ name: String) -> Int64 {
            let path = "/sys/class/net/\(tap)/statistics/\(name)"
            return (try? String(contentsOfFile: path, encoding: .utf8)).flatMap {
                Int64($0.trimmingCharacters(in: .whitespacesAndNewlines))
            } ?? -1
        }
        var s = InterfaceStats()
        s.rxBytes = counter("tx_bytes")
        s.rxPackets = counter("tx_packets")
        s.rxErrors = counter("tx_errors")
        s.rxDrops = counter("tx_dropped")
        s.txBytes = counter("rx_bytes")
        s.txPackets = counter("rx_packets")
        s.txErrors = counter("rx_errors")
        s.txDrops = counter("rx_dropped")
        return s
    }

    public func domainMemoryStats(_ d: DomainRef, flags: UInt32) async throws -> [MemoryStat] {
        _ = try DefineFlags.check(flags, allowed: [], function: "qemuDomainMemoryStats")
        let (_, status, p) = try running(d)
        let live = liveDefinition(status)
        var out: [MemoryStat] = []
        let hasBalloon = Self.hasBalloon(live)
        if hasBalloon {
            try await withQMP(status, .query) { qmp in
                if let stats = try? await qmp.execute(
                    QMP.QOMGet(path: "/machine/peripheral/balloon0", property: "guest-stats"))
                {
                    let table: [(String, MemoryStat.Tag, UInt64)] = [
                        ("stat-swap-in", .swapIn, 1024), ("stat-swap-out", .swapOut, 1024),
                        ("stat-major-faults", .majorFault, 1), ("stat-minor-faults", .minorFault, 1),
                        ("stat-free-memory", .unused, 1024), ("stat-total-memory", .available, 1024),
                        ("stat-available-memory", .usable, 1024), ("stat-disk-caches", .diskCaches, 1024),
                        ("stat-htlb-pgalloc", .hugetlbPgalloc, 1), ("stat-htlb-pgfail", .hugetlbPgfail, 1),
                    ]
                    for (key, tag, divisor) in table {
                        if let v = stats["stats"]?[key]?.int, v >= 0 { out.append(MemoryStat(tag, UInt64(v) / divisor)) }
                    }
                    if let t = stats["last-update"]?.int, t > 0 { out.append(MemoryStat(.lastUpdate, UInt64(t))) }
                }
                let balloon = try await qmp.execute(QMP.QueryBalloon())
                out.insert(MemoryStat(.actualBalloon, UInt64(balloon.actual) / 1024), at: 0)
            }
        } else {
            out.append(MemoryStat(.actualBalloon, live.memory?.kibibytes ?? 0))
        }
        out.append(MemoryStat(.rss, p.residentKiB))
        return out
    }

    public func domainGetVcpus(_ d: DomainRef) async throws -> [VcpuInfo] {
        let (_, status, p) = try running(d)
        let cpus = try await withQMP(status, .query) { try await $0.execute(QMP.QueryCPUsFast()) }
        let hostCPUs = HostInfo.cpuCount
        return cpus.sorted { $0.cpuIndex < $1.cpuIndex }.map { cpu in
            let tid = Int32(cpu.threadID)
            let stat = HostProcess.Stat(pid: p.pid, task: tid)
            let allowedText = (try? String(contentsOfFile: "/proc/\(p.pid)/task/\(tid)/status", encoding: .utf8))?
                .split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") }
                .map { String($0.dropFirst("Cpus_allowed_list:".count)) }
            let allowed = Set(HostInfo.parseCPUList(allowedText ?? "0-\(hostCPUs - 1)"))
            return VcpuInfo(
                number: UInt32(cpu.cpuIndex), state: 1,
                cpuTimeNanoseconds: (stat?.cpuTicks ?? 0) * HostProcess.Stat.nanosecondsPerTick,
                cpu: stat?.processor ?? -1, affinity: (0..<hostCPUs).map { allowed.contains($0) })
        }
    }

    public func domainSetMemory(_ d: DomainRef, kibibytes: UInt64, flags: UInt32) async throws {
        try writable()
        let f = try ModificationFlags.check(flags, allowed: [.live, .config, .maximum], function: "qemuDomainSetMemoryFlags")
        try await changing {
            guard let r = await reconcile(try find(d)) else { throw VirtError.noDomain(name: d.name) }
            let active: Bool
            if case .active = liveness(r) { active = true } else { active = false }
            let live = f.contains(.live) || (!f.contains(.config) && active)
            let config = f.contains(.config) || (!f.contains(.live) && !active)
            if live && !active { throw VirtError.notRunning }
            if config && !r.persistent { throw VirtError(.operationInvalid, "cannot change persistent config of a transient domain") }
            if f.contains(.maximum) {
                if live { throw VirtError(.operationInvalid, "cannot resize the maximum memory on an active domain") }
                guard var c = r.config else { return }
                c.memory = MemorySize(kibibytes: kibibytes)
                if (c.currentMemory?.kibibytes ?? 0) > kibibytes { c.currentMemory = MemorySize(kibibytes: kibibytes) }
                try storeConfig(c)
                return
            }
            if live, var status = r.status {
                var def = liveDefinition(status)
                guard kibibytes <= def.memory?.kibibytes ?? 0 else {
                    throw VirtError(.invalidArg, "cannot set memory higher than max memory")
                }
                guard Self.hasBalloon(def) else {
                    throw VirtError(.operationInvalid, "Unable to change memory of active domain without the balloon device")
                }
                try await withQMP(status, .control) {
                    _ = try await $0.execute(QMP.Balloon(bytes: Int64(kibibytes) * 1024))
                }
                def.currentMemory = MemorySize(kibibytes: kibibytes)
                status.liveXML = def.formatted()
                try status.write(paths.statusFile(of: status.name))
            }
            if config, var c = r.config {
                guard kibibytes <= c.memory?.kibibytes ?? 0 else {
                    throw VirtError(.invalidArg, "cannot set memory higher than max memory")
                }
                c.currentMemory = MemorySize(kibibytes: kibibytes)
                try storeConfig(c)
            }
        }
    }

    public func domainScreenshot(_ d: DomainRef, screen: UInt32, flags: UInt32) async throws -> Screenshot {
        _ = try DefineFlags.check(flags, allowed: [], function: "qemuDomainScreenshot")
        let (_, status, _) = try running(d)
        let live = liveDefinition(status)
        guard screen == 0 else { throw VirtError(.invalidArg, "this guest has one screen (0), not \(screen)") }
        guard !(live.devices?.graphics ?? []).isEmpty || !(live.devices?.videos ?? []).isEmpty else {
            throw VirtError(.operationInvalid, "the guest has no display to take a screenshot of")
        }
        let caps = try await emulatorCapabilities(for: live)
        let png = caps.version >= QemuVersion(7, 1)
        let file = paths.status + "/\(status.name).screen"
        unlink(file)
        defer { unlink(file) }
        try await withQMP(status, .control) {
            _ = try await $0.execute(QMP.Screendump(filename: file, format: png ? "png" : nil))
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw VirtError(.operationFailed, "QEMU wrote no screenshot")
        }
        return Screenshot(mimeType: png ? "image/png" : "image/x-portable-pixmap", bytes: Array(data))
    }

    /// The guest's console: the pty (or Unix socket) of a console or serial port.
    public func domainOpenConsole(_ d: DomainRef, device: String?, flags: UInt32) async throws -> any ConsoleStream {
        _ = try DefineFlags.check(flags, allowed: [.init(rawValue: 1), .init(rawValue: 2)], function: "qemuDomainOpenConsole")
        let (_, status, _) = try running(d)
        let live = liveDefinition(status)
        let devices = live.devices ?? Devices()
        let candidates = devices.consoles + devices.serials + devices.channels
        let chosen: CharDevice?
        if let device {
            chosen = candidates.first { $0.alias?.name == device }
        } else {
            chosen = devices.consoles.first ?? devices.serials.first
        }
        guard let c = chosen else {
            throw VirtError(.operationFailed, device.map { "cannot find character device \($0)" } ?? "cannot find a default console device")
        }
        switch c.endpoint {
        case .pty(let path?):
            return try PtyConsole(path: path)
        case .unix(let path, _) where !path.isEmpty:
            return try PtyConsole(socket: path)
        default:
            throw VirtError(
                .operationFailed, "character device \(c.alias?.name ?? "") is not using a PTY or a Unix socket")
        }
    }
}

/// A console on a pty or a Unix socket: reads on a thread of their own, writes straight
/// through. The pty is set raw, as a console must be (no echo back to the guest).
final class PtyConsole: ConsoleStream, @unchecked Sendable {
    private let fd: Int32
    private let lock = NSLock()
    private var closed = false
    private let chunks: AsyncStream<[UInt8]>
    private let sink: AsyncStream<[UInt8]>.Continuation
    private var iterator: AsyncStream<[UInt8]>.AsyncIterator

    init(path: String) throws(VirtError) {
        let fd = Glibc.open(path, O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else {
            throw VirtError(.systemError, "cannot open console \(path): \(String(cString: strerror(errno)))")
        }
        var t = termios()
        if tcgetattr(fd, &t) == 0 {
            cfmakeraw(&t)
            tcsetattr(fd, TCSANOW, &t)
        }
        self.fd = fd
        (chunks, sink) = AsyncStream<[UInt8]>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        iterator = chunks.makeAsyncIterator()
        startReader()
    }

    init(socket path: String) throws(VirtError) {
        do {
            fd = try UnixSocket.connect(path)
        } catch {
            throw VirtError(.systemError, "cannot connect to console \(error)")
        }
        (chunks, sink) = AsyncStream<[UInt8]>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        iterator = chunks.makeAsyncIterator()
        startReader()
    }

    private func startReader() {
        let thread = Thread { [self] in
            var buf = [UInt8](repeating: 0, count: 4096)
            while true {
                lock.lock()
                let done = closed
                lock.unlock()
                if done { break }
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let ready = poll(&pfd, 1, 100)
                if ready == 0 { continue }
                if ready < 0 { if errno == EINTR { continue } else { break } }
                let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                if n < 0 && (errno == EINTR || errno == EAGAIN) { continue }
                if n <= 0 { break }
                sink.yield(Array(buf[..<n]))
            }
            sink.finish()
        }
        thread.start()
    }

    func read() async throws -> [UInt8]? {
        var it = iterator
        let next = await it.next()
        iterator = it
        return next
    }

    func write(_ bytes: [UInt8]) async throws {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw VirtError(.systemError, "console write: \(String(cString: strerror(errno)))")
            }
            done += n
        }
    }

    private func markClosed() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let was = closed
        closed = true
        return was
    }

    func close() async {
        if !markClosed() {
            // The reader notices within its poll interval; then the descriptor can go.
            try? await Task.sleep(for: .milliseconds(150))
            Glibc.close(fd)
        }
    }
}
