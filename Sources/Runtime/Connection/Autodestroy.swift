/// VIR_DOMAIN_START_AUTODESTROY: a guest started with it lives as long as the connection
/// that started it. Whoever holds the connection (the daemon's client session, an embedded
/// driver) calls this when it ends.
extension Driver {
    /// Destroys each guest in `domains` that still runs the start it was noted at (same id);
    /// one that stopped, or was stopped and started again since, is left alone.
    public func destroyIfStillRunning(_ domains: [DomainRef]) async {
        for noted in domains {
            guard let now = try? await domainLookupByUUID(noted.uuid), now.id >= 0, now.id == noted.id else { continue }
            try? await domainDestroy(now, flags: 0)
        }
    }
}
