import Logging
import Synchronization

/// What a watching driver (the daemon's) keeps in memory about its guests: one task per
/// running guest reading its event monitor, and which starts and stops this process made
/// itself (their events are published where they happen; the ones another process made on
/// the same root are published when the watcher notices them).
final class GuestWatchers: Sendable {
    struct State {
        var tasks: [String: Task<Void, Never>] = [:]
        /// Guests a watcher is being set up for (claimed before its task exists).
        var claimed: Set<String> = []
        var logger: Logger?
        var startedHere: Set<String> = []
        var stoppedHere: Set<String> = []
        var loop: Task<Void, Never>?
        /// How often the scan looks for guests other processes started (tests shorten it).
        var scanInterval: Duration = .milliseconds(250)
    }

    let state = Mutex(State())

    func noteStarted(_ name: String) { state.withLock { _ = $0.startedHere.insert(name) } }
    func noteStopped(_ name: String) { state.withLock { _ = $0.stoppedHere.insert(name) } }

    /// Whether this process started it (and forgets that it did).
    func takeStarted(_ name: String) -> Bool { state.withLock { $0.startedHere.remove(name) != nil } }
    func takeStopped(_ name: String) -> Bool { state.withLock { $0.stoppedHere.remove(name) != nil } }

    /// `claim` for a guest the scan found running: nil when it cannot be claimed, else
    /// whether this process started it (forgetting that it did), in the same step —
    /// `launch` drops its note once its own watcher is attached, and a check made apart
    /// from the claim could miss the note.
    func claimFound(_ name: String) -> Bool? {
        state.withLock { s in
            guard s.tasks[name] == nil, !s.claimed.contains(name) else { return nil }
            s.claimed.insert(name)
            return s.startedHere.remove(name) != nil
        }
    }

    func isWatching(_ name: String) -> Bool { state.withLock { $0.tasks[name] != nil || $0.claimed.contains(name) } }

    /// Claims a guest for one new watcher; false when it has one (or one is being set up).
    func claim(_ name: String) -> Bool {
        state.withLock { s in
            guard s.tasks[name] == nil, !s.claimed.contains(name) else { return false }
            s.claimed.insert(name)
            return true
        }
    }

    func add(_ name: String, _ task: Task<Void, Never>) {
        state.withLock { s in
            s.tasks[name] = task
            s.claimed.remove(name)
        }
    }
    func remove(_ name: String) {
        state.withLock { s in
            s.tasks.removeValue(forKey: name)
            s.claimed.remove(name)
        }
    }

    func stopAll() {
        let (tasks, loop) = state.withLock { s in
            defer {
                s.tasks = [:]
                s.loop = nil
            }
            return (Array(s.tasks.values), s.loop)
        }
        loop?.cancel()
        for t in tasks { t.cancel() }
    }
}
