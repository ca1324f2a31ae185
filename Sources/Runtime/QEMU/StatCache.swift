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
    /// `trusted`: cached while a `ChangeFeed` vouched, so good without a `stat` until the
    /// feed names the file.
    private var entries: [String: (key: Key, value: Value, trusted: Bool)] = [:]
    /// Files found missing while the feed vouched (an inactive guest has no run-state file).
    /// Clients choose the names looked up, so it is bounded: past `missingLimit` it starts
    /// over (a forgotten miss costs one `stat`).
    private var missing: Set<String> = []
    static var missingLimit: Int { 4096 }
    var missingCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return missing.count
    }
    private let parse: (Data, String) -> Value?
    private let settle: Double
    private var feed: ChangeFeed?

    init(settle: Double = 0.1, parse: @escaping (Data, String) -> Value?) {
        self.settle = settle
        self.parse = parse
    }

    /// From now on, trusts what `feed` has not said changed (set up before first use).
    func follow(_ feed: ChangeFeed) {
        self.feed = feed
        feed.subscribe(changed: { [weak self] in self?.forget($0) }, forgetAll: { [weak self] in self?.forgetAll() })
    }

    /// The file's parsed contents, nil when it is missing or does not parse.
    func value(at path: String) -> Value? {
        // Drained before the file is looked at: a change after this point is named by an
        // event the next call drains — unless another thread drains it first, while this
        // one is still reading; so what is read is trusted only if no change was applied
        // meanwhile (`fresh`, checked under the lock that forgetting takes).
        let mark = feed?.drain()
        let vouched = mark != nil
        func fresh() -> Bool { mark != nil && feed?.changesApplied == mark }
        if vouched {
            lock.lock()
            if let e = entries[path], e.trusted {
                lock.unlock()
                return e.value
            }
            if missing.contains(path) {
                lock.unlock()
                return nil
            }
            lock.unlock()
        }
        var st = stat()
        guard stat(path, &st) == 0 else {
            forget(path)
            lock.lock()
            if fresh() {
                if missing.count >= Self.missingLimit { missing.removeAll() }
                missing.insert(path)
            }
            lock.unlock()
            return nil
        }
        let key = Key(
            device: UInt64(st.st_dev), inode: UInt64(st.st_ino), size: Int64(st.st_size), mtime: st.st_mtim,
            ctime: st.st_ctim)
        lock.lock()
        if let e = entries[path], e.key == key {
            entries[path]!.trusted = fresh()
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
        // Without the feed's word, a file changed within the last clock ticks is not kept
        // (see above); with it, every later write is an event.
        lock.lock()
        let trusted = fresh()
        if trusted || Self.seconds(now) - changed >= settle {
            entries[path] = (key, value, trusted)
        }
        lock.unlock()
        return value
    }

    func forget(_ path: String) {
        lock.lock()
        entries[path] = nil
        missing.remove(path)
        lock.unlock()
    }

    func forgetAll() {
        lock.lock()
        entries.removeAll()
        missing.removeAll()
        lock.unlock()
    }

    private static func seconds(_ t: timespec) -> Double { Double(t.tv_sec) + Double(t.tv_nsec) / 1e9 }
}

/// A value behind a reference, so copies of what holds it cost a retain.
final class Shared<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
