import Convert
import Foundation
import Schema

#if canImport(Glibc)
    import Glibc
#endif

/// Definitions, lookups and lists.
extension QemuDriver {
    func writable() throws(VirtError) {
        if readOnly { throw VirtError(.operationDenied, "read-only access prevents this operation") }
    }

    public func connectGetType() async -> String { "QEMU" }
    public func connectGetURI() async -> String { uri.text }
    public func connectGetHostname() async -> String { HostInfo.hostname }
    public func connectIsSecure() async -> Bool { true }

    public func connectListAllDomains(flags: UInt32) async throws -> [DomainRef] {
        let f = try ListDomainsFlags.check(flags, allowed: .all, function: "qemuConnectListAllDomains")
        let filter = DomainFilter(f)
        let needsState = !f.intersection([.running, .paused, .shutoff, .other]).isEmpty
        let needsAutostart = !f.intersection([.autostart, .noAutostart]).isEmpty
        let needsManaged = !f.intersection([.managedSave, .noManagedSave]).isEmpty
        var out: [DomainRef] = []
        for r in allRecords() {
            let ref = ref(r)
            let state: DomainState
            if needsState {
                state = await self.state(r).state
            } else {
                state = ref.id >= 0 ? .running : .shutoff
            }
            // Two more stats per guest only when the filter asks about them.
            let autostart = needsAutostart && FileManager.default.fileExists(atPath: paths.autostartLink(of: r.name))
            let managed = needsManaged && FileManager.default.fileExists(atPath: paths.managedSave(of: r.name))
            if filter.admits(state, persistent: r.persistent, autostart: autostart, managedSave: managed) {
                out.append(ref)
            }
        }
        return out
    }

    public func domainLookupByID(_ id: Int32) async throws -> DomainRef {
        for r in allRecords() where r.status?.id == id {
            let d = ref(r)
            if d.id == id { return d }
        }
        throw VirtError.noDomain(id: Int(id))
    }

    public func domainLookupByName(_ name: String) async throws -> DomainRef {
        guard let r = record(named: name) else { throw VirtError.noDomain(name: name) }
        return ref(r)
    }

    public func domainLookupByUUID(_ uuid: UUIDValue) async throws -> DomainRef {
        guard let r = allRecords().first(where: { $0.uuid == uuid }) else { throw VirtError.noDomain(uuid: uuid.xmlValue) }
        return ref(r)
    }

    /// Refuses domain types this driver cannot run, and the life-cycle action it does not
    /// have: rename-restart is libvirt's libxl driver's alone, and running it as a plain
    /// restart would do something else than the document asks.
    func checkType(_ d: Domain) throws(VirtError) {
        guard let type = d.type, type == .qemu || type == .kvm else {
            throw VirtError(
                .configUnsupported,
                "domain type '\(d.type?.xmlValue ?? "")' is not supported by the QEMU driver (use qemu or kvm)")
        }
        for (element, action) in [("on_poweroff", d.onPoweroff), ("on_reboot", d.onReboot), ("on_crash", d.onCrash)]
        where action == .renameRestart {
            throw VirtError(
                .configUnsupported,
                "\(element) action 'rename-restart' is not supported by the QEMU driver (only libvirt's libxl driver has it)")
        }
    }

    /// What libvirt fills in when it stores a definition: a UUID, the emulator for the
    /// guest's architecture, MAC addresses for NICs that have none.
    func completeDefinition(_ d: inout Domain) {
        if d.uuid == nil { d.uuid = UUIDValue.random() }
        d.id = nil
        if d.devices?.emulator == nil {
            d.deviceList.emulator = HostEmulators.defaultEmulator(forArch: d.os?.type?.arch)
        }
        if var devices = d.devices {
            for i in devices.interfaces.indices where devices.interfaces[i].macAddress == nil {
                devices.interfaces[i].mac = MACElement(MACAddresses.random())
            }
            d.devices = devices
        }
        // The balloon every PC guest gets unless it says model='none', written down as libvirt does.
        if d.devices?.memballoon == nil && Self.isPC(d) { d.deviceList.memballoon = MemBalloon(model: "virtio") }
    }

    static func isPC(_ d: Domain) -> Bool {
        ["x86_64", "i686", nil].contains(d.os?.type?.arch)
    }

