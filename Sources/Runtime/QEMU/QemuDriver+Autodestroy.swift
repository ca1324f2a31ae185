extension QemuDriver {
    /// The embedded driver is the connection: closing it ends the guests it started with
    /// autodestroy (`virtkit start --autodestroy` returns, and the guest is gone).
    public func connectClose() async {
        let started = autodestroyStarts.withLock { list in
            defer { list = [] }
            return list
        }
        await destroyIfStillRunning(started)
    }
}
