import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The lock every change to a driver's state takes: an exclusive `flock` on one file, so
/// embedded CLIs and the daemon on the same root serialize their changes. It is released
/// when its holder exits, however it exits, so a CLI killed mid-change never leaves it
/// held. Reads do not take it.
final class DriverLock: Sendable {
    let path: String

    init(path: String) {
        self.path = path
    }

    /// Waits for the lock (polling with a short back-off: a blocking flock would tie up a
    /// thread of the cooperative pool), runs `body`, releases it.
    func withLock<T>(_ body: () async throws -> T) async throws -> T {
        let fd = try await acquire()
        defer { close(fd) }
        return try await body()
    }

    /// The lock if it is free right now, else nil.
    func tryLock() -> Int32? {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return nil }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 { return fd }
        close(fd)
        return nil
    }

    private func acquire() async throws -> Int32 {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw VirtError(.systemError, "cannot open lock \(path): \(String(cString: strerror(errno)))") }
        var wait: UInt64 = 1
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                let reason = String(cString: strerror(errno))
                close(fd)
                throw VirtError(.systemError, "cannot lock \(path): \(reason)")
            }
            try? await Task.sleep(for: .milliseconds(wait))
            wait = min(wait * 2, 20)
        }
        return fd
    }
}