    /// Whether the guest has a virtio balloon (the builder's rule: PCs get one by default).
    static func hasBalloon(_ d: Domain) -> Bool {
        (d.devices?.memballoon?.model ?? (isPC(d) ? "virtio" : "none")) != "none"
    }

    /// Runs the argv builder against this host's emulator: a device QEMU cannot take is
    /// refused when the guest is defined, not when it is started; the builder's warnings
    /// come back for the user.
    func buildCheck(_ d: Domain) async throws -> [String] {
        let caps = try await emulatorCapabilities(for: d)
        var builder = QemuArgvBuilder(
            capabilities: caps, environment: [:],
            launch: {
                var l = LaunchSettings(qmpSocket: paths.monitors + "/check", startPaused: true)
                l.setsPasswords = true
                return l
            }(), fileName: d.name ?? "-")
        builder.networkBridge = { _ in "virbr0" }
        do {
            return try builder.build(d).warnings
        } catch {
            throw VirtError(.configUnsupported, error.lineAndMessage, diagnostics: [error])
        }
    }

    func emulatorCapabilities(for d: Domain) async throws -> EmulatorCapabilities {
        let emulator = d.devices?.emulator ?? HostEmulators.defaultEmulator(forArch: d.os?.type?.arch)
        guard FileManager.default.isExecutableFile(atPath: emulator) else {
            throw VirtError(.configUnsupported, "cannot find QEMU binary \(emulator): no such executable file")
        }
        do {
            return try await EmulatorProbe.capabilities(of: emulator, cacheDirectory: paths.probeCache)
        } catch {
            throw VirtError(.internalError, "cannot probe \(emulator): \(error)")
        }
    }

    func storeConfig(_ d: Domain) throws(VirtError) {
        let path = paths.config(of: d.name!)
        do {
            try AtomicFile.write(d.formatted(), to: path)
        } catch {
            throw VirtError(.writeFailed, error.description)
        }
        configs.forget(path)
    }

    public func domainDefineXML(_ xml: String, flags: UInt32) async throws -> DomainResult {
        try writable()
        _ = try DefineFlags.check(flags, allowed: .validate, function: "qemuDomainDefineXMLFlags")
        var (domain, warnings) = try checker.domain(xml)
        try checkType(domain)
        return try await changing {
            let name = domain.name!
            let records = allRecords()
            let existing = records.first { $0.name == name }
            if let existing {
                if let u = domain.uuid, let theirs = existing.uuid, u != theirs {
                    throw VirtError(.operationFailed, "domain '\(name)' already exists with uuid \(theirs.xmlValue)")
                }
                domain.uuid = existing.uuid
            } else if let u = domain.uuid, let other = records.first(where: { $0.uuid == u }) {
                throw VirtError(.operationFailed, "domain '\(other.name)' is already defined with uuid \(u.xmlValue)")
            }
            completeDefinition(&domain)
            warnings += try await buildCheck(domain)
            try storeConfig(domain)
            let ref = existing.map(ref) ?? DomainRef(name: name, uuid: domain.uuid!)
            events.publish(.defined(ref, updated: existing?.persistent == true))
            return DomainResult(domain: ref, warnings: warnings)
        }
    }

    public func domainUndefine(_ d: DomainRef, flags: UInt32) async throws {
        try writable()
        let f = try UndefineFlags.check(
            flags, allowed: [.managedSave, .snapshotsMetadata, .nvram, .keepNvram, .checkpointsMetadata],
            function: "qemuDomainUndefineFlags")
        try await changing {
            guard let r = await reconcile(try find(d)) else { throw VirtError.noDomain(name: d.name) }
            guard r.persistent else { throw VirtError(.operationInvalid, "cannot undefine transient domain") }
            let fm = FileManager.default
            let image = paths.managedSave(of: r.name)
            if fm.fileExists(atPath: image) {
                guard f.contains(.managedSave) else {
                    throw VirtError(.operationInvalid, "Refusing to undefine while domain managed save image exists")
                }
                try? fm.removeItem(atPath: image)
            }
            try? fm.removeItem(atPath: paths.autostartLink(of: r.name))
            if var status = r.status {
                // A running guest keeps running, as a transient one.
                status.transient = true
                try status.write(paths.statusFile(of: r.name))
            }
            try? fm.removeItem(atPath: paths.config(of: r.name))
            try? fm.removeItem(atPath: paths.shutoffFile(of: r.name))
            configs.forget(paths.config(of: r.name))
            events.publish(.undefined(ref(r)))
        }
    }

