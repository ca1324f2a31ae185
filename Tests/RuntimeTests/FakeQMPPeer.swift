import CRuntimeSupport
import Foundation
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A scripted QMP server on a Unix socket: it greets, then hands each request (and any
/// descriptors that came with it) to `script`, which answers with the lines to send back.
final class FakeQMPPeer: @unchecked Sendable {
    let path: String
    let dir: String
    private let listener: Int32
    private var client: Int32 = -1
    private let lock = NSLock()
    private(set) var received: [[String: Any]] = []
    private let script: @Sendable ([String: Any], [Int32]) -> [String]

    init(greeting: String = #"{"QMP": {"version": {"qemu": {"micro": 1, "minor": 2, "major": 8}, "package": ""}, "capabilities": ["oob"]}}"#,
         script: @escaping @Sendable ([String: Any], [Int32]) -> [String]) throws {
        var template = Array("/tmp/vkq-XXXXXX".utf8CString)
        _ = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        dir = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        path = dir + "/qmp.sock"
        self.script = script
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array((dir + "/qmp.sock").utf8)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0, listen(fd, 4) == 0 else { throw POSIXError(.EADDRINUSE) }
        listener = fd
        let greetingLine = greeting
        Thread { [self] in serve(greetingLine) }.start()
    }

    private func send(_ fd: Int32, _ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    private func serve(_ greeting: String) {
        let fd = accept(listener, nil, nil)
        guard fd >= 0 else { return }
        lock.lock()
        client = fd
        lock.unlock()
        send(fd, greeting)
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            var fds = [Int32](repeating: -1, count: 4)
            var nfds: Int32 = 0
            let n = chunk.withUnsafeMutableBytes { raw in
                fds.withUnsafeMutableBufferPointer { vk_recv_with_fds(fd, raw.baseAddress, raw.count, $0.baseAddress, 4, &nfds) }
            }
            if n <= 0 { break }
            buffer += chunk[..<n]
            while let nl = buffer.firstIndex(of: 0x0a) {
                let line = Data(buffer[..<nl])
                buffer.removeSubrange(...nl)
                guard let obj = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any] else { continue }
                lock.lock()
                received.append(obj)
                lock.unlock()
                for reply in script(obj, Array(fds[..<Int(nfds)])) { send(fd, reply) }
            }
        }
        close(fd)
    }

    /// Sends a line outside any request (an event, say).
    func push(_ line: String) {
        lock.lock()
        let fd = client
        lock.unlock()
        if fd >= 0 { send(fd, line) }
    }

    /// Hangs up on the client.
    func hangUp() {
        lock.lock()
        let fd = client
        lock.unlock()
        if fd >= 0 { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    var requests: [[String: Any]] {
        lock.lock()
        defer { lock.unlock() }
        return received
    }

    deinit {
        close(listener)
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// `{"return": {}, "id": ID}` for a request.
    static func ok(_ request: [String: Any], _ value: String = "{}") -> String {
        "{\"return\": \(value), \"id\": \(request["id"] as? Int ?? 0)}"
    }
}
