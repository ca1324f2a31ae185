import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Unix stream sockets by path, opened close-on-exec so no QEMU or helper we start inherits
/// them.
enum UnixSocket {
    struct Failure: Error, CustomStringConvertible {
        var path: String
        var code: Int32
        var description: String {
            "\(path): \(String(validatingCString: strerror(code)) ?? "error \(code)")"
        }
        /// The listener is not there yet (QEMU still starting).
        var notListening: Bool { code == ENOENT || code == ECONNREFUSED }
    }

    /// The longest path `sockaddr_un` holds.
    static var maxPathLength: Int { MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1 }

    static func address(_ path: String) throws(Failure) -> sockaddr_un {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count <= maxPathLength, !bytes.contains(0) else { throw Failure(path: path, code: ENAMETOOLONG) }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
            raw[bytes.count] = 0
        }
        return addr
    }

    static func connect(_ path: String) throws(Failure) -> Int32 {
        var addr = try address(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(path: path, code: errno) }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if rc != 0 {
            let code = errno
            close(fd)
            throw Failure(path: path, code: code)
        }
        return fd
    }

    /// A listening socket at `path` (an old socket file there is replaced).
    static func listen(_ path: String, backlog: Int32 = 16) throws(Failure) -> Int32 {
        var addr = try address(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(path: path, code: errno) }
        unlink(path)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if rc != 0 || Glibc.listen(fd, backlog) != 0 {
            let code = errno
            close(fd)
            throw Failure(path: path, code: code)
        }
        return fd
    }
}
