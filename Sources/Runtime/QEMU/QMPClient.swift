import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A client for QEMU's QMP monitor over a Unix socket: JSON commands in, JSON replies out,
/// asynchronous events set aside. Blocking with timeouts; one command at a time.
public final class QMPClient {
    public struct QMPError: Error, CustomStringConvertible {
        public let description: String
        /// The peer is not listening yet.
        var retryable = false
    }

    private let fd: Int32
    private var buffer: [UInt8] = []
    public private(set) var events: [[String: Any]] = []
    public let greeting: [String: Any]
    private let timeoutMilliseconds: Int32

    /// Connects, reads the greeting and leaves capabilities negotiation mode.
    public init(socketPath: String, timeout: Duration = .seconds(10)) throws {
        timeoutMilliseconds = Int32(timeout.components.seconds * 1000)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        guard fd >= 0 else { throw QMPError(description: "socket: \(String(cString: strerror(errno)))") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(socketPath.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: addr.sun_path) else {
            close(fd)
            throw QMPError(description: "socket path too long: \(socketPath)")
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in pathBytes.enumerated() { raw[i] = b }
            raw[pathBytes.count] = 0
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard rc == 0 else {
            let code = errno
            close(fd)
            throw QMPError(
                description: "connect \(socketPath): \(String(cString: strerror(code)))",
                retryable: code == ECONNREFUSED || code == ENOENT)
        }
        var greeting: [String: Any] = [:]
        var pending: [UInt8] = []
        do {
            greeting = try Self.readMessage(fd: fd, buffer: &pending, timeout: timeoutMilliseconds)
        } catch {
            close(fd)
            throw error
        }
        guard greeting["QMP"] != nil else {
            close(fd)
            throw QMPError(description: "no QMP greeting on \(socketPath)")
        }
        self.greeting = greeting
        buffer = pending
        _ = try execute("qmp_capabilities")
    }

    deinit { close(fd) }

    /// Connects once QEMU listens: its socket file appears (bind) a moment before it accepts
    /// (listen), so "no such file" and "connection refused" are retried until `deadline`.
    public static func connect(socketPath: String, within deadline: Duration, timeout: Duration = .seconds(10))
        async throws -> QMPClient
    {
        let clock = ContinuousClock()
        let end = clock.now + deadline
        while true {
            do {
                return try QMPClient(socketPath: socketPath, timeout: timeout)
            } catch let e as QMPError where e.retryable && clock.now < end {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    /// Runs a command and returns its `return` value; a QMP error becomes a thrown error.
    @discardableResult
    public func execute(_ command: String, arguments: [String: Any]? = nil) throws -> Any {
        var message: [String: Any] = ["execute": command]
        if let arguments { message["arguments"] = arguments }
        var data = try JSONSerialization.data(withJSONObject: message)
        data.append(UInt8(ascii: "\n"))
        try data.withUnsafeBytes { raw in
            var sent = 0
            while sent < raw.count {
                let n = send(fd, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw QMPError(description: "send: \(String(cString: strerror(errno)))")
                }
                sent += n
            }
        }
        while true {
            let reply = try Self.readMessage(fd: fd, buffer: &buffer, timeout: timeoutMilliseconds)
            if reply["event"] != nil {
                events.append(reply)
                continue
            }
            if let error = reply["error"] as? [String: Any] {
                throw QMPError(description: "\(command): \(error["desc"] as? String ?? "error")")
            }
            return reply["return"] ?? [:]
        }
    }

    /// `query-status`'s `status` field (`prelaunch`, `running`, `paused`…).
    public func status() throws -> String {
        let r = try execute("query-status") as? [String: Any]
        return r?["status"] as? String ?? "unknown"
    }

    private static func readMessage(fd: Int32, buffer: inout [UInt8], timeout: Int32) throws -> [String: Any] {
        while true {
            if let nl = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[..<nl])
                buffer.removeSubrange(...nl)
                if line.allSatisfy({ $0 == 32 || $0 == 13 }) { continue }
                guard let obj = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                    throw QMPError(description: "QMP sent something that is not a JSON object")
                }
                return obj
            }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, timeout)
            if ready == 0 { throw QMPError(description: "QMP timed out") }
            if ready < 0 {
                if errno == EINTR { continue }
                throw QMPError(description: "poll: \(String(cString: strerror(errno)))")
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = recv(fd, &chunk, chunk.count, 0)
            if n == 0 { throw QMPError(description: "QMP connection closed") }
            if n < 0 {
                if errno == EINTR { continue }
                throw QMPError(description: "recv: \(String(cString: strerror(errno)))")
            }
            buffer += chunk[..<n]
        }
    }
}
