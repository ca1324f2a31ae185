import Foundation
import Schema

#if canImport(Glibc)
    import Glibc
#endif

/// Start, stop, pause and the life-cycle actions.
extension QemuDriver {
    /// The record of an active guest (lock held, reconciled); anything else is refused.
    func activeStatus(_ d: DomainRef) async throws -> (Record, DomainStatus, HostProcess) {
        guard let r = await reconcile(try find(d)) else { throw VirtError.noDomain(name: d.name) }
        guard case .active(let status, let p) = liveness(r) else { throw VirtError.notRunning }
        return (r, status, p)
    }

    public func domainCreate(_ d: DomainRef, flags: UInt32) async throws -> [String] {
        try writable()
        let f = try CreateFlags.check(
            flags, allowed: [.paused, .autodestroy, .bypassCache, .forceBoot], function: "qemuDomainCreateWithFlags")
        return try await changing {
            PhaseTimer.mark("start: locked")
            guard let r = await reconcile(try find(d)) else { throw VirtError.noDomain(name: d.name) }
            PhaseTimer.mark("start: reconciled")
            guard r.status == nil else { throw VirtError.alreadyRunning }
            guard let config = r.config else { throw VirtError.noDomain(name: d.name) }
            let image = paths.managedSave(of: r.name)
            if FileManager.default.fileExists(atPath: image) {
                if f.contains(.forceBoot) {
                    try? FileManager.default.removeItem(atPath: image)
                } else {
                    // The managed save image: restore it, and drop it once the guest runs.
                    let saved = try SaveImage.read(image)
                    var domain = try checker.domain(saved.xml).domain
                    domain.id = nil
                    let result = try await launch(
                        domain, transient: false, paused: f.contains(.paused), autodestroy: f.contains(.autodestroy),
                        incoming: Incoming(path: image, offset: saved.dataOffset, paused: saved.paused))
                    try? FileManager.default.removeItem(atPath: image)
                    return result.warnings
                }
            }
            return try await launch(
                config, transient: false, paused: f.contains(.paused), autodestroy: f.contains(.autodestroy)
            ).warnings
        }
    }

    public func domainCreateXML(_ xml: String, flags: UInt32) async throws -> DomainResult {
        try writable()
        let f = try CreateFlags.check(flags, allowed: [.paused, .autodestroy, .validate], function: "qemuDomainCreateXML")
        var (domain, warnings) = try checker.domain(xml)
        try checkType(domain)
        return try await changing {
            let name = domain.name!
            let records = allRecords()
            var persistent = false
            if let same = records.first(where: { $0.name == name }) {
                guard let r = await reconcile(same) else { return try await createTransient(domain, f, warnings) }
                if r.status != nil { throw VirtError(.operationInvalid, "domain '\(name)' is already active") }
                if let u = domain.uuid, let theirs = r.uuid, u != theirs {
                    throw VirtError(.operationFailed, "domain '\(name)' already exists with uuid \(theirs.xmlValue)")
                }
                domain.uuid = r.uuid
                persistent = r.persistent
            } else if let u = domain.uuid, let other = records.first(where: { $0.uuid == u }) {
                throw VirtError(.operationFailed, "domain '\(other.name)' is already defined with uuid \(u.xmlValue)")
            }
            if !persistent { return try await createTransient(domain, f, warnings) }
            completeDefinition(&domain)
            let result = try await launch(
                domain, transient: false, paused: f.contains(.paused), autodestroy: f.contains(.autodestroy))
            return DomainResult(domain: result.domain, warnings: warnings + result.warnings)
        }
    }

    private func createTransient(_ d: Domain, _ f: CreateFlags, _ warnings: [String]) async throws -> DomainResult {
        var domain = d
        completeDefinition(&domain)
        let result = try await launch(domain, transient: true, paused: f.contains(.paused), autodestroy: f.contains(.autodestroy))
        return DomainResult(domain: result.domain, warnings: warnings + result.warnings)
    }

    public func domainDestroy(_ d: DomainRef, flags: UInt32) async throws {
        try writable()
        let f = try DestroyFlags.check(flags, allowed: .graceful, function: "qemuDomainDestroyFlags")
        try await changing {
            let (_, status, p) = try await activeStatus(d)
            try await stop(status, p, graceful: f.contains(.graceful), reason: .shutoffDestroyed)
        }
    }

