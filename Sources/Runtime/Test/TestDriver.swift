import Convert
import Foundation
import Schema

/// `test:///default` and `test:///PATH`: a hypervisor that lives in memory. Every verb works
/// on it and nothing touches the host, so users' CI can exercise tools built on virtkit (or
/// on libvirt's API, through the daemon) without a host. State lasts as long as the
/// connection, as libvirt's test driver's does.
public actor TestDriver: Driver {
    struct Guest {
        var config: Domain
        /// The running instance's definition, when active.
        var live: Domain?
        var state: StateWithReason
        var id: Int32
        var persistent: Bool
        var autostart = false
        var managedSave = false
        var startedAt = Date()
        var ref: DomainRef {
            DomainRef(name: (live ?? config).name ?? "", uuid: (live ?? config).uuid!, id: state.state.isActive ? id : -1)
        }
    }

    struct Net {
        var config: Network
        var active: Bool
        var persistent: Bool
        var autostart: Bool
    }

    let uri: String
    private var guests: [Guest] = []
    private var networks: [Net] = []
    private var nextID: Int32 = 1
    private let checker = DefinitionChecker()
    private let events = EventHub<DomainEvent>()
    private let networkEventHub = EventHub<NetworkEvent>()
    let node: NodeInfo

    /// Opens `test:///default` or a node file.
    public init(uri: ConnectURI) throws(VirtError) {
        self.uri = uri.text
        var node = NodeInfo(
            model: "i686", memoryKiB: 3_145_728, cpus: 16, mhz: 1400, nodes: 2, sockets: 2, cores: 2, threads: 2)
        if uri.path == "/default" || uri.path.isEmpty {
            guests = [try Self.defaultGuest()]
            networks = [Net(config: try Self.defaultNetwork(), active: true, persistent: true, autostart: false)]
            nextID = 2
        } else {
            guard uri.path.hasPrefix("/") else {
                throw VirtError(.invalidArg, "test driver URIs are test:///default or test:///ABSOLUTE/PATH.xml")
            }
            let loaded = try Self.load(path: uri.path, checker: checker)
            for var d in loaded.domains {
                if d.uuid == nil { d.uuid = UUIDValue.random() }
                var copy = d
                copy.id = Int(nextID)
                guests.append(Guest(config: d, live: copy, state: .booted, id: nextID, persistent: true))
                nextID += 1
            }
            networks = loaded.networks.map { n in
                var n = n
                if n.uuid == nil { n.uuid = UUIDValue.random() }
                return Net(config: n, active: true, persistent: true, autostart: false)
            }
            if let n = loaded.node { node = n }
        }
        self.node = node
    }

    // MARK: Connection

    public func connectGetType() -> String { "TEST" }
    public func connectGetVersion() -> UInt64 { 2 }
    public func connectGetHostname() -> String { HostInfo.hostname }
    public func connectGetURI() -> String { uri }
    public func connectGetMaxVcpus(type: String?) -> Int32 { 32 }
    public func nodeGetInfo() -> NodeInfo { node }
    public func nodeGetFreeMemory() -> UInt64 {
        let used = guests.filter { $0.state.state.isActive }.reduce(UInt64(0)) {
            $0 + (($1.live ?? $1.config).currentMemory?.kibibytes ?? ($1.live ?? $1.config).memory?.kibibytes ?? 0)
        }
        return (node.memoryKiB > used ? node.memoryKiB - used : 0) * 1024
    }
    public func connectSupportsFeature(_ feature: Int32) -> Bool { false }

    public func connectGetCapabilities() -> String {
        let cpus = (0..<Int(node.cpus)).map { i in
            el("cpu", ["id": "\(i)", "socket_id": "\(i / 8)", "die_id": "0", "core_id": "\(i % 8)", "siblings": "\(i)"])
        }
        let half = cpus.count / 2
        let cells = [
            el("cell", ["id": "0"], [el("memory", ["unit": "KiB"], text: "\(node.memoryKiB / 3)"),
                el("cpus", ["num": "\(half)"], Array(cpus[..<half]))]),
            el("cell", ["id": "1"], [el("memory", ["unit": "KiB"], text: "\(node.memoryKiB / 3 * 2)"),
                el("cpus", ["num": "\(cpus.count - half)"], Array(cpus[half...]))]),
        ]
        func guest(_ osType: String) -> XMLElement {
            el("guest", [:], [
                el("os_type", text: osType),
                el("arch", ["name": "i686"], [
                    el("wordsize", text: "32"), el("emulator", text: "/usr/bin/test-hv"), el("domain", ["type": "test"]),
                ]),
                el("features", [:], [el("pae"), el("nonpae")]),
            ])
        }
        let caps = el("capabilities", [:], [
            el("host", [:], [
                el("cpu", [:], [el("arch", text: "i686"), el("features", [:], [el("pae"), el("nonpae")])]),
                el("power_management"),
                el("topology", [:], [el("cells", ["num": "2"], cells)]),
            ]),
            guest("hvm"), guest("xen"),
        ])
        return XMLWriter.format(caps)
    }

    public func connectGetDomainCapabilities(
        emulator: String?, arch: String?, machine: String?, virttype: String?, flags: UInt32
    ) throws -> String {
        _ = try DefineFlags.check(flags, allowed: [], function: "testConnectGetDomainCapabilities")
        if let arch, arch != "i686" { throw VirtError(.invalidArg, "the test driver emulates i686 only, not \(arch)") }
        let caps = el("domainCapabilities", [:], [
            el("path", text: emulator ?? "/usr/bin/test-hv"), el("domain", text: virttype ?? "test"),
            el("arch", text: "i686"), el("vcpu", ["max": "32"]),
            el("os", ["supported": "yes"], [el("enum", ["name": "firmware"])]),
            el("cpu", [:], [el("mode", ["name": "host-passthrough", "supported": "no"]),
                el("mode", ["name": "maximum", "supported": "no"]),
                el("mode", ["name": "host-model", "supported": "no"]),
                el("mode", ["name": "custom", "supported": "no"])]),
            el("devices", [:], [
                el("disk", ["supported": "yes"], [
                    el("enum", ["name": "diskDevice"], [el("value", text: "disk"), el("value", text: "cdrom")]),
                    el("enum", ["name": "bus"], [el("value", text: "ide"), el("value", text: "virtio")]),
                ]),
            ]),
        ])
        return XMLWriter.format(caps)
    }

    // MARK: Lists and lookups

    public func connectListAllDomains(flags: UInt32) throws -> [DomainRef] {
        let f = try ListDomainsFlags.check(flags, allowed: .all, function: "testConnectListAllDomains")
        return guests.filter { g in DomainFilter(f).admits(g.state.state, persistent: g.persistent,
            autostart: g.autostart, managedSave: g.managedSave) }.map(\.ref)
    }

    public func domainLookupByID(_ id: Int32) throws -> DomainRef {
        guard let g = guests.first(where: { $0.state.state.isActive && $0.id == id }) else { throw VirtError.noDomain(id: Int(id)) }
        return g.ref
    }

    public func domainLookupByName(_ name: String) throws -> DomainRef {
        guard let g = guests.first(where: { ($0.live ?? $0.config).name == name }) else {
            throw VirtError.noDomain(name: name)
        }
        return g.ref
    }

    public func domainLookupByUUID(_ uuid: UUIDValue) throws -> DomainRef {
        guard let g = guests.first(where: { $0.config.uuid == uuid }) else { throw VirtError.noDomain(uuid: uuid.xmlValue) }
        return g.ref
    }

    private func index(_ d: DomainRef) throws(VirtError) -> Int {
        guard let i = guests.firstIndex(where: { $0.config.uuid == d.uuid }) else {
            throw VirtError.noDomain(uuid: d.uuid.xmlValue)
        }
        return i
    }

    private func activeIndex(_ d: DomainRef) throws(VirtError) -> Int {
        let i = try index(d)
        guard guests[i].state.state.isActive else { throw VirtError.notRunning }
        return i
    }

    // MARK: Life cycle

    public func domainDefineXML(_ xml: String, flags: UInt32) throws -> DomainResult {
        _ = try DefineFlags.check(flags, allowed: .validate, function: "testDomainDefineXMLFlags")
        var (domain, warnings) = try checker.domain(xml)
        let name = domain.name!
        if let i = guests.firstIndex(where: { $0.config.name == name }) {
            if let uuid = domain.uuid, uuid != guests[i].config.uuid {
                throw VirtError(
                    .operationFailed, "domain '\(name)' already exists with uuid \(guests[i].config.uuid!.xmlValue)")
            }
            domain.uuid = guests[i].config.uuid
            domain.id = nil
            guests[i].config = domain
            guests[i].persistent = true
            events.publish(.defined(guests[i].ref, updated: true))
            return DomainResult(domain: guests[i].ref, warnings: warnings)
        }
        if let uuid = domain.uuid, let other = guests.first(where: { $0.config.uuid == uuid }) {
            throw VirtError(
                .operationFailed, "domain '\(other.config.name ?? "")' is already defined with uuid \(uuid.xmlValue)")
        }
        if domain.uuid == nil { domain.uuid = UUIDValue.random() }
        domain.id = nil
        guests.append(Guest(config: domain, live: nil, state: .shutoffUnknown, id: -1, persistent: true))
        events.publish(.defined(guests.last!.ref))
        return DomainResult(domain: guests.last!.ref, warnings: warnings)
    }

    public func domainUndefine(_ d: DomainRef, flags: UInt32) throws {
        let f = try UndefineFlags.check(
            flags, allowed: [.managedSave, .snapshotsMetadata, .nvram, .keepNvram, .checkpointsMetadata],
            function: "testDomainUndefineFlags")
        let i = try index(d)
        guard guests[i].persistent else { throw VirtError(.operationInvalid, "cannot undefine transient domain") }
        if guests[i].managedSave && !f.contains(.managedSave) {
            throw VirtError(.operationInvalid, "Refusing to undefine while domain managed save image exists")
        }
        let ref = guests[i].ref
        if guests[i].state.state.isActive {
            guests[i].persistent = false
            guests[i].managedSave = false
            guests[i].autostart = false
        } else {
            guests.remove(at: i)
        }
        events.publish(.undefined(ref))
    }

    public func domainCreateXML(_ xml: String, flags: UInt32) throws -> DomainResult {
        let f = try CreateFlags.check(flags, allowed: [.paused, .autodestroy, .validate], function: "testDomainCreateXML")
        var (domain, warnings) = try checker.domain(xml)
        let name = domain.name!
        if let other = guests.first(where: { $0.config.name == name }) {
            if other.state.state.isActive { throw VirtError(.operationInvalid, "domain '\(name)' is already active") }
            if let uuid = domain.uuid, uuid != other.config.uuid {
                throw VirtError(
                    .operationFailed, "domain '\(name)' already exists with uuid \(other.config.uuid!.xmlValue)")
            }
        }
        if let uuid = domain.uuid, let other = guests.first(where: { $0.config.uuid == uuid }), other.config.name != name {
            throw VirtError(
                .operationFailed, "domain '\(other.config.name ?? "")' is already defined with uuid \(uuid.xmlValue)")
        }
        domain.id = nil
        if let i = guests.firstIndex(where: { $0.config.name == name }) {
            domain.uuid = guests[i].config.uuid
            boot(i, live: domain, paused: f.contains(.paused))
            return DomainResult(domain: guests[i].ref, warnings: warnings)
        }
        if domain.uuid == nil { domain.uuid = UUIDValue.random() }
        guests.append(Guest(config: domain, live: nil, state: .shutoffUnknown, id: -1, persistent: false))
        boot(guests.count - 1, live: domain, paused: f.contains(.paused))
        return DomainResult(domain: guests.last!.ref, warnings: warnings)
    }

    private func boot(_ i: Int, live: Domain, paused: Bool, restored: Bool = false) {
        var live = live
        guests[i].id = nextID
        nextID += 1
        live.id = Int(guests[i].id)
        guests[i].live = live
        guests[i].startedAt = Date()
        guests[i].state = paused ? .pausedUser : (restored ? .restored : .booted)
        events.publish(.started(guests[i].ref, restored: restored))
        if paused { events.publish(.suspended(guests[i].ref)) }
    }

    public func domainCreate(_ d: DomainRef, flags: UInt32) throws -> [String] {
        let f = try CreateFlags.check(
            flags, allowed: [.paused, .autodestroy, .bypassCache, .forceBoot], function: "testDomainCreateWithFlags")
        let i = try index(d)
        guard !guests[i].state.state.isActive else { throw VirtError.alreadyRunning }
        let restore = guests[i].managedSave && !f.contains(.forceBoot)
        guests[i].managedSave = false
        boot(i, live: guests[i].config, paused: f.contains(.paused), restored: restore)
        return []
    }

    /// Ends a running instance; a transient guest disappears with it.
    private func stop(_ i: Int, _ reason: StateWithReason) {
        let ref = guests[i].ref
        guests[i].state = reason
        guests[i].live = nil
        guests[i].id = -1
        events.publish(.stopped(ref, reason: reason))
        if !guests[i].persistent { guests.remove(at: i) }
    }

    public func domainDestroy(_ d: DomainRef, flags: UInt32) throws {
        _ = try DestroyFlags.check(flags, allowed: .graceful, function: "testDomainDestroyFlags")
        stop(try activeIndex(d), .shutoffDestroyed)
    }

    public func domainShutdown(_ d: DomainRef, flags: UInt32) throws {
        _ = try ShutdownFlags.check(flags, allowed: [.acpiPowerButton, .guestAgent, .initctl, .signal, .paravirt],
            function: "testDomainShutdownFlags")
        let i = try activeIndex(d)
        guard guests[i].state.state == .running else {
            throw VirtError(.operationInvalid, "domain '\(d.name)' not running")
        }
        events.publish(DomainEvent(domain: guests[i].ref, kind: .shutdown, detail: 0))
        stop(i, .shutoffShutdown)
    }

    public func domainReboot(_ d: DomainRef, flags: UInt32) throws {
        _ = try ShutdownFlags.check(flags, allowed: [.acpiPowerButton, .guestAgent, .initctl, .signal, .paravirt],
            function: "testDomainReboot")
        let i = try activeIndex(d)
        guests[i].state = .booted
        events.publish(.reboot(guests[i].ref))
    }

    public func domainReset(_ d: DomainRef, flags: UInt32) throws {
        _ = try DefineFlags.check(flags, allowed: [], function: "testDomainReset")
        let i = try activeIndex(d)
        events.publish(.reboot(guests[i].ref))
    }

    public func domainSuspend(_ d: DomainRef) throws {
        let i = try activeIndex(d)
        guard guests[i].state.state == .running else {
            throw VirtError(.operationInvalid, "domain '\(d.name)' not running")
        }
        guests[i].state = .pausedUser
        events.publish(.suspended(guests[i].ref))
    }

    public func domainResume(_ d: DomainRef) throws {
        let i = try activeIndex(d)
        guard guests[i].state.state == .paused else {
            throw VirtError(.operationInvalid, "domain '\(d.name)' not paused")
        }
        guests[i].state = .unpaused
        events.publish(.resumed(guests[i].ref))
    }

    // MARK: Save, restore, dump

    static let saveMagic = "VirtkitTestSave1\n"

    public func domainSave(_ d: DomainRef, to path: String, xml: String?, flags: UInt32) throws {
        _ = try SaveRestoreFlags.check(flags, allowed: [.bypassCache, .running, .paused], function: "testDomainSaveFlags")
        let i = try activeIndex(d)
        var image = guests[i].live ?? guests[i].config
        if let xml { image = try checker.domain(xml).domain }
        image.id = nil
        do {
            try AtomicFile.write(Self.saveMagic + image.formatted(), to: path, mode: 0o600)
        } catch {
            throw VirtError(.systemError, "failed to write '\(path)': \(error.reason)")
        }
        stop(i, .shutoffSaved)
    }

    public func domainRestore(from path: String, xml: String?, flags: UInt32) throws -> DomainRef {
        let f = try SaveRestoreFlags.check(flags, allowed: [.bypassCache, .running, .paused], function: "testDomainRestoreFlags")
        guard let data = FileManager.default.contents(atPath: path) else {
            throw VirtError(.systemError, "cannot read domain image '\(path)'")
        }
        let text = String(decoding: data, as: UTF8.self)
        guard text.hasPrefix(Self.saveMagic) else {
            throw VirtError(.invalidArg, "'\(path)' is not a saved image of the test driver")
        }
        let domain = try checker.domain(xml ?? String(text.dropFirst(Self.saveMagic.count))).domain
        let i: Int
        if let existing = guests.firstIndex(where: { $0.config.uuid == domain.uuid }) {
            guard !guests[existing].state.state.isActive else { throw VirtError.alreadyRunning }
            i = existing
        } else {
            guests.append(Guest(config: domain, live: nil, state: .shutoffUnknown, id: -1, persistent: false))
            i = guests.count - 1
        }
        boot(i, live: domain, paused: f.contains(.paused), restored: true)
        return guests[i].ref
    }

    public func domainManagedSave(_ d: DomainRef, flags: UInt32) throws {
        _ = try SaveRestoreFlags.check(flags, allowed: [.bypassCache, .running, .paused], function: "testDomainManagedSave")
        let i = try activeIndex(d)
        guard guests[i].persistent else { throw VirtError(.operationInvalid, "cannot do managed save for transient domain") }
        stop(i, .shutoffSaved)
        guests[i].managedSave = true
    }

    public func domainHasManagedSaveImage(_ d: DomainRef, flags: UInt32) throws -> Bool {
        _ = try DefineFlags.check(flags, allowed: [], function: "testDomainHasManagedSaveImage")
        return guests[try index(d)].managedSave
    }

    public func domainManagedSaveRemove(_ d: DomainRef, flags: UInt32) throws {
        _ = try DefineFlags.check(flags, allowed: [], function: "testDomainManagedSaveRemove")
        guests[try index(d)].managedSave = false
    }

    public func domainCoreDump(_ d: DomainRef, to path: String, format: CoreDumpFormat, flags: UInt32) throws {
        let f = try CoreDumpFlags.check(flags, allowed: [.crash, .live, .bypassCache, .reset, .memoryOnly],
            function: "testDomainCoreDumpWithFormat")
        let i = try activeIndex(d)
        let text = "virtkit test driver memory dump (\(format.name)) of '\(d.name)'\n"
        do {
            try AtomicFile.write(text, to: path, mode: 0o600)
        } catch {
            throw VirtError(.systemError, "failed to write '\(path)': \(error.reason)")
        }
        if f.contains(.crash) { stop(i, .shutoffCrashed) }
    }

    // MARK: Queries

    public func domainGetInfo(_ d: DomainRef) throws -> DomainInfo {
        let g = guests[try index(d)]
        let def = g.live ?? g.config
        let cpuTime = g.state.state.isActive ? UInt64(max(0, Date().timeIntervalSince(g.startedAt)) * 1e9) : 0
        return DomainInfo(
            state: g.state.state, maxMemoryKiB: def.memory?.kibibytes ?? 0,
            memoryKiB: def.currentMemory?.kibibytes ?? def.memory?.kibibytes ?? 0, vcpus: UInt16(def.vcpu?.count ?? 1),
            cpuTimeNanoseconds: cpuTime)
    }

    public func domainGetState(_ d: DomainRef, flags: UInt32) throws -> StateWithReason {
        _ = try DefineFlags.check(flags, allowed: [], function: "testDomainGetState")
        return guests[try index(d)].state
    }

    public func domainGetXMLDesc(_ d: DomainRef, flags: UInt32) throws -> String {
        let f = try DomainXMLFlags.check(flags, allowed: [.securityInfo, .inactive, .updateCPU, .migratable],
            function: "testDomainGetXMLDesc")
        let g = guests[try index(d)]
        var def = f.contains(.inactive) ? g.config : (g.live ?? g.config)
        if !f.contains(.securityInfo) { def = SecretFields.hidden(def) }
        return def.formatted()
    }

    public func domainGetOSType(_ d: DomainRef) throws -> String {
        let g = guests[try index(d)]
        return (g.live ?? g.config).os?.type?.value ?? "linux"
    }

    public func domainGetMaxVcpus(_ d: DomainRef) throws -> Int32 {
        let g = guests[try index(d)]
        return Int32((g.live ?? g.config).vcpu?.count ?? 1)
    }

    public func domainIsPersistent(_ d: DomainRef) throws -> Bool { guests[try index(d)].persistent }

    public func domainGetAutostart(_ d: DomainRef) throws -> Bool { guests[try index(d)].autostart }

    public func domainSetAutostart(_ d: DomainRef, _ autostart: Bool) throws {
        let i = try index(d)
        guard guests[i].persistent else { throw VirtError(.operationInvalid, "cannot set autostart for transient domain") }
        guests[i].autostart = autostart
    }

    public func domainBlockStats(_ d: DomainRef, disk: String) throws -> BlockStats {
        let i = try activeIndex(d)
        let def = guests[i].live ?? guests[i].config
        guard def.devices?.disks.contains(where: { $0.targetDev == disk || $0.source?.path == disk }) == true else {
            throw VirtError(.invalidArg, "invalid path: \(disk)")
        }
        // Counters that grow with the time the guest has run, as a real guest's would.
        let t = Int64(max(1, Date().timeIntervalSince(guests[i].startedAt)) * 1000)
        var s = BlockStats()
        s.readRequests = t
        s.readBytes = t * 512
        s.writeRequests = t / 2
        s.writeBytes = t * 256
        s.errors = 0
        return s
    }

    public func domainInterfaceStats(_ d: DomainRef, device: String) throws -> InterfaceStats {
        let i = try activeIndex(d)
        let def = guests[i].live ?? guests[i].config
        guard def.devices?.interfaces.contains(where: { $0.target?.dev == device || $0.macAddress == device }) == true else {
            throw VirtError(.invalidArg, "'\(device)' is not a known interface")
        }
        let t = Int64(max(1, Date().timeIntervalSince(guests[i].startedAt)) * 1000)
        var s = InterfaceStats()
        s.rxBytes = t * 64
        s.rxPackets = t
        s.rxErrors = 0
        s.rxDrops = 0
        s.txBytes = t * 32
        s.txPackets = t / 2
        s.txErrors = 0
        s.txDrops = 0
        return s
    }

    public func domainMemoryStats(_ d: DomainRef, flags: UInt32) throws -> [MemoryStat] {
        _ = try DefineFlags.check(flags, allowed: [], function: "testDomainMemoryStats")
        let i = try activeIndex(d)
        let def = guests[i].live ?? guests[i].config
        let current = def.currentMemory?.kibibytes ?? def.memory?.kibibytes ?? 0
        return [
            MemoryStat(.actualBalloon, current), MemoryStat(.unused, current / 2), MemoryStat(.available, current),
            MemoryStat(.usable, current / 2), MemoryStat(.rss, current / 2),
        ]
    }

    public func domainGetVcpus(_ d: DomainRef) throws -> [VcpuInfo] {
        let i = try activeIndex(d)
        let def = guests[i].live ?? guests[i].config
        let n = Int(def.vcpu?.current ?? def.vcpu?.count ?? 1)
        let t = UInt64(max(0, Date().timeIntervalSince(guests[i].startedAt)) * 1e9)
        return (0..<n).map {
            VcpuInfo(number: UInt32($0), state: 1, cpuTimeNanoseconds: t, cpu: Int32($0) % node.cpus,
                affinity: Array(repeating: true, count: Int(node.cpus)))
        }
    }

    // MARK: Devices, memory, display

    public func domainAttachDevice(_ d: DomainRef, xml: String, flags: UInt32) throws {
        try edit(d, xml: xml, flags: flags, function: "testDomainAttachDeviceFlags") { (domain, device) throws(VirtError) in
            try DeviceEdit.attach(device, to: &domain)
        }
    }

    public func domainDetachDevice(_ d: DomainRef, xml: String, flags: UInt32) throws {
        try edit(d, xml: xml, flags: flags, function: "testDomainDetachDeviceFlags") { (domain, device) throws(VirtError) in
            try DeviceEdit.detach(device, from: &domain)
        }
    }

    /// Applies a device edit to the live definition, the persistent one, or both, as the
    /// flags say; every edited definition must still validate.
    private func edit(
        _ d: DomainRef, xml: String, flags: UInt32, function: String,
        _ change: (inout Domain, DeviceSpec) throws(VirtError) -> Void
    ) throws {
        let f = try ModificationFlags.check(flags, allowed: [.live, .config, .force], function: function)
        let i = try index(d)
        let device = try DeviceSpec(xml: xml)
        let active = guests[i].state.state.isActive
        let live = f.contains(.live) || (!f.contains(.config) && active)
        let config = f.contains(.config)
        if live && !active { throw VirtError.notRunning }
        if config && !guests[i].persistent { throw VirtError(.operationInvalid, "cannot modify device on transient domain") }
        var newLive = guests[i].live
        var newConfig = guests[i].config
        if live, var l = newLive {
            try change(&l, device)
            newLive = try checker.domain(l.formatted()).domain
            newLive?.id = l.id
        }
        if config {
            try change(&newConfig, device)
            newConfig = try checker.domain(newConfig.formatted()).domain
        }
        guests[i].live = newLive
        guests[i].config = newConfig
    }

    public func domainSetMemory(_ d: DomainRef, kibibytes: UInt64, flags: UInt32) throws {
        let f = try ModificationFlags.check(flags, allowed: [.live, .config, .maximum], function: "testDomainSetMemoryFlags")
        let i = try index(d)
        let active = guests[i].state.state.isActive
        let live = f.contains(.live) || (!f.contains(.config) && active)
        if live && !active { throw VirtError.notRunning }
        func apply(_ def: inout Domain) throws(VirtError) {
            if f.contains(.maximum) {
                if live { throw VirtError(.operationInvalid, "cannot resize the maximum memory on an active domain") }
                def.memory = MemorySize(kibibytes: kibibytes)
                if (def.currentMemory?.kibibytes ?? 0) > kibibytes { def.currentMemory = MemorySize(kibibytes: kibibytes) }
            } else {
                guard kibibytes <= def.memory?.kibibytes ?? 0 else {
                    throw VirtError(.invalidArg, "cannot set memory higher than max memory")
                }
                def.currentMemory = MemorySize(kibibytes: kibibytes)
            }
        }
        if live { try apply(&guests[i].live!) }
        if f.contains(.config) || !active { try apply(&guests[i].config) }
    }

    public func domainScreenshot(_ d: DomainRef, screen: UInt32, flags: UInt32) throws -> Screenshot {
        _ = try DefineFlags.check(flags, allowed: [], function: "testDomainScreenshot")
        _ = try activeIndex(d)
        guard screen == 0 else { throw VirtError(.invalidArg, "no screen \(screen)") }
        return Screenshot(mimeType: "image/png", bytes: PNGImage.solid(width: 64, height: 48, rgb: (0x20, 0x40, 0x80)))
    }

    public func domainOpenConsole(_ d: DomainRef, device: String?, flags: UInt32) throws -> any ConsoleStream {
        _ = try DefineFlags.check(flags, allowed: [.init(rawValue: 1), .init(rawValue: 2)], function: "testDomainOpenConsole")
        _ = try activeIndex(d)
        return EchoConsole()
    }

    // MARK: Native formats

    public func connectDomainXMLFromNative(format: String, config: String, flags: UInt32) async throws -> String {
        _ = try DefineFlags.check(flags, allowed: [], function: "testConnectDomainXMLFromNative")
        return try await NativeConversions.fromNative(format: format, config: config)
    }

    public func connectDomainXMLToNative(format: String, xml: String, flags: UInt32) async throws -> String {
        _ = try DefineFlags.check(flags, allowed: [], function: "testConnectDomainXMLToNative")
        return try await NativeConversions.toNative(format: format, xml: xml, checker: checker, cacheDirectory: nil)
    }

    // MARK: Networks

    private func netIndex(_ n: NetworkRef) throws(VirtError) -> Int {
        guard let i = networks.firstIndex(where: { $0.config.uuid == n.uuid }) else {
            throw VirtError(.noNetwork, "no network with matching uuid '\(n.uuid.xmlValue)'")
        }
        return i
    }

    private func ref(_ n: Net) -> NetworkRef { NetworkRef(name: n.config.name ?? "", uuid: n.config.uuid!) }

    public func connectListAllNetworks(flags: UInt32) throws -> [NetworkRef] {
        let f = try ListNetworksFlags.check(flags, allowed: .all, function: "testConnectListAllNetworks")
        return networks.filter { NetworkFilter(f).admits(active: $0.active, persistent: $0.persistent, autostart: $0.autostart) }
            .map(ref)
    }

    public func networkLookupByName(_ name: String) throws -> NetworkRef {
        guard let n = networks.first(where: { $0.config.name == name }) else { throw VirtError.noNetwork(name: name) }
        return ref(n)
    }

    public func networkLookupByUUID(_ uuid: UUIDValue) throws -> NetworkRef {
        guard let n = networks.first(where: { $0.config.uuid == uuid }) else {
            throw VirtError(.noNetwork, "no network with matching uuid '\(uuid.xmlValue)'")
        }
        return ref(n)
    }

    public func networkDefineXML(_ xml: String, flags: UInt32) throws -> NetworkRef {
        _ = try DefineFlags.check(flags, allowed: .validate, function: "testNetworkDefineXMLFlags")
        var net = try checker.network(xml)
        if let i = networks.firstIndex(where: { $0.config.name == net.name }) {
            if let uuid = net.uuid, uuid != networks[i].config.uuid {
                throw VirtError(.operationFailed, "network '\(net.name!)' already exists with uuid \(networks[i].config.uuid!.xmlValue)")
            }
            net.uuid = networks[i].config.uuid
            networks[i].config = net
            networks[i].persistent = true
            networkEventHub.publish(NetworkEvent(network: ref(networks[i]), kind: .defined))
            return ref(networks[i])
        }
        if let uuid = net.uuid, let other = networks.first(where: { $0.config.uuid == uuid }) {
            throw VirtError(.operationFailed, "network '\(other.config.name ?? "")' is already defined with uuid \(uuid.xmlValue)")
        }
        if net.uuid == nil { net.uuid = UUIDValue.random() }
        networks.append(Net(config: net, active: false, persistent: true, autostart: false))
        networkEventHub.publish(NetworkEvent(network: ref(networks.last!), kind: .defined))
        return ref(networks.last!)
    }

    public func networkUndefine(_ n: NetworkRef) throws {
        let i = try netIndex(n)
        if networks[i].active {
            throw VirtError(.operationInvalid, "Network '\(n.name)' is still running")
        }
        networkEventHub.publish(NetworkEvent(network: ref(networks[i]), kind: .undefined))
        networks.remove(at: i)
    }

    public func networkCreate(_ n: NetworkRef) throws {
        let i = try netIndex(n)
        guard !networks[i].active else { throw VirtError(.operationInvalid, "network is already active") }
        networks[i].active = true
        networkEventHub.publish(NetworkEvent(network: ref(networks[i]), kind: .started))
    }

    public func networkDestroy(_ n: NetworkRef) throws {
        let i = try netIndex(n)
        guard networks[i].active else { throw VirtError(.operationInvalid, "network '\(n.name)' is not active") }
        networks[i].active = false
        networkEventHub.publish(NetworkEvent(network: ref(networks[i]), kind: .stopped))
        if !networks[i].persistent { networks.remove(at: i) }
    }

    public func networkGetXMLDesc(_ n: NetworkRef, flags: UInt32) throws -> String {
        _ = try DefineFlags.check(flags, allowed: .validate, function: "testNetworkGetXMLDesc")
        return networks[try netIndex(n)].config.formatted()
    }

    public func networkGetAutostart(_ n: NetworkRef) throws -> Bool { networks[try netIndex(n)].autostart }

    public func networkSetAutostart(_ n: NetworkRef, _ autostart: Bool) throws {
        let i = try netIndex(n)
        guard networks[i].persistent else { throw VirtError(.operationInvalid, "cannot set autostart for transient network") }
        networks[i].autostart = autostart
    }

    public func networkIsActive(_ n: NetworkRef) throws -> Bool { networks[try netIndex(n)].active }
    public func networkIsPersistent(_ n: NetworkRef) throws -> Bool { networks[try netIndex(n)].persistent }

    public func networkGetBridgeName(_ n: NetworkRef) throws -> String {
        guard let br = networks[try netIndex(n)].config.bridge?.name else {
            throw VirtError(.internalError, "network '\(n.name)' does not have a bridge name.")
        }
        return br
    }

    public func domainEvents() -> AsyncStream<DomainEvent> { events.subscribe() }
    public func networkEvents() -> AsyncStream<NetworkEvent> { networkEventHub.subscribe() }
}

/// The test driver's console: a terminal that echoes what is typed, line by line, as a
/// guest shell would.
final class EchoConsole: ConsoleStream, @unchecked Sendable {
    private let lock = NSLock()
    private var pending: [[UInt8]] = []
    private var waiter: CheckedContinuation<[UInt8]?, Never>?
    private var closed = false

    func read() async throws -> [UInt8]? {
        await withCheckedContinuation { (c: CheckedContinuation<[UInt8]?, Never>) in
            lock.lock()
            if !pending.isEmpty {
                let chunk = pending.removeFirst()
                lock.unlock()
                c.resume(returning: chunk)
            } else if closed {
                lock.unlock()
                c.resume(returning: nil)
            } else {
                waiter = c
                lock.unlock()
            }
        }
    }

    func write(_ bytes: [UInt8]) async throws {
        deliver(bytes.map { $0 == 0x0d ? 0x0a : $0 })
    }

    private func deliver(_ chunk: [UInt8]?) {
        lock.lock()
        if let w = waiter {
            waiter = nil
            lock.unlock()
            w.resume(returning: chunk)
            return
        }
        if let chunk { pending.append(chunk) } else { closed = true }
        lock.unlock()
    }

    func close() async { deliver(nil) }
}
