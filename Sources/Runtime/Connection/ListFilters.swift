/// `virConnectListAllDomains`' filter flags, applied the same way by every driver: each
/// group (active/inactive, persistent/transient, state, managed save, autostart,
/// snapshots) filters only when one of its bits is set.
public struct DomainFilter {
    let flags: ListDomainsFlags
    public init(_ flags: ListDomainsFlags) { self.flags = flags }

    public func admits(_ state: DomainState, persistent: Bool, autostart: Bool, managedSave: Bool) -> Bool {
        func group(_ a: ListDomainsFlags, _ b: ListDomainsFlags, _ isA: Bool) -> Bool {
            let set = flags.intersection(a.union(b))
            if set.isEmpty || set == a.union(b) { return true }
            return set == a ? isA : !isA
        }
        guard group(.active, .inactive, state.isActive) else { return false }
        guard group(.persistent, .transient, persistent) else { return false }
        guard group(.managedSave, .noManagedSave, managedSave) else { return false }
        guard group(.autostart, .noAutostart, autostart) else { return false }
        // No driver keeps snapshots or checkpoints yet: every guest has none.
        guard group(.hasSnapshot, .noSnapshot, false) else { return false }
        guard group(.hasCheckpoint, .noCheckpoint, false) else { return false }
        let states: ListDomainsFlags = [.running, .paused, .shutoff, .other]
        if !flags.intersection(states).isEmpty {
            switch state {
            case .running: return flags.contains(.running)
            case .paused: return flags.contains(.paused)
            case .shutoff: return flags.contains(.shutoff)
            default: return flags.contains(.other)
            }
        }
        return true
    }
}

/// `virConnectListAllNetworks`' filter flags.
public struct NetworkFilter {
    let flags: ListNetworksFlags
    public init(_ flags: ListNetworksFlags) { self.flags = flags }

    public func admits(active: Bool, persistent: Bool, autostart: Bool) -> Bool {
        func group(_ a: ListNetworksFlags, _ b: ListNetworksFlags, _ isA: Bool) -> Bool {
            let set = flags.intersection(a.union(b))
            if set.isEmpty || set == a.union(b) { return true }
            return set == a ? isA : !isA
        }
        return group(.active, .inactive, active) && group(.persistent, .transient, persistent)
            && group(.autostart, .noAutostart, autostart)
    }
}
