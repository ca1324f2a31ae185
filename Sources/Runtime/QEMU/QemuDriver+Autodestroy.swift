extension QemuDriver {
    /// The embedded driver is the connection: closing it ends the guests it started with
    /// autodestroy (`virtkit start --autodestroy` returns, and the guest is gone), and stops
    /// any watching it did.
    public func connectClose() async {
        let started = autodestroyStarts.withLock { list in
            defer { list = [] }
            return list
        }
        await destroyIfStillRunning(started)
        watchers.stopAll()  // an observing connection's watchers (`virtkit event`)
    }
}
