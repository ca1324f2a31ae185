import Foundation
import TestSupport
import Testing

@testable import Runtime

#if canImport(Glibc)
    import Glibc
#endif

/// The QMP client against a scripted peer (every corner we can provoke) and against a real
/// QEMU (the protocol as it is).
@Suite struct QMPConnectionTests {
    @Test func negotiatesCapabilitiesFirstAndReadsTheGreeting() async throws {
        let peer = try FakeQMPPeer { req, _ in [FakeQMPPeer.ok(req)] }
        let qmp = try await QMPConnection.connect(path: peer.path)
        defer { qmp.close() }
        #expect(qmp.greeting.major == 8 && qmp.greeting.minor == 2 && qmp.greeting.micro == 1)
        #expect(qmp.greeting.capabilities == ["oob"])
        #expect(peer.requests.first?["execute"] as? String == "qmp_capabilities")
    }

    /// A pipelined connection returns before the negotiation is answered; what the caller
    /// sends next must still reach QEMU after qmp_capabilities (QEMU refuses it otherwise,
    /// as this peer does). Repeated, since losing that race is a matter of scheduling.
    @Test func pipelinedCommandsNeverOvertakeTheNegotiation() async throws {
        for _ in 0..<50 {
            final class Mode: @unchecked Sendable {
                let lock = NSLock()
                var negotiated = false
            }
            let mode = Mode()
            let peer = try FakeQMPPeer { req, _ in
                mode.lock.lock()
                defer { mode.lock.unlock() }
                if req["execute"] as? String == "qmp_capabilities" {
                    mode.negotiated = true
                    return [FakeQMPPeer.ok(req)]
                }
                guard mode.negotiated else {
                    let id = req["id"].map { "\($0)" } ?? "null"
                    return [#"{"id": \#(id), "error": {"class": "CommandNotFound", "desc": "Expecting capabilities negotiation with 'qmp_capabilities'"}}"#]
                }
                return [FakeQMPPeer.ok(req, #"{"status": "prelaunch", "running": false, "singlestep": false}"#)]
            }
            let qmp = try await QMPConnection.connect(path: peer.path, within: .seconds(5), pipelined: true)
            defer { qmp.close() }
            let status = try await qmp.execute(QMP.QueryStatus())
            #expect(status.status == "prelaunch")
            try await qmp.negotiation?.value
            #expect(peer.requests.first?["execute"] as? String == "qmp_capabilities")
        }
    }

    @Test func typedArgumentsAndRepliesOnTheWire() async throws {
        let peer = try FakeQMPPeer { req, _ in
            switch req["execute"] as? String {
            case "query-status": [FakeQMPPeer.ok(req, #"{"status": "paused", "running": false, "singlestep": false}"#)]
            default: [FakeQMPPeer.ok(req)]
            }
        }
        let qmp = try await QMPConnection.connect(path: peer.path)
        defer { qmp.close() }
        let status = try await qmp.execute(QMP.QueryStatus())
        #expect(status.status == "paused" && status.running == false)
        _ = try await qmp.execute(QMP.SetPassword(protocol: "vnc", password: "pw"))
        let sent = peer.requests.last
        #expect(sent?["execute"] as? String == "set_password")
        let args = sent?["arguments"] as? [String: Any]
        #expect(args?["protocol"] as? String == "vnc" && args?["password"] as? String == "pw")
        #expect(args?["connected"] == nil)
        _ = try await qmp.execute(QMP.BlockdevDel(nodeName: "libvirt-3-format"))
        #expect((peer.requests.last?["arguments"] as? [String: Any])?["node-name"] as? String == "libvirt-3-format")
    }

    @Test func repliesAreMatchedByIDWhateverTheirOrder() async throws {
        // The peer holds the reply to the first query-name until the second command arrives,
        // then answers both, second first.
        let held = Held()
        let peer = try FakeQMPPeer { req, _ in
            switch req["execute"] as? String {
            case "qom-get":
                let id = req["id"] as? Int ?? 0
                guard let first = held.take() else {
                    held.put("{\"return\": \"first\", \"id\": \(id)}")
                    return []
                }
                return ["{\"return\": \"second\", \"id\": \(id)}", first]
            default: return [FakeQMPPeer.ok(req)]
            }
        }
        let qmp = try await QMPConnection.connect(path: peer.path)
        defer { qmp.close() }
        async let a = qmp.execute(QMP.QOMGet(path: "/a", property: "p"))
        try await Task.sleep(for: .milliseconds(100))
        async let b = qmp.execute(QMP.QOMGet(path: "/b", property: "p"))
        let (ra, rb) = try await (a, b)
        #expect(ra == .string("first"))
        #expect(rb == .string("second"))
    }

    @Test func qmpErrorsKeepTheirClass() async throws {
        let peer = try FakeQMPPeer { req, _ in
            if req["execute"] as? String == "device_del" {
                return ["{\"error\": {\"class\": \"DeviceNotFound\", \"desc\": \"Device 'x' not found\"}, \"id\": \(req["id"] as? Int ?? 0)}"]
            }
            return [FakeQMPPeer.ok(req)]
        }
        let qmp = try await QMPConnection.connect(path: peer.path)
        defer { qmp.close() }
        do {
            _ = try await qmp.execute(QMP.DeviceDel(id: "x"))
            Issue.record("no error")
        } catch let f as QMPConnection.Failure {
            #expect(f.kind == .command)
            #expect(f.errorClass == "DeviceNotFound")
            #expect(f.description.contains("Device 'x' not found"))
        }
    }

    @Test func eventsArriveTypedBetweenReplies() async throws {
        let peer = try FakeQMPPeer { req, _ in
            if req["execute"] as? String == "system_powerdown" {
                return [
                    #"{"timestamp": {"seconds": 1700000000, "microseconds": 250000}, "event": "POWERDOWN"}"#,
                    FakeQMPPeer.ok(req),
                    #"{"timestamp": {"seconds": 1700000001, "microseconds": 0}, "event": "SHUTDOWN", "data": {"guest": true, "reason": "guest-shutdown"}}"#,
                    #"{"timestamp": {"seconds": 1700000002, "microseconds": 0}, "event": "DEVICE_DELETED", "data": {"device": "net1", "path": "/machine/peripheral/net1"}}"#,
                    #"{"timestamp": {"seconds": 1700000003, "microseconds": 0}, "event": "RTC_CHANGE", "data": {"offset": 123456, "qom-path": "/machine/unattached/device[8]"}}"#,
                    #"{"timestamp": {"seconds": 1700000004, "microseconds": 0}, "event": "VSERPORT_CHANGE", "data": {"id": "c", "open": true}}"#,
                ]
            }
            return [FakeQMPPeer.ok(req)]
        }
        let qmp = try await QMPConnection.connect(path: peer.path)
        defer { qmp.close() }
        _ = try await qmp.execute(QMP.SystemPowerdown())
        var kinds: [QMPEvent.Kind] = []
        var stamps: [Double] = []
        for await e in qmp.events {
            kinds.append(e.kind)
            stamps.append(e.timestamp)
            if kinds.count == 5 { break }
        }
        #expect(kinds == [
            .powerdown, .shutdown(guest: true, reason: "guest-shutdown"),
            .deviceDeleted(device: "net1", path: "/machine/peripheral/net1"), .rtcChange(offset: 123456), .other,
        ])
        #expect(stamps.first == 1_700_000_000.25)
    }

    @Test func anUnansweredCommandTimesOutAtASubSecondBound() async throws {
        let peer = try FakeQMPPeer { req, _ in req["execute"] as? String == "query-status" ? [] : [FakeQMPPeer.ok(req)] }
        let qmp = try await QMPConnection.connect(path: peer.path)
        defer { qmp.close() }
        do {
            _ = try await qmp.execute(QMP.QueryStatus(), timeout: .milliseconds(200))
            Issue.record("no timeout")
        } catch let f as QMPConnection.Failure {
            #expect(f.kind == .timeout)
        }
        // The connection is still usable after a timeout.
        _ = try await qmp.execute(QMP.Cont(), timeout: .milliseconds(500))
    }

    @Test func descriptorsRideAlongWithGetfd() async throws {
        let peer = try FakeQMPPeer { req, fds in
            if req["execute"] as? String == "getfd", let fd = fds.first {
                let msg = Array("through the socket".utf8)
                _ = msg.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                close(fd)
            }
            return [FakeQMPPeer.ok(req)]
        }
        let qmp = try await QMPConnection.connect(path: peer.path)
        defer { qmp.close() }
        var ends: [Int32] = [-1, -1]
        #expect(pipe(&ends) == 0)
        _ = try await qmp.execute(QMP.GetFD(fdname: "f"), passing: [ends[1]])
        close(ends[1])
        var buf = [UInt8](repeating: 0, count: 64)
        let n = buf.withUnsafeMutableBytes { read(ends[0], $0.baseAddress, $0.count) }
        close(ends[0])
        #expect(String(decoding: buf[..<max(0, n)], as: UTF8.self) == "through the socket")
    }

    @Test func aHangUpFailsPendingCommandsAndEndsTheEvents() async throws {
        let peer = try FakeQMPPeer { req, _ in req["execute"] as? String == "query-status" ? [] : [FakeQMPPeer.ok(req)] }
        let qmp = try await QMPConnection.connect(path: peer.path)
        async let pending = qmp.execute(QMP.QueryStatus(), timeout: .seconds(30))
        try await Task.sleep(for: .milliseconds(100))
        peer.hangUp()
        do {
            _ = try await pending
            Issue.record("no failure")
        } catch let f as QMPConnection.Failure {
            #expect(f.kind == .closed)
        }
        var count = 0
        for await _ in qmp.events { count += 1 }
        #expect(count == 0)
        #expect(qmp.isClosed)
        do {
            _ = try await qmp.execute(QMP.Cont())
            Issue.record("closed connection accepted a command")
        } catch let f as QMPConnection.Failure {
            #expect(f.kind == .closed)
        }
    }

    @Test func eventsNobodyReadsAreBoundedToTheNewest() async throws {
        let peer = try FakeQMPPeer { req, _ in
            guard req["execute"] as? String == "stop" else { return [FakeQMPPeer.ok(req)] }
            return (0..<2000).map { i in
                "{\"timestamp\": {\"seconds\": \(i), \"microseconds\": 0}, \"event\": \"STOP\"}"
            } + [FakeQMPPeer.ok(req)]
        }
        let qmp = try await QMPConnection.connect(path: peer.path)
        defer { qmp.close() }
        _ = try await qmp.execute(QMP.Stop())
        qmp.close()
        var seen: [Double] = []
        for await e in qmp.events { seen.append(e.timestamp) }
        #expect(seen.count == 512)
        #expect(seen.last == 1999)
    }

    @Test func aPeerThatIsNotListeningIsRetriedUntilTheDeadline() async throws {
        let path = "/tmp/vk-missing-\(getpid()).sock"
        do {
            _ = try await QMPConnection.connect(path: path, within: .milliseconds(100))
            Issue.record("connected to nothing")
        } catch let f as QMPConnection.Failure {
            #expect(f.kind == .connect)
        }
        // Told the starter is gone, it gives up at once.
        do {
            _ = try await QMPConnection.connect(path: path, within: .seconds(60), stillStarting: { false })
            Issue.record("connected to nothing")
        } catch let f as QMPConnection.Failure {
            #expect(f.kind == .connect)
        }
    }

    @Test func socketsAreOpenedCloseOnExec() throws {
        let peer = try FakeQMPPeer { req, _ in [FakeQMPPeer.ok(req)] }
        let fd = try UnixSocket.connect(peer.path)
        defer { close(fd) }
        #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0)
    }

    @Test(.enabled(if: HostFacts.qemu, "needs qemu-system-x86_64"))
    func realQEMUSpeaksTheSameProtocol() async throws {
        let root = ScratchRoot()
        defer { root.remove() }
        let sock = root.path + "/q.sock"
        let process = try HostProcess.spawn(
            ["/usr/bin/qemu-system-x86_64", "-S", "-display", "none", "-nodefaults", "-accel", "tcg", "-m", "32",
             "-qmp", "unix:\(sock),server=on,wait=off"],
            environment: ["LC_ALL=C"], logPath: root.path + "/log")
        let qmp = try await QMPConnection.connect(path: sock, within: .seconds(20), stillStarting: { process.isRunning })
        defer { qmp.close() }
        #expect(qmp.greeting.major >= 7)
        #expect(try await qmp.execute(QMP.QueryStatus()).status == "prelaunch")
        _ = try await qmp.execute(QMP.Cont())
        #expect(try await qmp.execute(QMP.QueryStatus()).status == "running")
        do {
            _ = try await qmp.execute(QMP.DeviceDel(id: "nonexistent"))
            Issue.record("QEMU accepted deleting a missing device")
        } catch let f as QMPConnection.Failure {
            #expect(f.errorClass == "DeviceNotFound" || f.errorClass == "GenericError")
        }
        _ = try await qmp.execute(QMP.Quit())
        var sawShutdown = false
        for await e in qmp.events {
            if case .shutdown(let guest, let reason) = e.kind {
                #expect(!guest && reason == "host-qmp-quit")
                sawShutdown = true
            }
        }
        #expect(sawShutdown)
        #expect(await process.waitForExit(timeout: .seconds(10)))
    }
}

final class Held: @unchecked Sendable {
    private let lock = NSLock()
    private var value: String?
    func put(_ v: String) {
        lock.lock()
        value = v
        lock.unlock()
    }
    func take() -> String? {
        lock.lock()
        defer { lock.unlock() }
        let v = value
        value = nil
        return v
    }
}
