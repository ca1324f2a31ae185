import Logging

/// `virtkit event` on a local URI: the embedded driver publishes what guests on its root
/// do — started or stopped by any process, powered off by themselves — by reading their
/// status files and event monitors as the daemon does, without acting as one (no
/// autostart, no autodestroy). A daemon running on the same root keeps each guest's event
/// monitor to itself; its clients get events from it instead.
extension QemuDriver {
    public func startObserving(logger: Logger) {
        watchers.state.withLock { $0.logger = logger }
        scanForGuests(logger: logger, initial: true)
        let loop = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                self?.scanForGuests(logger: logger, initial: false)
            }
        }
        watchers.state.withLock { $0.loop = loop }
    }
}