    /// Ends QEMU: SIGTERM, then SIGKILL after 10 s (unless graceful), and cleans up. The
    /// guest's clock is kept first, unless it was saved (the image holds the RTC itself).
    func stop(_ initial: DomainStatus, _ p: HostProcess, graceful: Bool, reason: StateWithReason) async throws {
        var status = initial
        if reason != .shutoffSaved { await keepClock(&status) }
        p.signal(SIGTERM)
        if !(await p.waitForExit(timeout: .seconds(10))) {
            if graceful {
                throw VirtError(
                    .operationFailed, "QEMU (pid \(p.pid)) did not exit on SIGTERM within 10 s; retry without --graceful")
            }
            p.signal(SIGKILL)
            _ = await p.waitForExit(timeout: .seconds(10))
        }
        cleanUp(status, reason: reason)
    }

    public func domainShutdown(_ d: DomainRef, flags: UInt32) async throws {
        try writable()
        let f = try ShutdownFlags.check(
            flags, allowed: [.acpiPowerButton, .guestAgent, .initctl, .signal, .paravirt], function: "qemuDomainShutdownFlags")
        if !f.isEmpty && !f.contains(.acpiPowerButton) {
            throw VirtError(.argumentUnsupported, "only the ACPI power button is available to shut QEMU guests down")
        }
        try await changing {
            let (_, status, _) = try await activeStatus(d)
            try await withQMP(status, .control) { _ = try await $0.execute(QMP.SystemPowerdown()) }
        }
    }

