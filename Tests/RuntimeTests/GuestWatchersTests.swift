import Foundation
import Logging
@testable import Runtime
import TestSupport
import Testing

/// The daemon's scan for running guests and the starts the daemon makes itself: a guest
/// the scan finds is news (a `started` event) only when another process started it.
struct GuestWatchersTests {
    /// A driver watching a fresh root, and an active status for guest `g1` as `launch`
    /// writes it just before `cont` (its monitors do not exist: the watcher the scan
    /// attaches will find the guest gone, which is not what is checked here).
    static func driverWithActiveGuest() async throws -> (QemuDriver, String) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("vkw-\(UUID().uuidString.prefix(8))").path
        let driver = try await QemuDriver.open(uri: try ConnectURI("qemu:///embed?root=\(root)"), readOnly: false, watching: true)
        let status = DomainStatus(
            name: "g1", uuid: "c7a5fdbd-edaf-9455-926a-d65c16db1809", id: 7, phase: .active, transient: true, pid: nil,
            pidStartTime: nil, controlMonitor: root + "/none.ctl", queryMonitor: root + "/none.qry",
            eventMonitor: root + "/none.evt", state: .booted, liveXML: "", startedAt: 0, logOffset: 0)
        try status.write(driver.paths.statusFile(of: "g1"))
        return (driver, root)
    }

    /// Started events for g1 published within `window` after `body`.
    static func startedEvents(_ driver: QemuDriver, window: Duration = .milliseconds(300), _ body: () -> Void) async -> Int {
        let stream = await driver.domainEvents()
        body()
        let collect = Task {
            var n = 0
            for await e in stream where e.domain.name == "g1" && e.kind == .started { n += 1 }
            return n
        }
        try? await Task.sleep(for: window)
        collect.cancel()
        return await collect.value
    }

    @Test func aGuestStartedElsewhereIsNews() async throws {
        let (driver, root) = try await Self.driverWithActiveGuest()
        defer {
            driver.stopWatching()
            try? FileManager.default.removeItem(atPath: root)
        }
        let n = await Self.startedEvents(driver) { driver.scanForGuests(logger: Logger(label: "test"), initial: false) }
        #expect(n == 1)
    }

    /// `launch` notes its start before the status says active; a scan in between (every
    /// 250 ms in the daemon) then publishes nothing, and takes the note.
    @Test func aGuestThisProcessIsStartingIsNotNewsTwice() async throws {
        let (driver, root) = try await Self.driverWithActiveGuest()
        defer {
            driver.stopWatching()
            try? FileManager.default.removeItem(atPath: root)
        }
        driver.watchers.noteStarted("g1")
        let n = await Self.startedEvents(driver) { driver.scanForGuests(logger: Logger(label: "test"), initial: false) }
        #expect(n == 0)
        #expect(!driver.watchers.takeStarted("g1"), "the scan left the note behind")
    }

    /// End to end with real guests, the scan running every millisecond instead of every
    /// 250: each start the daemon makes is one `started` event. Before `launch` noted its
    /// start ahead of the status saying active, a scan between the two published a second.
    @Test func eachStartIsOneStartedEvent() async throws {
        guard HostFacts.qemu else {
            #expect(!HostFacts.ci)
            return
        }
        let root = ScratchRoot()
        defer { root.remove() }
        let driver = try await QemuDriver.open(uri: try ConnectURI(root.uri), readOnly: false, watching: true)
        driver.watchers.state.withLock { $0.scanInterval = .milliseconds(1) }
        await driver.startWatching(logger: Logger(label: "test"))
        defer { driver.stopWatching() }
        let stream = await driver.domainEvents()
        let starts = 6
        let counting = Task {
            var started = 0
            var stopped = 0
            for await e in stream where e.domain.name == "w1" {
                if e.kind == .started { started += 1 }
                if e.kind == .stopped { stopped += 1 }
                if stopped == starts { break }
            }
            return started
        }
        for _ in 0..<starts {
            let d = try await driver.domainCreateXML(HostFacts.tinyXML(name: "w1"), flags: 0).domain
            try await driver.domainDestroy(d, flags: 0)
        }
        let watchdog = Task {
            try await Task.sleep(for: .seconds(20))
            counting.cancel()
        }
        let started = await counting.value
        watchdog.cancel()
        #expect(started == starts)
        #expect(root.qemuProcesses().isEmpty)
    }
}
