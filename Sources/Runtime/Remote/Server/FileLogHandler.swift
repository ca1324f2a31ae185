import Foundation
import Logging
import Synchronization

/// A swift-log handler appending timestamped lines to the daemon's log file (and, with
/// `--verbose`, to standard error). Lines are written whole with one `write`, so
/// concurrent tasks never interleave inside a line.
public struct FileLogHandler: LogHandler {
    final class Sink: Sendable {
        let fd: Int32
        let echo: Bool
        init(fd: Int32, echo: Bool) {
            self.fd = fd
            self.echo = echo
        }
        func write(_ line: String) {
            var bytes = Array(line.utf8)
            bytes.append(10)
            if fd >= 0 { _ = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) } }
            if echo { _ = bytes.withUnsafeBytes { Foundation.write(2, $0.baseAddress, $0.count) } }
        }
    }

    let label: String
    let sink: Sink
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]

    /// Opens `path` for appending (created 0600). A file that cannot be opened leaves
    /// standard error as the only output.
    public static func make(path: String?, echo: Bool, level: Logger.Level) -> @Sendable (String) -> FileLogHandler {
        var fd: Int32 = -1
        if let path { fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600) }
        let sink = Sink(fd: fd, echo: echo || fd < 0)
        return { label in FileLogHandler(label: label, sink: sink, logLevel: level) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let m = event.metadata { all.merge(m) { $1 } }
        let meta = all.isEmpty ? "" : " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let stamp = ISO8601DateFormatter.string(from: Date(), timeZone: .gmt, formatOptions: [.withInternetDateTime, .withFractionalSeconds])
        sink.write("\(stamp) \(getpid()) \(event.level)\(meta): \(event.message)")
    }
}
