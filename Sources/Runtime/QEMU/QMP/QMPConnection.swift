import CRuntimeSupport
import Foundation
import Schema

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A QMP monitor connection. Commands are typed (`QMPCommand`), sent with an `id` and
/// matched to their replies by it, so several may be in flight; each has its own timeout
/// (any `Duration`, sub-second ones included). Events arrive on `events`, a bounded stream
/// (the newest 512 are kept if nobody reads). Descriptors can ride along with a command
/// (`getfd` over SCM_RIGHTS). A reader thread owns the socket; nothing blocks the
/// cooperative pool.
public final class QMPConnection: @unchecked Sendable {
    /// Why a QMP exchange failed. `errorClass` is QMP's own (`GenericError`,
    /// `CommandNotFound`, `DeviceNotActive`, …) when QEMU answered with an error.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public enum Kind: Sendable { case connect, closed, timeout, command, protocolError }
        public var kind: Kind
        public var errorClass: String?
        public var description: String
    }

    public struct Greeting: Sendable {
        public var major: Int
        public var minor: Int
        public var micro: Int
        public var capabilities: [String]
    }

    private let lock = NSLock()
    private let fd: Int32
    private var closed = false
    private var nextID: UInt64 = 1
    private var pending: [UInt64: CheckedContinuation<Data, any Error>] = [:]
    private var timers: [UInt64: Task<Void, Never>] = [:]
    private var greetingWaiter: CheckedContinuation<Greeting, any Error>?
    private var greetingValue: Greeting?
    private let eventSink: AsyncStream<QMPEvent>.Continuation
    public let events: AsyncStream<QMPEvent>
    public private(set) var greeting = Greeting(major: 0, minor: 0, micro: 0, capabilities: [])
    public let path: String

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
        (events, eventSink) = AsyncStream<QMPEvent>.makeStream(bufferingPolicy: .bufferingNewest(512))
    }

    deinit { close() }

    /// Connects to a listening monitor, reads the greeting and leaves negotiation mode.
    public static func connect(path: String, timeout: Duration = .seconds(10)) async throws -> QMPConnection {
        let fd: Int32
        do {
            fd = try UnixSocket.connect(path)
        } catch {
            throw Failure(kind: .connect, description: "cannot connect to QMP monitor \(error)")
        }
        let c = QMPConnection(fd: fd, path: path)
        c.startReader()
        do {
            c.greeting = try await c.awaitGreeting(timeout: timeout)
            _ = try await c.execute(QMP.Capabilities(), timeout: timeout)
        } catch {
            c.close()
            throw error
        }
        return c
    }

    /// Connects once QEMU listens: it creates the socket a moment before it accepts, so
    /// "no such file" and "refused" are retried every millisecond until `deadline`, and
    /// `stillStarting` is asked each time (a QEMU that exited will never listen).
    ///
    /// With `pipelined`, it returns as soon as QEMU has greeted us, with the capabilities
    /// negotiation sent but not yet answered: a starting QEMU greets early and answers
    /// only once its initialisation is done (tens of milliseconds), and commands sent in
    /// the meantime are answered, in order, right after the negotiation.
    public static func connect(
        path: String, within deadline: Duration, timeout: Duration = .seconds(10), pipelined: Bool = false,
        stillStarting: @Sendable () -> Bool = { true }
    ) async throws -> QMPConnection {
        let clock = ContinuousClock()
        let end = clock.now + deadline
        while true {
            do {
                let fd = try UnixSocket.connect(path)
                let c = QMPConnection(fd: fd, path: path)
                c.startReader()
                do {
                    c.greeting = try await c.awaitGreeting(timeout: timeout)
                    if pipelined {
                        // Return only once the negotiation is on the wire: a command the
                        // caller sends next must not overtake it (QEMU refuses anything but
                        // qmp_capabilities until then).
                        let (written, signal) = AsyncStream<Void>.makeStream()
                        c.negotiation = Task {
                            _ = try await c.execute(QMP.Capabilities(), timeout: timeout, written: { signal.finish() })
                        }
                        for await _ in written {}
                    } else {
                        _ = try await c.execute(QMP.Capabilities(), timeout: timeout)
                    }
                } catch {
                    c.close()
                    throw error
                }
                return c
            } catch let f as UnixSocket.Failure where f.notListening {
                guard clock.now < end, stillStarting() else {
                    throw Failure(kind: .connect, description: "QMP monitor \(path) did not come up")
                }
                try await Task.sleep(for: .milliseconds(1))
            } catch let f as UnixSocket.Failure {
                throw Failure(kind: .connect, description: "cannot connect to QMP monitor \(f)")
            }
        }
    }

    /// The capabilities negotiation of a pipelined connection, to await when it matters.
    public private(set) var negotiation: Task<Void, any Error>?

    /// Runs a command and decodes its reply. `fds` are sent with the command (for `getfd`).
    public func execute<C: QMPCommand>(_ command: C, timeout: Duration = .seconds(30), passing fds: [Int32] = [])
        async throws -> C.Reply
    {
        try await execute(command, timeout: timeout, passing: fds, written: nil)
    }

    /// `written` is called once the command is on the wire (or has failed to get there).
    func execute<C: QMPCommand>(
        _ command: C, timeout: Duration = .seconds(30), passing fds: [Int32] = [], written: (@Sendable () -> Void)?
    ) async throws -> C.Reply {
        let data = try await send(command, timeout: timeout, fds: fds, written: written)
        let reply: Response<C.Reply>
        do {
            reply = try JSONDecoder().decode(Response<C.Reply>.self, from: data)
        } catch {
            throw Failure(
                kind: .protocolError,
                description: "\(C.name): unexpected reply \(String(decoding: data.prefix(300), as: UTF8.self))")
        }
        if let e = reply.error {
            throw Failure(kind: .command, errorClass: e.errorClass, description: "\(C.name): \(e.desc)")
        }
        guard let value = reply.value else {
            throw Failure(kind: .protocolError, description: "\(C.name): reply has neither return nor error")
        }
        return value
    }

    /// Closes the connection; commands in flight fail, the event stream ends.
    public func close() {
        lock.lock()
        if !closed { shutdown(fd, Int32(SHUT_RDWR)) }
        lock.unlock()
    }

    public var isClosed: Bool {
        lock.lock()
        defer { lock.unlock() }
        return closed
    }

    /// Runs the encoding and decoding of `command` and its reply on sample text, so the
    /// type metadata they need is in place before it matters (the runtime calls this while
    /// QEMU starts: the first use of a Codable type costs far more than later ones).
    public static func prepare<C: QMPCommand>(_ command: C, sampleReply: String) {
        _ = try? JSONEncoder().encode(Call(execute: C.name, arguments: command, id: 1))
        let line = Data(("{\"return\": " + sampleReply + ", \"id\": 1}").utf8)
        _ = try? JSONDecoder().decode(Probe.self, from: line)
        _ = try? JSONDecoder().decode(Response<C.Reply>.self, from: line)
    }

    // MARK: Wire

    private struct Call<C: Encodable>: Encodable {
        var execute: String
        var arguments: C
        var id: UInt64
    }

    private struct Response<R: Decodable>: Decodable {
        var value: R?
        var error: ErrorBody?
        enum CodingKeys: String, CodingKey {
            case value = "return"
            case error
        }
    }

    private struct ErrorBody: Decodable {
        var errorClass: String
        var desc: String
        enum CodingKeys: String, CodingKey {
            case errorClass = "class"
            case desc
        }
    }

    /// What every incoming line is first read as, to route it.
    private struct Probe: Decodable {
        var id: UInt64?
        var event: String?
        var QMP: GreetingBody?
        struct GreetingBody: Decodable {
            var version: Version
            var capabilities: [String]
            struct Version: Decodable {
                var qemu: Triple
                struct Triple: Decodable {
                    var major: Int
                    var minor: Int
                    var micro: Int
                }
            }
        }
    }

    private func send<C: QMPCommand>(_ command: C, timeout: Duration, fds: [Int32], written: (@Sendable () -> Void)?)
        async throws -> Data
    {
        try await withCheckedThrowingContinuation { (cont: CheckedContinuation<Data, any Error>) in
            defer { written?() }
            lock.lock()
            guard !closed else {
                lock.unlock()
                cont.resume(throwing: Failure(kind: .closed, description: "\(C.name): QMP connection closed"))
                return
            }
            let id = nextID
            nextID += 1
            var line: Data
            do {
                line = try JSONEncoder().encode(Call(execute: C.name, arguments: command, id: id))
            } catch {
                lock.unlock()
                cont.resume(throwing: Failure(kind: .protocolError, description: "\(C.name): \(error)"))
                return
            }
            line.append(0x0a)
            pending[id] = cont
            let ok = line.withUnsafeBytes { raw -> Bool in
                var offset = 0
                while offset < raw.count {
                    let n: Int
                    if offset == 0 && !fds.isEmpty {
                        n = fds.withUnsafeBufferPointer {
                            vk_send_with_fds(fd, raw.baseAddress!, raw.count, $0.baseAddress, Int32($0.count))
                        }
                    } else {
                        n = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                    }
                    if n < 0 {
                        if errno == EINTR { continue }
                        return false
                    }
                    offset += n
                }
                return true
            }
            if !ok {
                pending[id] = nil
                lock.unlock()
                cont.resume(throwing: Failure(kind: .closed, description: "\(C.name): cannot write to QMP: \(errnoText())"))
                return
            }
            timers[id] = Task { [weak self] in
                try? await Task.sleep(for: timeout)
                guard !Task.isCancelled else { return }
                self?.expire(id, name: C.name, after: timeout)
            }
            lock.unlock()
        }
    }

    private func expire(_ id: UInt64, name: String, after: Duration) {
        lock.lock()
        let cont = pending.removeValue(forKey: id)
        timers[id] = nil
        lock.unlock()
        cont?.resume(throwing: Failure(kind: .timeout, description: "\(name): no reply from QEMU within \(after)"))
    }

    private func awaitGreeting(timeout: Duration) async throws -> Greeting {
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            guard !Task.isCancelled, let self else { return }
            self.takeGreetingWaiter()?.resume(
                throwing: Failure(kind: .timeout, description: "no QMP greeting on \(self.path) within \(timeout)"))
        }
        defer { timer.cancel() }
        return try await withCheckedThrowingContinuation { cont in
            lock.lock()
            if let g = greetingValue {
                lock.unlock()
                cont.resume(returning: g)
            } else if closed {
                lock.unlock()
                cont.resume(throwing: Failure(kind: .closed, description: "QMP monitor \(path) closed before its greeting"))
            } else {
                greetingWaiter = cont
                lock.unlock()
            }
        }
    }

    private func takeGreetingWaiter() -> CheckedContinuation<Greeting, any Error>? {
        lock.lock()
        defer { lock.unlock() }
        let w = greetingWaiter
        greetingWaiter = nil
        return w
    }

    private func startReader() {
        let thread = Thread { [self] in readLoop() }
        thread.name = "qmp-reader"
        thread.start()
    }

    private func readLoop() {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        let decoder = JSONDecoder()
        reading: while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            buffer += chunk[..<n]
            // QMP never sends a line this long; a peer that does is not QEMU.
            if buffer.count > 64 << 20 { break }
            var start = 0
            while let nl = buffer[start...].firstIndex(of: 0x0a) {
                let line = Data(buffer[start..<nl])
                start = nl + 1
                guard !line.allSatisfy({ $0 == 0x20 || $0 == 0x0d }) else { continue }
                guard let probe = try? decoder.decode(Probe.self, from: line) else { continue reading }
                if let g = probe.QMP {
                    let greeting = Greeting(
                        major: g.version.qemu.major, minor: g.version.qemu.minor, micro: g.version.qemu.micro,
                        capabilities: g.capabilities)
                    lock.lock()
                    greetingValue = greeting
                    let w = greetingWaiter
                    greetingWaiter = nil
                    lock.unlock()
                    w?.resume(returning: greeting)
                } else if probe.event != nil {
                    if let e = try? decoder.decode(QMPEvent.Envelope.self, from: line) { eventSink.yield(QMPEvent(e)) }
                } else if let id = probe.id {
                    lock.lock()
                    let cont = pending.removeValue(forKey: id)
                    let timer = timers.removeValue(forKey: id)
                    lock.unlock()
                    timer?.cancel()
                    cont?.resume(returning: line)
                }
            }
            buffer.removeFirst(start)
        }
        lock.lock()
        closed = true
        Glibc.close(fd)
        let waiting = pending
        pending = [:]
        let allTimers = timers
        timers = [:]
        let g = greetingWaiter
        greetingWaiter = nil
        lock.unlock()
        for t in allTimers.values { t.cancel() }
        for c in waiting.values { c.resume(throwing: Failure(kind: .closed, description: "QMP connection closed")) }
        g?.resume(throwing: Failure(kind: .closed, description: "QMP monitor \(path) closed before its greeting"))
        eventSink.finish()
    }
}
