import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Parsed files kept while `stat` says they are unchanged, so the daemon's queries (a fleet
/// manager polling `dom.info()`, `virsh list` over a thousand guests) cost a `stat` per file
/// instead of an open, a read and a parse. The disk stays the truth that embedded CLIs and
/// the daemon share: every lookup stats the file, and our writers replace files by rename,
/// which gives them a new inode.
///
/// A file changed within the last `settle` of its timestamp is not cached: timestamps move
/// in coarse clock ticks, so two writes in one tick, landing on a reused inode at the same
/// size, would otherwise look unchanged ("racy git").
final class StatCache<Value>: @unchecked Sendable {
    private struct Key: Equatable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var mtime: timespec
        var ctime: timespec

        static func == (a: Key, b: Key) -> Bool {
            a.device == b.device && a.inode == b.inode && a.size == b.size
                && a.mtime.tv_sec == b.mtime.tv_sec && a.mtime.tv_nsec == b.mtime.tv_nsec
                && a.ctime.tv_sec == b.ctime.tv_sec && a.ctime.tv_nsec == b.ctime.tv_nsec
        }
    }

    private let lock = NSLock()
    private var entries: [String: (key: Key, value: Value)] = [:]
    private let parse: (Data, String) -> Value?
    private let settle: Double

    init(settle: Double = 0.1, parse: @escaping (Data, String) -> Value?) {
        self.settle = settle
        self.parse = parse
    }

    /// The file's parsed contents, nil when it is missing or does not parse.
    func value(at path: String) -> Value? {
        var st = stat()
        guard stat(path, &st) == 0 else {
            forget(path)
            return nil
        }
        let key = Key(
            device: UInt64(st.st_dev), inode: UInt64(st.st_ino), size: Int64(st.st_size), mtime: st.st_mtim,
            ctime: st.st_ctim)
        lock.lock()
        if let e = entries[path], e.key == key {
            lock.unlock()
            return e.value
        }
        lock.unlock()
        guard let data = FileManager.default.contents(atPath: path), let value = parse(data, path) else {
            forget(path)
            return nil
        }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let changed = max(Self.seconds(st.st_mtim), Self.seconds(st.st_ctim))
        if Self.seconds(now) - changed >= settle {
            lock.lock()
            entries[path] = (key, value)
            lock.unlock()
        }
        return value
    }

    func forget(_ path: String) {
        lock.lock()
        entries[path] = nil
        lock.unlock()
    }

    private static func seconds(_ t: timespec) -> Double { Double(t.tv_sec) + Double(t.tv_nsec) / 1e9 }
}

/// A value behind a reference, so copies of what holds it cost a retain.
final class Shared<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
