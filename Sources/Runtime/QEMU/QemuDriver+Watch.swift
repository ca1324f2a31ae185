import Foundation
import Logging
import Schema

/// The daemon's view of its guests: it re-attaches to the ones running when it starts,
/// starts the autostart ones, and then reads every running guest's event monitor, so
/// that what guests do by themselves (power off, reboot) is acted on and published as
/// life-cycle events without anyone asking — including for guests an embedded CLI
/// started or stopped on the same root.
extension QemuDriver {
    /// Starts watching; returns once the guests found running are attached and the
    /// autostart guests started.
    public func startWatching(logger: Logger) async {
        guard watching else { return }
        watchers.state.withLock { $0.logger = logger }
        // Re-attach: a guest whose QEMU died while no daemon ran is cleaned up now.
        _ = try? await changing {
            for r in allRecords() { await reconcile(r) }
        }
        // Guests started with autodestroy outlived the connection that started them (a
        // daemon killed, an embedded command killed): they end now, as libvirtd ends them.
        for r in allRecords() where r.status?.autodestroy == true {
            try? await domainDestroy(ref(r), flags: 0)
            logger.info("destroyed guest \(r.name): the connection that started it with autodestroy is gone")
        }
        for r in allRecords() where r.persistent && r.status == nil {
            guard FileManager.default.fileExists(atPath: paths.autostartLink(of: r.name)) else { continue }
            do {
                _ = try await domainCreate(ref(r), flags: 0)
                logger.info("autostarted guest \(r.name)")
            } catch {
                logger.error("cannot autostart guest \(r.name): \(error)")
            }
        }
        scanRoot(logger: logger, networks: false)
    }

    public func stopWatching() { watchers.stopAll() }

