import Logging
import Schema

/// `virtkit event` on a local URI: the embedded driver publishes what guests on its root
/// do — started or stopped by any process, powered off by themselves — by reading their
/// status files and event monitors as the daemon does, without acting as one (no
/// autostart, no autodestroy). A daemon running on the same root keeps each guest's event
/// monitor to itself; its clients get events from it instead.
extension QemuDriver {
    public func startObserving(logger: Logger) {
        watchers.state.withLock { $0.logger = logger }
        scanRoot(logger: logger, networks: true)
    }

    /// Attaches to the guests running now, then every 250 ms to those that started since;
    /// with `networks`, also publishes the network definitions other processes made or
    /// removed. The daemon publishes the network changes it makes where it makes them
    /// (scanning too would tell its clients twice), so one an embedded CLI makes on a
    /// daemon's root is not relayed as a network event.
    func scanRoot(logger: Logger, networks: Bool) {
        scanForGuests(logger: logger, initial: true)
        var known = networks ? networkSnapshot() : [:]
        let loop = Task { [weak self] in
            while !Task.isCancelled {
                guard let interval = self?.watchers.state.withLock({ $0.scanInterval }) else { return }
                try? await Task.sleep(for: interval)
                guard let self else { return }
                self.scanForGuests(logger: logger, initial: false)
                if networks { known = self.publishNetworkChanges(since: known) }
            }
        }
        watchers.state.withLock { $0.loop = loop }
    }

    /// The network definitions on this root, by UUID.
    func networkSnapshot() -> [UUIDValue: NetworkRef] {
        var out: [UUIDValue: NetworkRef] = [:]
        for r in networkRecords() {
            guard let name = r.network.name, let uuid = r.network.uuid else { continue }
            out[uuid] = NetworkRef(name: name, uuid: uuid)
        }
        return out
    }

    /// Publishes the networks defined or undefined (by any process) since `before`.
    func publishNetworkChanges(since before: [UUIDValue: NetworkRef]) -> [UUIDValue: NetworkRef] {
        let now = networkSnapshot()
        for (uuid, ref) in now where before[uuid] == nil { networkEventHub.publish(NetworkEvent(network: ref, kind: .defined)) }
        for (uuid, ref) in before where now[uuid] == nil { networkEventHub.publish(NetworkEvent(network: ref, kind: .undefined)) }
        return now
    }
}
