import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The kernel's word (inotify) on what changed in the driver's state folders, so that a
/// long-lived process (the daemon) can trust what it parsed until told otherwise, instead of
/// a `stat` per file per call.
///
/// Each `dom.info()` used to stat the guest's definition and its run-state file: two path
/// walks, a seventh of the daemon's CPU under a hundred polling clients (`perf`). Now a call
/// first drains this feed — one non-blocking `read` that almost always finds nothing — and
/// a cached file stays good until an event names it. The kernel queues the event inside
/// the writer's own `rename` or `write`, so a CLI that has replaced a file and then asks
/// the daemon is always answered from the new one.
///
/// Anything the feed cannot vouch for (an overflowed queue, a watched folder removed or
/// replaced) makes it fail closed: every cache is told to forget, and the feed stops
/// vouching for good, leaving the caches to `stat` as before.
final class ChangeFeed: @unchecked Sendable {
    private struct State {
        var folders: [Int32: String] = [:]
        var listeners: [@Sendable (String) -> Void] = []
        var forgetAll: [@Sendable () -> Void] = []
        var usable = true
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
    }

    private let fd: Int32
    /// A lock that sleeps rather than spins: it is held across a `read` system call, and
    /// `Synchronization.Mutex`, which spins first, burned the CPU its holder needed once the
    /// event loops outnumbered the cores (six loops on two cores: 14,000 dom.info() calls/s
    /// against 50,000 with this lock, 100 clients).
    private let lock = NSLock()
    private var state = State()
    /// How many changes have been handed to the listeners, counted before each is handed
    /// on: a cache that read a file while this moved may have read it just before a change
    /// that another thread has already drained, so it must not trust what it read.
    private let applied = Atomic<UInt64>(0)

    /// The changes handed to the listeners so far.
    var changesApplied: UInt64 { applied.load(ordering: .sequentiallyConsistent) }

    private func locked<R>(_ body: (inout State) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&state)
    }

    /// Watches `folders` (which must exist); nil when inotify is not available.
    init?(folders: [String]) {
        fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { return nil }
        let mask = UInt32(IN_CREATE | IN_DELETE | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO)
            | UInt32(IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
        var watched: [Int32: String] = [:]
        for folder in folders {
            let wd = inotify_add_watch(fd, folder, mask)
            guard wd >= 0 else {
                close(fd)
                return nil
            }
            watched[wd] = folder
        }
        locked { $0.folders = watched }
    }

    deinit { close(fd) }

    /// Registers what to do when a file changes (its path) and when all bets are off.
    func subscribe(changed: @escaping @Sendable (String) -> Void, forgetAll: @escaping @Sendable () -> Void) {
        locked {
            $0.listeners.append(changed)
            $0.forgetAll.append(forgetAll)
        }
    }

    /// Takes every queued event and tells the listeners. Cheap when nothing changed.
    /// Returns nil when the feed no longer vouches for anything, else `changesApplied` as
    /// of the end of the drain: a file read after this call may be trusted without a `stat`
    /// if, when it is stored, no change has been applied since (see `StatCache`).
    func drain() -> UInt64? {
        locked { s in
            guard s.usable else { return nil }
            while true {
                let n = s.buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n < 0 && errno == EAGAIN { return changesApplied }  // nothing more
                guard n > 0 else {
                    // A read that failed otherwise may have left events unread.
                    failClosed(&s)
                    return nil
                }
                let buffer = s.buffer
                var offset = 0
                while offset + 16 <= n {
                    let (wd, mask, length) = buffer.withUnsafeBytes { raw -> (Int32, UInt32, Int) in
                        (
                            raw.loadUnaligned(fromByteOffset: offset, as: Int32.self),
                            raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self),
                            Int(raw.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
                        )
                    }
                    let nameBytes = buffer[(offset + 16)..<min(n, offset + 16 + length)].prefix { $0 != 0 }
                    offset += 16 + length
                    if mask & UInt32(IN_Q_OVERFLOW | IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED) != 0 {
                        // Events were lost, or a folder is no longer the one watched.
                        failClosed(&s)
                        return nil
                    }
                    guard let folder = s.folders[wd], !nameBytes.isEmpty else { continue }
                    let path = folder + "/" + String(decoding: nameBytes, as: UTF8.self)
                    applied.add(1, ordering: .sequentiallyConsistent)
                    for listener in s.listeners { listener(path) }
                }
            }
        }
    }

    /// Stops vouching for good and tells every cache to forget.
    private func failClosed(_ s: inout State) {
        s.usable = false
        applied.add(1, ordering: .sequentiallyConsistent)
        for forget in s.forgetAll { forget() }
    }
}