    /// ACPI reboot: the guest is asked to power off, and when it has, QEMU is reset and run
    /// again instead of stopping. A daemon watching the guest finishes that by itself; an
    /// embedded call waits for the power-off (up to 60 s) and, if it does not come, leaves
    /// the reboot pending for the next call that finds the guest stopped.
    public func domainReboot(_ d: DomainRef, flags: UInt32) async throws {
        try writable()
        let f = try ShutdownFlags.check(
            flags, allowed: [.acpiPowerButton, .guestAgent, .initctl, .signal, .paravirt], function: "qemuDomainReboot")
        if !f.isEmpty && !f.contains(.acpiPowerButton) {
            throw VirtError(.argumentUnsupported, "only the ACPI power button is available to reboot QEMU guests")
        }
        try await changing {
            var (_, status, _) = try await activeStatus(d)
            status.pendingReboot = true
            try status.write(paths.statusFile(of: status.name))
            try await withQMP(status, .control, timeout: .seconds(70)) { qmp in
                _ = try await qmp.execute(QMP.SetAction(shutdown: "pause"))
                _ = try await qmp.execute(QMP.SystemPowerdown())
                guard !watching else { return }
                let deadline = ContinuousClock.now + .seconds(60)
                while ContinuousClock.now < deadline {
                    if try await qmp.execute(QMP.QueryStatus()).status == "shutdown" {
                        try await finishReboot(&status, qmp)
                        return
                    }
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
        }
    }

    /// Resets and resumes a guest that powered off for a reboot.
    func finishReboot(_ status: inout DomainStatus, _ qmp: QMPConnection) async throws {
        _ = try await qmp.execute(QMP.SystemReset())
        if !watching { events.publish(.reboot(status.ref)) }
        let keep = (try? Domain.parse(status.liveXML)).map(Self.keepsQemuAfterShutdown) ?? false
        _ = try await qmp.execute(QMP.SetAction(shutdown: keep ? "pause" : "poweroff"))
        _ = try await qmp.execute(QMP.Cont())
        status.pendingReboot = false
        status.state = .booted
        try status.write(paths.statusFile(of: status.name))
    }

    public func domainReset(_ d: DomainRef, flags: UInt32) async throws {
        try writable()
        _ = try DefineFlags.check(flags, allowed: [], function: "qemuDomainReset")
        try await changing {
            let (_, status, _) = try await activeStatus(d)
            try await withQMP(status, .control) { _ = try await $0.execute(QMP.SystemReset()) }
            // A daemon's watcher publishes it from QEMU's RESET; without one, we do.
            if !watching { events.publish(.reboot(status.ref)) }
        }
    }

    public func domainSuspend(_ d: DomainRef) async throws {
        try writable()
        try await changing {
            var (r, status, _) = try await activeStatus(d)
            let st = await state(r)
            guard st.state == .running else {
                throw VirtError(.operationInvalid, "domain is not running (\(st.state.name))")
            }
            try await withQMP(status, .control) { _ = try await $0.execute(QMP.Stop()) }
            status.state = .pausedUser
            try status.write(paths.statusFile(of: status.name))
            r.status = status
            events.publish(.suspended(ref(r)))
        }
    }

    public func domainResume(_ d: DomainRef) async throws {
        try writable()
        try await changing {
            var (r, status, _) = try await activeStatus(d)
            let st = await state(r)
            guard st.state == .paused, st != .pausedShuttingDown else {
                throw VirtError(.operationInvalid, "domain is not paused (\(st.state.name))")
            }
            try await withQMP(status, .control) { _ = try await $0.execute(QMP.Cont()) }
            status.state = .unpaused
            try status.write(paths.statusFile(of: status.name))
            r.status = status
            events.publish(.resumed(ref(r)))
        }
    }

    /// Acts on a guest that stopped under a life-cycle switch: powered off (or rebooted)
    /// with QEMU kept, or panicked. Lock held.
    func applyLifecycle(_ initial: DomainStatus) async {
        var status = initial
        guard let qmp = try? await QMPConnection.connect(path: status.controlMonitor, timeout: .seconds(5)) else { return }
        defer { qmp.close() }
        guard let run = try? await qmp.execute(QMP.QueryStatus(), timeout: .seconds(5)).status else { return }
        let def = try? Domain.parse(status.liveXML)
        let action: LifecycleAction?
        switch run {
        case "shutdown":
            if status.pendingReboot {
                try? await finishReboot(&status, qmp)
                return
            }
            let cause = exitReason(status)
            if cause == .shutoffCrashed { action = def?.onCrash ?? .destroy }
            else if lastShutdownCause(status) == 7 { action = def?.onReboot ?? .restart }
            else { action = def?.onPoweroff ?? .destroy }
        case "guest-panicked":
            action = def?.onCrash ?? .destroy
        default:
            return
        }
        switch action ?? .destroy {
        case .restart, .renameRestart:
            _ = try? await qmp.execute(QMP.SystemReset())
            _ = try? await qmp.execute(QMP.Cont())
            status.state = .booted
            try? status.write(paths.statusFile(of: status.name))
        case .preserve:
            break
        case .coredumpDestroy, .coredumpRestart:
            let dump = paths.state + "/qemu/dump"
            try? FileManager.default.createDirectory(atPath: dump, withIntermediateDirectories: true)
            let file = dump + "/\(status.name)-\(Int(Date().timeIntervalSince1970)).core"
            try? await dumpMemory(qmp, to: file, format: nil)
            if action == .coredumpRestart {
                _ = try? await qmp.execute(QMP.SystemReset())
                _ = try? await qmp.execute(QMP.Cont())
            } else {
                await keepClock(&status, qmp)
                _ = try? await qmp.execute(QMP.Quit(), timeout: .seconds(5))
                if let p = process(of: status) { _ = await p.waitForExit(timeout: .seconds(10)) }
                cleanUp(status, reason: .shutoffCrashed)
            }
        default:
            await keepClock(&status, qmp)
            _ = try? await qmp.execute(QMP.Quit(), timeout: .seconds(5))
            if let p = process(of: status), !(await p.waitForExit(timeout: .seconds(10))) { p.signal(SIGKILL) }
            cleanUp(status, reason: run == "guest-panicked" ? .shutoffCrashed : .shutoffShutdown)
        }
    }

    /// QEMU's cause number of the last traced shutdown request of this run.
    func lastShutdownCause(_ status: DomainStatus) -> Int? {
        let tail = GuestLog.read(paths.logFile(of: status.name), from: status.logOffset)
        guard let line = tail.split(separator: "\n").last(where: { $0.contains("qemu_system_shutdown_request") }),
            let r = line.range(of: "reason=")
        else { return nil }
        return Int(line[r.upperBound...].prefix { $0.isNumber })
    }
}
