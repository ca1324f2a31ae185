import Foundation
import Logging
import Schema
import TestSupport
import Testing

@testable import Runtime

/// A real Linux guest (Debian's cloud kernel and a busybox initramfs, `scripts/test-guest.sh`)
/// under TCG: it boots in a few seconds, answers on its serial console and powers off on
/// the ACPI button, so shutdown, reboot, console and hot-unplug are tested for real.
@Suite(.enabled(if: TestGuest.available || HostFacts.ci, "run scripts/test-guest.sh to build the test guest"), .serialized)
struct GuestTests {
    /// Everything the guest's console prints, collected in the background.
    final class ConsoleLog: @unchecked Sendable {
        private let lock = NSLock()
        private var text = ""
        let stream: any ConsoleStream
        private var task: Task<Void, Never>?

        init(_ stream: any ConsoleStream) {
            self.stream = stream
            task = Task { [weak self] in
                while let chunk = try? await stream.read() {
                    self?.append(String(decoding: chunk, as: UTF8.self))
                }
            }
        }

        private func append(_ s: String) {
            lock.lock()
            text += s
            lock.unlock()
        }

        var contents: String {
            lock.lock()
            defer { lock.unlock() }
            return text
        }

        /// Types `command` until `answer` shows up (the guest may still be booting).
        func ask(_ command: String, expect answer: String, within seconds: Double = 90) async throws -> Bool {
            let end = Date().addingTimeInterval(seconds)
            while Date() < end {
                try await stream.write(Array((command + "\n").utf8))
                for _ in 0..<10 {
                    if contents.contains(answer) { return true }
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            return contents.contains(answer)
        }

        func close() async {
            await stream.close()
            task?.cancel()
        }
    }

    static func boot(_ d: QemuDriver, _ xml: String) async throws -> (DomainRef, ConsoleLog) {
        let dom = try await d.domainDefineXML(xml, flags: 0).domain
        _ = try await d.domainCreate(dom, flags: 0)
        let console = ConsoleLog(try await d.domainOpenConsole(dom, device: nil, flags: 0))
        // An arithmetic answer, so the echo of what we typed does not count.
        #expect(try await console.ask("echo ready-$((20+22))", expect: "ready-42"), "guest did not answer: \(console.contents.suffix(300))")
        return (dom, console)
    }

    static func waitForState(_ d: QemuDriver, _ dom: DomainRef, _ wanted: StateWithReason, within seconds: Double = 30)
        async throws -> StateWithReason
    {
        let end = Date().addingTimeInterval(seconds)
        var last = try await d.domainGetState(dom, flags: 0)
        while last != wanted && Date() < end {
            try await Task.sleep(for: .milliseconds(100))
            last = try await d.domainGetState(dom, flags: 0)
        }
        return last
    }

    /// The number of PCI functions the guest sees, asked until it is `until` (or 20 s pass).
    static func pciCount(_ console: ConsoleLog, until wanted: Int? = nil) async throws -> Int {
        var last = -1
        for attempt in 0..<40 {
            let tag = "pci\(attempt)x"
            _ = try await console.ask("echo \(tag)-$(ls /sys/bus/pci/devices | wc -l)-end", expect: "\(tag)-", within: 5)
            try await Task.sleep(for: .milliseconds(200))
            let text = console.contents
            if let r = text.range(of: "\(tag)-", options: .backwards),
                let n = Int(text[r.upperBound...].prefix { $0.isNumber })
            {
                last = n
                if wanted == nil || n == wanted { return n }
            }
            try await Task.sleep(for: .milliseconds(300))
        }
        return last
    }

    @Test func consoleShutdownAndReboot() async throws {
        let root = ScratchRoot()
        defer { root.remove() }
        let d = try await QemuDriver.open(uri: ConnectURI(root.uri), readOnly: false)
        let (dom, console) = try await Self.boot(d, TestGuest.xml(name: "linux"))
        let pid = try #require(QemuDriverTests.pid(d, "linux"))
        #expect(console.contents.contains("virtkit#"))

        // Reboot: the guest powers off through ACPI, QEMU resets it, the same process runs on.
        try await d.domainReboot(dom, flags: 0)
        #expect(QemuDriverTests.pid(d, "linux") == pid && QemuDriverTests.alive(pid))
        #expect(try await d.domainGetState(dom, flags: 0).state == .running)
        #expect(try await console.ask("echo again-$((1+1))", expect: "again-2"))
        let log = try String(contentsOfFile: d.paths.logFile(of: "linux"), encoding: .utf8)
        #expect(log.contains("reason=6"))  // the guest's own ACPI power-off, traced by QEMU
        await console.close()

        // Shutdown: ACPI power button; QEMU exits by itself, the next call sees why.
        try await d.domainShutdown(dom, flags: 0)
        #expect(try await Self.waitForState(d, dom, .shutoffShutdown) == .shutoffShutdown)
        #expect(!QemuDriverTests.alive(pid))
        #expect(root.qemuProcesses().isEmpty)
    }

    @Test func lifecycleActionsWithoutADaemon() async throws {
        let root = ScratchRoot()
        defer { root.remove() }
        let d = try await QemuDriver.open(uri: ConnectURI(root.uri), readOnly: false)
        // on_reboot=destroy: a reboot inside the guest ends QEMU (-no-reboot).
        let (rebootDom, c1) = try await Self.boot(
            d, TestGuest.xml(name: "noreboot", lifecycle: "<on_reboot>destroy</on_reboot>"))
        try await c1.stream.write(Array("reboot -f\n".utf8))
        #expect(try await Self.waitForState(d, rebootDom, .shutoffShutdown) == .shutoffShutdown)
        await c1.close()
        #expect(root.qemuProcesses().isEmpty)

        // on_poweroff=restart: QEMU stays after the guest powers off and the next call runs it again.
        let (restartDom, c2) = try await Self.boot(
            d, TestGuest.xml(name: "phoenix", lifecycle: "<on_poweroff>restart</on_poweroff>"))
        let pid = try #require(QemuDriverTests.pid(d, "phoenix"))
        try await d.domainShutdown(restartDom, flags: 0)
        // QEMU sits stopped once the guest is off; the state read finds it and restarts it.
        var restarted = false
        for _ in 0..<100 {
            try await Task.sleep(for: .milliseconds(100))
            let log = (try? String(contentsOfFile: d.paths.logFile(of: "phoenix"), encoding: .utf8)) ?? ""
            if log.contains("reason=6") {
                restarted = try await d.domainGetState(restartDom, flags: 0).state == .running
                break
            }
        }
        #expect(restarted)
        #expect(QemuDriverTests.pid(d, "phoenix") == pid)
        #expect(try await c2.ask("echo back-$((3*3))", expect: "back-9"))
        await c2.close()
    }

    /// The first event matching `wanted` within `seconds`.
    static func firstEvent(_ events: AsyncStream<DomainEvent>, within seconds: Double, _ wanted: @escaping @Sendable (DomainEvent) -> Bool)
        async -> DomainEvent?
    {
        await withTaskGroup(of: DomainEvent?.self) { group in
            group.addTask {
                for await e in events where wanted(e) { return e }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(seconds))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// How far ahead of the host's clock the guest's is, in seconds (asked on its console).
    static func guestClockAhead(_ console: ConsoleLog, tag: String) async throws -> Int? {
        let host = Int(Date().timeIntervalSince1970)
        try await console.stream.write(Array("echo clock-\(tag)-$(( $(date +%s) - \(host) ))-end\n".utf8))
        // The typed line is echoed too, with `$((` where the answer has digits.
        let answer = try Regex("clock-\(tag)-(-?[0-9]+)-end")
        for _ in 0..<200 {
            if let m = console.contents.firstMatch(of: answer), let v = Int(m.output[1].substring ?? "") { return v }
            try await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }

    /// `<clock offset='variable'>`: the guest's RTC starts at the host's time plus the
    /// adjustment, and what the guest sets its RTC to is kept for its next start — with no
    /// daemon watching, read off the RTC when the guest has powered off.
    @Test func variableClockKeepsWhatTheGuestSetsAcrossRestarts() async throws {
        let root = ScratchRoot()
        defer { root.remove() }
        let d = try await QemuDriver.open(uri: ConnectURI(root.uri), readOnly: false)
        let clock = "<clock offset='variable' adjustment='100000' basis='utc'/>"
        // Watch the guest's events as `virtkit event` does, to see QEMU's RTC_CHANGE relayed.
        d.startObserving(logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        let events = await d.domainEvents()
        let (dom, console) = try await Self.boot(d, TestGuest.xml(name: "clock", lifecycle: clock))
        // Linux sets its clock from the RTC at boot.
        let ahead = try #require(try await Self.guestClockAhead(console, tag: "a"))
        #expect(abs(ahead - 100_000) < 60, "guest clock \(ahead) s ahead")
        // The guest moves its clock 5000 s on and writes it to the RTC.
        #expect(
            try await console.ask(
                "date -s @$(( $(date +%s) + 5000 )) >/dev/null && hwclock -w -u && echo rtc-$((6*7))-set", expect: "rtc-42-set"),
            "\(console.contents.suffix(300))")
        // The rtc-change event carries the guest's new offset from UTC, and the running guest's
        // definition shows it.
        let rtc = await Self.firstEvent(events, within: 20) { if case .rtcChange = $0.id { true } else { false } }
        if case .rtcChange(let offset)? = rtc?.id { #expect(abs(offset - 105_000) < 60, "rtc-change \(offset)") } else {
            Issue.record("no rtc-change event")
        }
        let live = try Domain.parse(try await d.domainGetXMLDesc(dom, flags: 0))
        #expect(abs((live.clock?.adjustment.flatMap { Int($0) } ?? 0) - 105_000) < 60, "live \(live.clock?.adjustment ?? "")")
        await console.close()
        try await d.domainShutdown(dom, flags: 0)
        #expect(try await Self.waitForState(d, dom, .shutoffShutdown) == .shutoffShutdown)
        #expect(root.qemuProcesses().isEmpty)
        let stored = try Domain.parse(try await d.domainGetXMLDesc(dom, flags: DomainXMLFlags.inactive.rawValue))
        let kept = try #require(stored.clock?.adjustment.flatMap { Int($0) })
        #expect(abs(kept - 105_000) < 60, "stored adjustment \(kept)")
        #expect(stored.clock?.offset == .variable && stored.clock?.basis == "utc")

        // The next start begins where the guest left its clock.
        _ = try await d.domainCreate(dom, flags: 0)
        let again = ConsoleLog(try await d.domainOpenConsole(dom, device: nil, flags: 0))
        #expect(try await again.ask("echo up-$((5+5))", expect: "up-10"))
        let aheadAgain = try #require(try await Self.guestClockAhead(again, tag: "b"))
        #expect(abs(aheadAgain - 105_000) < 60, "guest clock \(aheadAgain) s ahead after restart")
        await again.close()
        try await d.domainDestroy(dom, flags: 0)
        #expect(root.qemuProcesses().isEmpty)
    }

    /// on_crash with no daemon: the guest's kernel panics (sysrq `c`), its pvpanic device
    /// tells QEMU, and the guest is destroyed, kept crashed, or run again, as asked.
    @Test func onCrashWithoutADaemon() async throws {
        let root = ScratchRoot()
        defer { root.remove() }
        let d = try await QemuDriver.open(uri: ConnectURI(root.uri), readOnly: false)
        let panic = "<panic model='isa'/>"
        func crash(_ console: ConsoleLog) async throws {
            try await console.stream.write(Array("echo c > /proc/sysrq-trigger\n".utf8))
        }

        // destroy: QEMU ends, and the guest reads as shut off because it crashed.
        let (gone, c1) = try await Self.boot(
            d, TestGuest.xml(name: "gone", extraDevices: panic, lifecycle: "<on_crash>destroy</on_crash>"))
        try await crash(c1)
        #expect(try await Self.waitForState(d, gone, .shutoffCrashed) == .shutoffCrashed)
        await c1.close()
        #expect(root.qemuProcesses().isEmpty)

        // preserve: QEMU keeps the crashed guest for inspection, until it is destroyed.
        let (kept, c2) = try await Self.boot(
            d, TestGuest.xml(name: "kept", extraDevices: panic, lifecycle: "<on_crash>preserve</on_crash>"))
        let keptPid = try #require(QemuDriverTests.pid(d, "kept"))
        try await crash(c2)
        #expect(try await Self.waitForState(d, kept, .crashedPanicked) == .crashedPanicked)
        #expect(QemuDriverTests.alive(keptPid))
        await c2.close()
        try await d.domainDestroy(kept, flags: 0)
        #expect(try await d.domainGetState(kept, flags: 0) == .shutoffDestroyed)

        // restart: the same QEMU resets the guest, which boots and answers again.
        let (again, c3) = try await Self.boot(
            d, TestGuest.xml(name: "again", extraDevices: panic, lifecycle: "<on_crash>restart</on_crash>"))
        let pid = try #require(QemuDriverTests.pid(d, "again"))
        try await crash(c3)
        var panicked = false
        for _ in 0..<100 where !panicked {
            try await Task.sleep(for: .milliseconds(100))
            let log = (try? String(contentsOfFile: d.paths.logFile(of: "again"), encoding: .utf8)) ?? ""
            panicked = log.contains("guest-panicked")
        }
        #expect(panicked, "QEMU never saw the panic")
        #expect(try await Self.waitForState(d, again, .booted, within: 10).state == .running)
        #expect(try await c3.ask("echo reborn-$((4*4))", expect: "reborn-16"))
        #expect(QemuDriverTests.pid(d, "again") == pid)
        await c3.close()
        try await d.domainDestroy(again, flags: 0)
        #expect(root.qemuProcesses().isEmpty)
    }

    @Test func diskAndNicHotUnplugWithAGuestThatLetsGo() async throws {
        let root = ScratchRoot()
        defer { root.remove() }
        let d = try await QemuDriver.open(uri: ConnectURI(root.uri), readOnly: false)
        let (dom, console) = try await Self.boot(d, TestGuest.xml(name: "plug"))
        let image = root.path + "/plug.img"
        #expect(FileManager.default.createFile(atPath: image, contents: Data(count: 4 << 20)))
        let disk = "<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='\(image)'/><target dev='vdb' bus='virtio'/></disk>"
        let nic = "<interface type='user'><mac address='52:54:00:12:34:56'/><model type='virtio'/></interface>"
        let before = try await Self.pciCount(console)
        try await d.domainAttachDevice(dom, xml: disk, flags: 0)
        try await d.domainAttachDevice(dom, xml: nic, flags: 0)
        // The guest finds two new PCI functions (it has no virtio driver; the bus is enough).
        #expect(try await Self.pciCount(console, until: before + 2) == before + 2)
        try await d.domainDetachDevice(dom, xml: disk, flags: 0)
        try await d.domainDetachDevice(dom, xml: nic, flags: 0)
        #expect(try await Self.pciCount(console, until: before) == before)
        let live = try await d.domainGetXMLDesc(dom, flags: 0)
        #expect(!live.contains(image) && !live.contains("52:54:00:12:34:56"))
        let status = try #require(DomainStatus.read(d.paths.statusFile(of: "plug")))
        let qmp = try await QMPConnection.connect(path: status.queryMonitor)
        let peripherals = try await qmp.execute(QMP.QOMList(path: "/machine/peripheral")).map(\.name)
        let stats = try await qmp.execute(QMP.QueryBlockstats())
        qmp.close()
        #expect(!peripherals.contains("virtio-disk1") && !peripherals.contains("net0"), "\(peripherals)")
        // The disk's block nodes went with it.
        #expect(!stats.contains { $0.qdev?.contains("virtio-disk1") == true })
        await console.close()
    }
}