    /// Attaches a watcher to every running guest that has none.
    func scanForGuests(logger: Logger, initial: Bool) {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: paths.status)) ?? []
        for file in files where file.hasSuffix(".status") {
            let name = String(file.dropLast(".status".count))
            guard !watchers.isWatching(name), let status = DomainStatus.read(paths.statusFile(of: name)),
                status.phase == .active, let startedHere = watchers.claimFound(name)
            else { continue }
            // A guest another process started on this root: its start is news here.
            if !startedHere && !initial {
                events.publish(.started(status.ref))
            }
            let task = Task { [weak self] in
                guard let self else { return }
                await self.watch(status, logger: logger)
            }
            watchers.add(name, task)
        }
    }

    /// Starts watching a guest this process has just started, before the start returns:
    /// its first events (a reset right after the start) would be missed by the scan, which
    /// finds it within 250 ms.
    func attachWatcher(_ status: DomainStatus) async {
        guard let logger = watchers.state.withLock({ $0.logger }), watchers.claim(status.name) else { return }
        let qmp = try? await QMPConnection.connect(path: status.eventMonitor, timeout: .seconds(5))
        let task = Task { [weak self] in
            guard let self else { return }
            await self.watch(status, logger: logger, connected: qmp)
        }
        watchers.add(status.name, task)
    }

    /// Reads one guest's events until its QEMU goes away, then settles its state.
    func watch(_ status: DomainStatus, logger: Logger, connected: QMPConnection? = nil) async {
        let name = status.name
        defer { watchers.remove(name) }
        let monitor: QMPConnection?
        if let connected { monitor = connected } else { monitor = try? await QMPConnection.connect(path: status.eventMonitor, timeout: .seconds(5)) }
        guard let qmp = monitor else {
            // No monitor: the guest is gone already (or going); settle it.
            await settle(status, logger: logger)
            return
        }
        await withTaskCancellationHandler {
            for await event in qmp.events {
                switch event.kind {
                case .shutdown(let guest, let reason):
                    // A destroy (signal, quit) is reported as the stop alone, as libvirt does.
                    if reason == "host-signal" || reason == "host-qmp-quit" { break }
                    events.publish(DomainEvent(domain: currentRef(name) ?? status.ref, kind: .shutdown, detail: guest ? 1 : 2))
                    // QEMU stays for a reboot or a life-cycle action: apply it now.
                    if let r = record(named: name), let s = r.status, s.pendingReboot || Self.keeps(s) {
                        _ = try? await changing { await reconcile(r) }
                    }
                // QEMU's own word for what happened to the guest, as libvirt relays it.
                case .reset:
                    events.publish(.reboot(currentRef(name) ?? status.ref))
                case .rtcChange(let offset):
                    // QEMU counts from the -rtc base it was given; a variable clock's base
                    // already holds the adjustment the guest started with (libvirt adds it too).
                    let live = try? Domain.parse(status.liveXML)
                    let variable = live?.clock?.offset == .variable
                    let base = variable ? Int64(live?.clock?.adjustment ?? "0") ?? 0 : 0
                    events.publish(.rtcChange(currentRef(name) ?? status.ref, offset: offset + base))
                    // The running guest's definition shows the clock it keeps, as libvirt's does.
                    if variable {
                        _ = try? await changing {
                            guard var now = record(named: name)?.status, now.startedAt == status.startedAt else { return }
                            noteClockAdjustment(Int(offset + base), in: &now)
                        }
                    }
                case .deviceDeleted(let device?, _):
                    events.publish(.deviceRemoved(currentRef(name) ?? status.ref, alias: device))
                case .vnc(let vnc):
                    events.publish(.graphics(currentRef(name) ?? status.ref, Self.graphicsEvent(vnc)))
                default:
                    break
                }
            }
        } onCancel: {
            qmp.close()
        }
        qmp.close()
        if Task.isCancelled { return }
        await settle(status, logger: logger)
    }

    /// After a guest's QEMU exited: clean it up (publishing its stop), or, when another
    /// process already did, publish the stop it recorded.
    func settle(_ watched: DomainStatus, logger: Logger) async {
        let name = watched.name
        _ = try? await changing {
            if let r = record(named: name) { await reconcile(r) }
        }
        if watchers.takeStopped(name) { return }
        let now = record(named: name)?.status
        if now == nil || now?.startedAt != watched.startedAt, let uuid = watched.uuidValue {
            // Stopped by someone else: its stop record says why.
            let why = ShutoffRecord.read(paths.shutoffFile(of: name))?.state ?? .shutoffDestroyed
            events.publish(.stopped(DomainRef(name: name, uuid: uuid, id: -1), reason: why))
        }
        logger.debug("guest \(name) is no longer running")
    }

    func currentRef(_ name: String) -> DomainRef? { record(named: name).map(ref) }

    static func keeps(_ s: DomainStatus) -> Bool {
        (try? Domain.parse(s.liveXML)).map(keepsQemuAfterShutdown) ?? false
    }

    /// A VNC event as libvirt relays it: the server's end is local, the client's remote, a
    /// family libvirt has no word for (vsock, unknown) counted as IPv4, as libvirt does.
    static func graphicsEvent(_ e: QMPEvent.VNCEvent) -> DomainEvent.Graphics {
        func address(_ p: QMPEvent.VNCEvent.Endpoint) -> DomainEvent.Graphics.Address {
            let family: DomainEvent.Graphics.Family =
                switch p.family {
                case "ipv6": .ipv6
                case "unix": .unix
                default: .ipv4
                }
            return .init(family: family, node: p.host, service: p.service)
        }
        let local = address(e.server), remote = address(e.client)
        let phase: DomainEvent.Graphics.Phase =
            switch e.phase {
            case .connected: .connect
            case .initialized: .initialize
            case .disconnected: .disconnect
            }
        var subject: [DomainEvent.Graphics.Identity] = []
        if let dn = e.x509DName { subject.append(.init(type: "x509dname", name: dn)) }
        if let user = e.saslUsername { subject.append(.init(type: "saslUsername", name: user)) }
        return .init(phase: phase, local: local, remote: remote, authScheme: e.auth ?? "", subject: subject)
    }
}
