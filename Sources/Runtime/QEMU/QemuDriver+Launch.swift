import CRuntimeSupport
import Convert
import Foundation
import Schema

#if canImport(Glibc)
    import Glibc
#endif

/// Starting QEMU: argv from the qemu-argv builder for this host's emulator, three QMP
/// monitors, `-S`, set-up over QMP (passwords, ptys, ports), the status written, then `cont`.
extension QemuDriver {
    /// A saved image to start from instead of booting.
    struct Incoming {
        var path: String
        var offset: UInt64
        var paused: Bool
    }

    /// Starts `config` (lock held). Returns the domain and the builder's warnings.
    func launch(_ config: Domain, transient: Bool, paused: Bool, autodestroy: Bool, incoming: Incoming? = nil)
        async throws -> DomainResult
    {
        PhaseTimer.mark("launch: begin")
        let name = config.name!
        // The id is only taken (written) once QEMU is about to start: a start refused
        // before that changes nothing on disk.
        let id = peekNextID()
        var live = config
        live.id = Int(id)
        if live.type == .kvm && !HostProbe.kvmUsable() {
            throw VirtError(
                .configUnsupported,
                "domain '\(name)' requires KVM, but /dev/kvm cannot be opened on this host; use <domain type='qemu'> to run it under TCG")
        }
        let caps = try await emulatorCapabilities(for: live)
        PhaseTimer.mark("launch: emulator capabilities")
        try assignSpicePorts(&live)

        let control = paths.monitor(id: id, "ctl")
        let query = paths.monitor(id: id, "qry")
        let eventsPath = paths.monitor(id: id, "evt")
        for p in [control, query, eventsPath] where p.utf8.count > UnixSocket.maxPathLength {
            throw VirtError(
                .configUnsupported, "monitor socket path \(p) is longer than a Unix socket allows; use a shorter root")
        }
        let taps = try openTaps(live)
        defer { for t in taps { close(t.fd) } }

        var settings = LaunchSettings(qmpSocket: control, startPaused: true, pidFile: paths.pidFile(of: name))
        settings.extraMonitors = [query, eventsPath]
        settings.setsPasswords = true
        settings.keepAfterShutdown = Self.keepsQemuAfterShutdown(live)
        for (j, t) in taps.enumerated() { settings.tapDescriptors[t.index] = Int32(3 + j) }
        var builder = QemuArgvBuilder(
            capabilities: caps, environment: environment.filter { ["HOME", "USER", "LOGNAME"].contains($0.key) },
            launch: settings, fileName: name)
        builder.networkBridge = { [paths] net in Self.bridge(ofNetwork: net, paths: paths) }
        var line: QemuCommandLine
        do {
            line = try builder.build(live)
        } catch {
            throw VirtError(.configUnsupported, error.lineAndMessage, diagnostics: [error])
        }
        line.arguments += Self.runtimeArguments(live, caps: caps, incoming: incoming != nil)
        PhaseTimer.mark("launch: argv built")

        let logPath = paths.logFile(of: name)
        let logOffset = GuestLog.size(logPath)
        var status = DomainStatus(
            name: name, uuid: live.uuid!.xmlValue, id: id, phase: .starting, transient: transient, pid: nil,
            pidStartTime: nil, controlMonitor: control, queryMonitor: query, eventMonitor: eventsPath,
            state: .pausedStarting, liveXML: "", startedAt: Date().timeIntervalSince1970,
            logOffset: logOffset, autodestroy: autodestroy)
        try takeID(id)
        // Before QEMU exists, only a marker: the status (a JSON document, slower to write)
        // follows while QEMU starts, and the marker lets a later call find a QEMU whose
        // starter died in between.
        let marker = paths.startingMarker(of: name)
        let markerFD = Glibc.open(marker, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard markerFD >= 0 else {
            throw VirtError(.systemError, "cannot write \(marker): \(String(cString: strerror(errno)))")
        }
        close(markerFD)
        GuestLog.append(logPath, "starting up\n" + line.rendered())
        for p in [control, query, eventsPath, paths.pidFile(of: name)] { unlink(p) }
        PhaseTimer.mark("launch: marker and log written")

        let process: HostProcess
        do {
            process = try HostProcess.spawn(
                line.argv, environment: line.environment.map { "\($0.name)=\($0.value)" }, logPath: logPath,
                passing: taps.map(\.fd))
        } catch {
            cleanUp(status, reason: .shutoffFailed)
            unlink(marker)
            throw error
        }
        status.pid = process.pid
        status.pidStartTime = process.startTime
        PhaseTimer.mark("launch: QEMU spawned")
        // QEMU takes tens of milliseconds to open its monitor; meanwhile, on the other core,
        // get the first-use costs of what comes after it out of the way.
        // The live definition is formatted there too: nothing before the spawn needs it.
        let prepared = Task.detached { [status, live, paths] in
            var status = status
            status.liveXML = live.formatted()
            Self.prepareForSetUp()
            return Result { () throws(VirtError) in try status.write(paths.statusFile(of: name)) }
        }

        do {
            try await prepared.value.get()
            let (facts, qmp) = try await setUp(
                status, process: process, live: live, line: line, taps: taps, incoming: incoming)
            defer { qmp.close() }
            PhaseTimer.mark("launch: set up over QMP")
            LiveDefinition.apply(facts, to: &live)
            status.liveXML = live.formatted()
            var nodes: [String: [String]] = [:]
            for (i, disk) in (live.devices?.disks ?? []).enumerated() {
                if let alias = disk.alias?.name, disk.sourcePath != nil || disk.source != nil {
                    nodes[alias] = ["libvirt-\(i + 1)-format", "libvirt-\(i + 1)-storage"]
                }
            }
            status.blockNodes = nodes
            status.nextBlockNode = (live.devices?.disks.count ?? 0) + 1
            status.phase = .active
            let startPaused = paused || (incoming?.paused ?? false)
            status.state = startPaused ? .pausedUser : (incoming != nil ? .restored : .booted)
            // Noted before the status says active: the daemon's scan, finding an active guest
            // it does not watch, would otherwise take it for one another process started and
            // publish a second `started` (seen under load in DaemonTests).
            if watching { watchers.noteStarted(name) }
            try status.write(paths.statusFile(of: name))
            unlink(marker)
            PhaseTimer.mark("launch: status written")
            if !startPaused {
                do {
                    _ = try await qmp.execute(QMP.Cont())
                } catch let f as QMPConnection.Failure {
                    throw VirtError(.operationFailed, "QEMU would not run the guest: \(f)")
                }
            }
            PhaseTimer.mark("launch: running")
        } catch {
            if watching { _ = watchers.takeStarted(name) }
            process.signal(SIGKILL)
            _ = await process.waitForExit(timeout: .seconds(5))
            cleanUp(status, reason: .shutoffFailed)
            unlink(marker)
            throw error
        }
        try? FileManager.default.removeItem(atPath: paths.shutoffFile(of: name))
        let ref = DomainRef(name: name, uuid: live.uuid!, id: id)
        if watching {
            await attachWatcher(status)
            // Watched now (by this or by the scan, which took the note): a later start of
            // the same guest by another process must be news again.
            _ = watchers.takeStarted(name)
        }
        // In the daemon the client's session keeps this list (it is the connection).
        if autodestroy && !watching { autodestroyStarts.withLock { $0.append(ref) } }
        events.publish(.started(ref, restored: incoming != nil))
        if status.state.state == .paused { events.publish(.suspended(ref)) }
        return DomainResult(domain: ref, warnings: line.warnings)
    }

    /// Waits for QEMU's monitor, then does over QMP what must happen before the guest runs.
    /// Returns what QEMU reported and the monitor connection, for the caller's `cont`.
    private func setUp(
        _ status: DomainStatus, process: HostProcess, live: Domain, line: QemuCommandLine,
        taps: [(index: Int, fd: Int32, name: String)], incoming: Incoming?
    ) async throws -> (LiveDefinition.Facts, QMPConnection) {
        let qmp: QMPConnection
        do {
            qmp = try await QMPConnection.connect(
                path: status.controlMonitor, within: .seconds(60), timeout: .seconds(30), pipelined: true,
                stillStarting: {
                    process.reap()
                    return process.isRunning
                })
        } catch {
            process.reap()
            let said = GuestLog.read(paths.logFile(of: status.name), from: status.logOffset)
            if !process.isRunning {
                throw VirtError(.internalError, "process exited while connecting to monitor: \(Self.lastWords(said))")
            }
            throw VirtError(.internalError, "QEMU did not open its monitor: \(error)")
        }
        var handedOver = false
        defer { if !handedOver { qmp.close() } }
        PhaseTimer.mark("launch: QMP connected")
        var facts = LiveDefinition.Facts(id: status.id, aliases: line.aliases)
        for t in taps { facts.taps[t.index] = t.name }
        do {
            // Independent questions go out together; QMP answers each by its id.
            let graphics = live.devices?.graphics ?? []
            async let passwords: Void = {
                for g in graphics {
                    guard let pw = g.passwd else { continue }
                    switch g.type {
                    case .vnc?: _ = try await qmp.execute(QMP.SetPassword(protocol: "vnc", password: pw))
                    case .spice?: _ = try await qmp.execute(QMP.SetPassword(protocol: "spice", password: pw))
                    default: break
                    }
                }
            }()
            async let vnc: String? =
                graphics.contains(where: { $0.type == .vnc }) ? try await qmp.execute(QMP.QueryVNC()).service : nil
            async let spice: Int? =
                graphics.contains(where: { $0.type == .spice }) ? try await qmp.execute(QMP.QuerySpice()).port : nil
            async let chardevs: [QMP.QueryChardev.Chardev] =
                line.chardevs.isEmpty ? [] : try await qmp.execute(QMP.QueryChardev())
            // Guest memory statistics every 5 s, for dommemstat (a guest without the
            // driver just never reports).
            async let polling: Void = {
                if Self.hasBalloon(live) {
                    _ = try? await qmp.execute(
                        QMP.QOMSet(
                            path: "/machine/peripheral/balloon0", property: "guest-stats-polling-interval", value: .int(5)))
                }
            }()
            try await passwords
            facts.vncPort = try await vnc.flatMap { Int($0) }
            facts.spicePort = try await spice
            let devs = try await chardevs
            for (slot, label) in line.chardevs {
                if let c = devs.first(where: { $0.label == label }), c.filename.hasPrefix("pty:") {
                    facts.ptys[slot] = String(c.filename.dropFirst(4))
                }
            }
            await polling
            try await qmp.negotiation?.value
            PhaseTimer.mark("setup: queries answered")
            if let incoming { try await receive(incoming, over: qmp) }
        } catch let f as QMPConnection.Failure {
            throw VirtError(.operationFailed, "QEMU refused the guest's set-up: \(f)")
        }
        handedOver = true
        return (facts, qmp)
    }

    /// Encodes and decodes, on samples, what the set-up after QEMU's monitor opens will
    /// encode and decode for real (the status and the live definition are made for real
    /// beside it, which warms theirs).
    static func prepareForSetUp() {
        QMPConnection.prepare(QMP.Capabilities(), sampleReply: "{}")
        QMPConnection.prepare(QMP.QueryChardev(), sampleReply: #"[{"label": "c", "filename": "pty:/dev/pts/1", "frontend-open": false}]"#)
        QMPConnection.prepare(QMP.QueryVNC(), sampleReply: #"{"enabled": true, "service": "5900", "host": "127.0.0.1"}"#)
        QMPConnection.prepare(
            QMP.QOMSet(path: "/", property: "p", value: .int(5)), sampleReply: "{}")
        QMPConnection.prepare(QMP.Cont(), sampleReply: "{}")
    }

    /// QEMU's own last complaint, without our header lines.
    static func lastWords(_ log: String) -> String {
        let lines = log.split(separator: "\n").map(String.init).filter {
            !$0.hasPrefix("LC_ALL=") && !$0.hasSuffix(": starting up") && !$0.contains("qemu_system_shutdown_request")
        }
        return lines.suffix(3).joined(separator: "; ")
    }

    /// Arguments the runtime adds to the builder's: QEMU's messages stamped with the time,
    /// each shutdown request's cause and each run-state change traced into the log (so a
    /// later call can tell a power-off from a crash without having watched), and the panic
    /// action `on_crash` asks for.
    static func runtimeArguments(_ d: Domain, caps: EmulatorCapabilities, incoming: Bool) -> [String] {
        var args = [
            "-msg", "timestamp=on", "-trace", "enable=qemu_system_shutdown_request", "-trace", "enable=runstate_set",
        ]
        if caps.version >= QemuVersion(6, 0) {
            switch d.onCrash {
            case .preserve?, .restart?, .renameRestart?, .coredumpRestart?, .coredumpDestroy?:
                args += ["-action", "panic=pause"]
            default:
                args += ["-action", "panic=shutdown"]
            }
            if d.onReboot == .preserve { args += ["-action", "reboot=shutdown"] }
        }
        if incoming { args += ["-incoming", "defer"] }
        return args
    }

    /// QEMU must stay (stopped) after the guest powers off when its manager is to restart
    /// or preserve it, or to read a variable clock off its RTC before it goes; otherwise it
    /// exits by itself and a later call finds it gone.
    static func keepsQemuAfterShutdown(_ d: Domain) -> Bool {
        if d.clock?.offset == .variable { return true }
        switch d.onPoweroff {
        case .restart?, .preserve?, .renameRestart?: return true
        default: return d.onReboot == .preserve
        }
    }

    /// The bridge of a libvirt network as we store it (`default` → `virbr0` when undefined,
    /// as libvirt's default network is).
    static func bridge(ofNetwork name: String, paths: QemuPaths) -> String? {
        let path = paths.networkConfig(of: name)
        if let data = FileManager.default.contents(atPath: path),
            let net = try? Network.parse(String(decoding: data, as: UTF8.self))
        {
            return net.bridge?.name
        }
        return name == "default" ? "virbr0" : nil
    }

    /// Taps for NICs on a bridge (`bridge`, or `network` through the network's bridge),
    /// created and enslaved here so QEMU needs no helper; each must name a bridge that
    /// exists.
    func openTaps(_ d: Domain) throws(VirtError) -> [(index: Int, fd: Int32, name: String)] {
        var out: [(index: Int, fd: Int32, name: String)] = []
        var ok = false
        defer { if !ok { for t in out { close(t.fd) } } }
        for (i, nic) in (d.devices?.interfaces ?? []).enumerated() {
            let bridge: String
            switch nic.source {
            case .bridge(let s)?:
                guard let b = s?.bridgeName else {
                    throw VirtError(.configUnsupported, "interface \(i) of type bridge names no source bridge")
                }
                bridge = b
            case .network(let s)?:
                let net = s?.networkName ?? ""
                guard let b = s?.bridge ?? Self.bridge(ofNetwork: net, paths: paths) else {
                    throw VirtError(.configUnsupported, "network '\(net)' is not defined, so its bridge is unknown")
                }
                guard FileManager.default.fileExists(atPath: "/sys/class/net/\(b)/bridge") else {
                    throw VirtError(
                        .configUnsupported,
                        "network '\(net)' uses bridge '\(b)', which does not exist on this host (virtkit does not start networks yet; create the bridge or use another interface type)")
                }
                bridge = b
            default:
                continue
            }
            guard FileManager.default.fileExists(atPath: "/sys/class/net/\(bridge)/bridge") else {
                throw VirtError(.configUnsupported, "bridge '\(bridge)' does not exist on this host")
            }
            guard geteuid() == 0 else {
                throw VirtError(.operationDenied, "attaching a guest to bridge '\(bridge)' needs root; use <interface type='user'>")
            }
            let wanted = nic.target?.dev ?? "vnet%d"
            var actual = [CChar](repeating: 0, count: Int(vk_ifnamsiz()))
            let fd = vk_tap_open(wanted, &actual, 0)
            guard fd >= 0 else {
                throw VirtError(.systemError, "cannot create tap device \(wanted): \(String(cString: strerror(errno)))")
            }
            let name = String(decoding: actual.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            out.append((i, fd, name))
            guard vk_bridge_add_port(bridge, name) == 0 else {
                throw VirtError(.systemError, "cannot add \(name) to bridge \(bridge): \(String(cString: strerror(errno)))")
            }
            guard vk_link_set_up(name, 1) == 0 else {
                throw VirtError(.systemError, "cannot bring \(name) up: \(String(cString: strerror(errno)))")
            }
        }
        ok = true
        return out
    }

    /// SPICE cannot look for a free port itself as VNC does: pick one (the lock keeps two
    /// starts from picking the same).
    func assignSpicePorts(_ d: inout Domain) throws(VirtError) {
        guard var devices = d.devices else { return }
        for i in devices.graphics.indices where devices.graphics[i].type == .spice {
            let g = devices.graphics[i]
            if g.autoport == .yes || (g.port ?? -1) <= 0 {
                guard let port = FreePorts.find(from: 5900, to: 65535) else {
                    throw VirtError(.internalError, "no free port for SPICE")
                }
                devices.graphics[i].port = port
            }
        }
        d.devices = devices
    }

    /// The next domain id of this root (ids are never reused while its run folder lasts).
    func peekNextID() -> Int32 {
        (try? String(contentsOfFile: paths.status + "/next-id", encoding: .utf8)).flatMap {
            Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
        } ?? 1
    }

    func takeID(_ id: Int32) throws(VirtError) {
        do {
            try AtomicFile.write("\(id + 1)\n", to: paths.status + "/next-id", mode: 0o600, durable: false)
        } catch {
            throw VirtError(.writeFailed, error.description)
        }
    }

    enum Monitor { case control, query }

    /// One QMP session on a guest's monitor for the length of `body`. QMP failures become
    /// libvirt-style errors.
    func withQMP<T>(
        _ status: DomainStatus, _ monitor: Monitor, timeout: Duration = .seconds(30),
        _ body: (QMPConnection) async throws -> T
    ) async throws -> T {
        let qmp: QMPConnection
        do {
            qmp = try await QMPConnection.connect(
                path: monitor == .control ? status.controlMonitor : status.queryMonitor, timeout: timeout)
        } catch {
            throw VirtError(.operationFailed, "cannot reach the QEMU monitor of '\(status.name)': \(error)")
        }
        defer { qmp.close() }
        do {
            return try await body(qmp)
        } catch let f as QMPConnection.Failure {
            throw VirtError(f.kind == .timeout ? .operationTimeout : .operationFailed, "QEMU: \(f)")
        }
    }
}

/// TCP ports nobody listens on.
enum FreePorts {
    static func find(from: Int, to: Int) -> Int? {
        for port in from...to where isFree(port) { return port }
        return nil
    }

    static func isFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = 0
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
