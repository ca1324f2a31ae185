import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes that either fully happen or not at all: a temporary file in the same folder,
/// fsync'd, then renamed over the target (and the folder fsync'd so the rename is durable).
public enum AtomicFile {
    public struct WriteError: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// `durable: false` keeps the all-or-nothing rename but skips the fsyncs: for files
    /// about running processes (a guest's status), which mean nothing after the host
    /// restarts, so surviving a power cut buys nothing.
    public static func write(_ text: String, to path: String, mode: mode_t = 0o644, durable: Bool = true)
        throws(WriteError)
    {
        // Plain string surgery: URL's path handling costs more than the write itself here.
        let slash = path.lastIndex(of: "/")
        let dir = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let template = dir + "/." + base + ".XXXXXX"
        var buf = Array(template.utf8CString)
        let fd = buf.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw WriteError(path: path, reason: errnoText()) }
        let tmp = String(decoding: buf.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var ok = false
        defer {
            if !ok { unlink(tmp) }
        }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBufferPointer { p in
                Glibc.write(fd, p.baseAddress! + written, bytes.count - written)
            }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = errnoText()
                close(fd)
                throw WriteError(path: path, reason: reason)
            }
            written += n
        }
        fchmod(fd, mode)
        guard !durable || fsync(fd) == 0 else {
            let reason = errnoText()
            close(fd)
            throw WriteError(path: path, reason: reason)
        }
        close(fd)
        guard rename(tmp, path) == 0 else {
            throw WriteError(path: path, reason: errnoText())
        }
        ok = true
        let dfd = durable ? open(dir, O_RDONLY | O_DIRECTORY) : -1
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }
}

/// The text of the current `errno`.
public func errnoText() -> String {
    String(validatingCString: strerror(errno)) ?? "error \(errno)"
}