    public func domainGetXMLDesc(_ d: DomainRef, flags: UInt32) async throws -> String {
        let f = try DomainXMLFlags.check(
            flags, allowed: [.securityInfo, .inactive, .updateCPU, .migratable], function: "qemuDomainGetXMLDesc")
        let r = try find(d)
        var domain: Domain
        if !f.contains(.inactive), case .active = liveness(r), let live = r.live {
            domain = live
        } else if let config = r.config {
            domain = config
        } else if r.status != nil, let live = r.live {
            domain = live
            domain.id = nil
        } else {
            throw VirtError.noDomain(uuid: d.uuid.xmlValue)
        }
        if !f.contains(.securityInfo) { domain = SecretFields.hidden(domain) }
        if f.contains(.migratable) { domain = LiveDefinition.migratable(domain) }
        return domain.formatted()
    }

    /// The definition a running guest runs with, else its persistent one.
    func currentDefinition(_ r: Record) -> Domain? { currentShared(r)?.value }

    /// The same without copying it, for the queries the daemon answers most.
    func currentShared(_ r: Record) -> Shared<Domain>? {
        if r.status != nil, let live = r.running { return live }
        return r.stored
    }

    public func domainGetOSType(_ d: DomainRef) async throws -> String {
        currentDefinition(try find(d))?.os?.type?.value ?? "hvm"
    }

    public func domainGetMaxVcpus(_ d: DomainRef) async throws -> Int32 {
        Int32(currentDefinition(try find(d))?.vcpu?.count ?? 1)
    }

    public func domainIsPersistent(_ d: DomainRef) async throws -> Bool { try find(d).persistent }

    public func domainIsUpdated(_ d: DomainRef) async throws -> Bool {
        let r = try find(d)
        guard r.status != nil, let config = r.config, let live = r.live else {
            return false
        }
        return LiveDefinition.stripped(live) != LiveDefinition.stripped(config)
    }

    public func domainGetAutostart(_ d: DomainRef) async throws -> Bool {
        let r = try find(d)
        return FileManager.default.fileExists(atPath: paths.autostartLink(of: r.name))
    }

    public func domainSetAutostart(_ d: DomainRef, _ autostart: Bool) async throws {
        try writable()
        try await changing {
            let r = try find(d)
            guard r.persistent else { throw VirtError(.operationInvalid, "cannot set autostart for transient domain") }
            let link = paths.autostartLink(of: r.name)
            try? FileManager.default.removeItem(atPath: link)
            if autostart {
                do {
                    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "../\(r.name).xml")
                } catch {
                    throw VirtError(.systemError, "cannot create autostart link \(link): \(error.localizedDescription)")
                }
            }
        }
    }

    public func domainGetState(_ d: DomainRef, flags: UInt32) async throws -> StateWithReason {
        _ = try DefineFlags.check(flags, allowed: [], function: "qemuDomainGetState")
        return await state(try find(d))
    }

    public func domainGetInfo(_ d: DomainRef) async throws -> DomainInfo {
        let r = try find(d)
        // Info carries no reason: an inactive guest's last-stop record need not be read.
        let st = r.status == nil ? .shutoffUnknown : await state(r)
        let def = currentShared(r)
        let maxKiB = def?.value.memory?.kibibytes ?? 0
        var current = def?.value.currentMemory?.kibibytes ?? maxKiB
        var cpuTime: UInt64 = 0
        if case .active(let status, let p) = liveness(r) {
            cpuTime = p.cpuTimeNanoseconds
            if let balloon = try? await withQMP(status, .query, timeout: .seconds(2), { try await $0.execute(QMP.QueryBalloon()) }) {
                current = UInt64(balloon.actual) / 1024
            }
        }
        return DomainInfo(
            state: st.state, maxMemoryKiB: maxKiB, memoryKiB: current, vcpus: UInt16(def?.value.vcpu?.current ?? def?.value.vcpu?.count ?? 1),
            cpuTimeNanoseconds: cpuTime)
    }
}

/// Locally administered, unicast MAC addresses under QEMU's prefix, as libvirt hands out.
enum MACAddresses {
    static func random() -> String {
        var g = SystemRandomNumberGenerator()
        let tail = (0..<3).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &g)) }
        return "52:54:00:" + tail.joined(separator: ":")
    }
}
