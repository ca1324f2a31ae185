import Schema

/// The argument and reply structs of single procedures (remote_protocol.x), named after the
/// procedure they serve.

public struct ConnectOpenArgs: XDRCodable, Equatable {
    public var name: String?
    public var flags: UInt32
    public init(name: String?, flags: UInt32) {
        self.name = name
        self.flags = flags
    }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        name = try r.optional { (r) throws(XDRError) in try r.string(max: RemoteLimits.stringMax) }
        flags = try r.uint()
    }
    public func encode(to w: inout XDRWriter) {
        w.optional(name) { $0.string($1) }
        w.uint(flags)
    }
}

public struct AuthListRet: XDRCodable, Equatable {
    public var types: [Int32]
    public init(_ t: [Int32]) { types = t }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        types = try r.array(max: RemoteLimits.authTypeListMax) { (r) throws(XDRError) in try r.int() }
    }
    public func encode(to w: inout XDRWriter) { w.array(types) { $0.int($1) } }
}

/// `remote_node_get_info_ret`: the model is a fixed `char[32]`, one word per character.
public struct NodeInfoRet: XDRCodable, Equatable {
    public var info: NodeInfo
    public init(_ i: NodeInfo) { info = i }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        var chars: [UInt8] = []
        for _ in 0..<32 { chars.append(UInt8(truncatingIfNeeded: try r.int())) }
        let model = String(decoding: chars.prefix { $0 != 0 }, as: UTF8.self)
        info = NodeInfo(
            model: model, memoryKiB: try r.uhyper(), cpus: try r.int(), mhz: try r.int(), nodes: try r.int(),
            sockets: try r.int(), cores: try r.int(), threads: try r.int())
    }
    public func encode(to w: inout XDRWriter) {
        var chars = Array(info.model.utf8.prefix(31))
        chars += Array(repeating: 0, count: 32 - chars.count)
        for c in chars { w.int(Int32(Int8(bitPattern: c))) }
        w.uhyper(info.memoryKiB)
        w.int(info.cpus)
        w.int(info.mhz)
        w.int(info.nodes)
        w.int(info.sockets)
        w.int(info.cores)
        w.int(info.threads)
    }
}

/// `remote_domain_get_info_ret`: state is an XDR `unsigned char`, vCPUs an `unsigned short`.
public struct DomainInfoRet: XDRCodable, Equatable {
    public var info: DomainInfo
    public init(_ i: DomainInfo) { info = i }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        let state = DomainState(rawValue: Int32(try r.uint() & 0xff)) ?? .nostate
        info = DomainInfo(
            state: state, maxMemoryKiB: try r.uhyper(), memoryKiB: try r.uhyper(), vcpus: UInt16(truncatingIfNeeded: try r.uint()),
            cpuTimeNanoseconds: try r.uhyper())
    }
    public func encode(to w: inout XDRWriter) {
        w.uint(UInt32(info.state.rawValue))
        w.uhyper(info.maxMemoryKiB)
        w.uhyper(info.memoryKiB)
        w.uint(UInt32(info.vcpus))
        w.uhyper(info.cpuTimeNanoseconds)
    }
}

public struct DomainStateRet: XDRCodable, Equatable {
    public var state: Int32
    public var reason: Int32
    public init(_ s: StateWithReason) {
        state = s.state.rawValue
        reason = s.reason
    }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        state = try r.int()
        reason = try r.int()
    }
    public func encode(to w: inout XDRWriter) {
        w.int(state)
        w.int(reason)
    }
    public var value: StateWithReason { StateWithReason(DomainState(rawValue: state) ?? .nostate, reason) }
}

/// `{dom; to; dxml?; flags}` (save with flags).
public struct SaveFlagsArgs: XDRCodable, Equatable {
    public var dom: RemoteDomain
    public var to: String
    public var dxml: String?
    public var flags: UInt32
    public init(_ d: DomainRef, to: String, dxml: String?, flags: UInt32) {
        dom = RemoteDomain(d)
        self.to = to
        self.dxml = dxml
        self.flags = flags
    }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        dom = try RemoteDomain(xdr: &r)
        to = try r.string(max: RemoteLimits.stringMax)
        dxml = try r.optional { (r) throws(XDRError) in try r.string(max: RemoteLimits.stringMax) }
        flags = try r.uint()
    }
    public func encode(to w: inout XDRWriter) {
        dom.encode(to: &w)
        w.string(to)
        w.optional(dxml) { $0.string($1) }
        w.uint(flags)
    }
}

/// `{from; dxml?; flags}` (restore with flags).
public struct RestoreFlagsArgs: XDRCodable, Equatable {
    public var from: String
    public var dxml: String?
    public var flags: UInt32
    public init(from: String, dxml: String?, flags: UInt32) {
        self.from = from
        self.dxml = dxml
        self.flags = flags
    }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        from = try r.string(max: RemoteLimits.stringMax)
        dxml = try r.optional { (r) throws(XDRError) in try r.string(max: RemoteLimits.stringMax) }
        flags = try r.uint()
    }
    public func encode(to w: inout XDRWriter) {
        w.string(from)
        w.optional(dxml) { $0.string($1) }
        w.uint(flags)
    }
}

public struct CoreDumpFormatArgs: XDRCodable, Equatable {
    public var dom: RemoteDomain
    public var to: String
    public var format: UInt32
    public var flags: UInt32
    public init(_ d: DomainRef, to: String, format: UInt32, flags: UInt32) {
        dom = RemoteDomain(d)
        self.to = to
        self.format = format
        self.flags = flags
    }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        dom = try RemoteDomain(xdr: &r)
        to = try r.string(max: RemoteLimits.stringMax)
        format = try r.uint()
        flags = try r.uint()
    }
    public func encode(to w: inout XDRWriter) {
        dom.encode(to: &w)
        w.string(to)
        w.uint(format)
        w.uint(flags)
    }
}

public struct SetMemoryFlagsArgs: XDRCodable, Equatable {
    public var dom: RemoteDomain
    public var memory: UInt64
    public var flags: UInt32
    public init(_ d: DomainRef, memory: UInt64, flags: UInt32) {
        dom = RemoteDomain(d)
        self.memory = memory
        self.flags = flags
    }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        dom = try RemoteDomain(xdr: &r)
        memory = try r.uhyper()
        flags = try r.uint()
    }
    public func encode(to w: inout XDRWriter) {
        dom.encode(to: &w)
        w.uhyper(memory)
        w.uint(flags)
    }
}

public struct BlockStatsRet: XDRCodable, Equatable {
    public var stats: BlockStats
    public init(_ s: BlockStats) { stats = s }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        var s = BlockStats()
        s.readRequests = try r.hyper()
        s.readBytes = try r.hyper()
        s.writeRequests = try r.hyper()
        s.writeBytes = try r.hyper()
        s.errors = try r.hyper()
        stats = s
    }
    public func encode(to w: inout XDRWriter) {
        w.hyper(stats.readRequests)
        w.hyper(stats.readBytes)
        w.hyper(stats.writeRequests)
        w.hyper(stats.writeBytes)
        w.hyper(stats.errors)
    }
}

public struct InterfaceStatsRet: XDRCodable, Equatable {
    public var stats: InterfaceStats
    public init(_ s: InterfaceStats) { stats = s }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        var s = InterfaceStats()
        s.rxBytes = try r.hyper()
        s.rxPackets = try r.hyper()
        s.rxErrors = try r.hyper()
        s.rxDrops = try r.hyper()
        s.txBytes = try r.hyper()
        s.txPackets = try r.hyper()
        s.txErrors = try r.hyper()
        s.txDrops = try r.hyper()
        stats = s
    }
    public func encode(to w: inout XDRWriter) {
        for v in [stats.rxBytes, stats.rxPackets, stats.rxErrors, stats.rxDrops, stats.txBytes, stats.txPackets,
            stats.txErrors, stats.txDrops]
        {
            w.hyper(v)
        }
    }
}

public struct MemoryStatsArgs: XDRCodable, Equatable {
    public var dom: RemoteDomain
    public var maxStats: UInt32
    public var flags: UInt32
    public init(_ d: DomainRef, maxStats: UInt32, flags: UInt32) {
        dom = RemoteDomain(d)
        self.maxStats = maxStats
        self.flags = flags
    }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        dom = try RemoteDomain(xdr: &r)
        maxStats = try r.uint()
        flags = try r.uint()
    }
    public func encode(to w: inout XDRWriter) {
        dom.encode(to: &w)
        w.uint(maxStats)
        w.uint(flags)
    }
}

public struct MemoryStatsRet: XDRCodable, Equatable {
    public var stats: [MemoryStat]
    public init(_ s: [MemoryStat]) { stats = s }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        stats = try r.array(max: RemoteLimits.memoryStatsMax, minimumItemSize: 12) { (r) throws(XDRError) in
            let tag = try r.int()
            let value = try r.uhyper()
            return MemoryStat(MemoryStat.Tag(rawValue: tag) ?? .unused, value)
        }
    }
    public func encode(to w: inout XDRWriter) {
        w.array(stats) {
            $0.int($1.tag.rawValue)
            $0.uhyper($1.value)
        }
    }
}

public struct GetVcpusArgs: XDRCodable, Equatable {
    public var dom: RemoteDomain
    public var maxInfo: Int32
    public var mapLength: Int32
    public init(_ d: DomainRef, maxInfo: Int32, mapLength: Int32) {
        dom = RemoteDomain(d)
        self.maxInfo = maxInfo
        self.mapLength = mapLength
    }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        dom = try RemoteDomain(xdr: &r)
        maxInfo = try r.int()
        mapLength = try r.int()
    }
    public func encode(to w: inout XDRWriter) {
        dom.encode(to: &w)
        w.int(maxInfo)
        w.int(mapLength)
    }
}

/// `{remote_vcpu_info info<>; opaque cpumaps<>}`: one bitmap of `mapLength` bytes per vCPU.
public struct GetVcpusRet: XDRCodable, Equatable {
    public var vcpus: [VcpuInfo]
    public var mapLength: Int

    public init(_ v: [VcpuInfo], mapLength: Int) {
        vcpus = v
        self.mapLength = mapLength
    }

    public init(xdr r: inout XDRReader) throws(XDRError) {
        let info = try r.array(max: RemoteLimits.vcpuInfoMax, minimumItemSize: 20) { (r) throws(XDRError) in
            (try r.uint(), try r.int(), try r.uhyper(), try r.int())
        }
        let maps = try r.opaque(max: RemoteLimits.cpumapsMax)
        let len = info.isEmpty ? 0 : maps.count / info.count
        mapLength = len
        vcpus = info.enumerated().map { i, v in
            let map = len > 0 ? Array(maps[(i * len)..<((i + 1) * len)]) : []
            let affinity = (0..<(len * 8)).map { bit in map[bit / 8] & (1 << UInt8(bit % 8)) != 0 }
            return VcpuInfo(number: v.0, state: v.1, cpuTimeNanoseconds: v.2, cpu: v.3, affinity: affinity)
        }
    }

    public func encode(to w: inout XDRWriter) {
        w.array(vcpus) {
            $0.uint($1.number)
            $0.int($1.state)
            $0.uhyper($1.cpuTimeNanoseconds)
            $0.int($1.cpu)
        }
        var maps: [UInt8] = []
        for v in vcpus {
            var map = [UInt8](repeating: 0, count: mapLength)
            for (bit, on) in v.affinity.enumerated() where on && bit / 8 < mapLength { map[bit / 8] |= 1 << UInt8(bit % 8) }
            maps += map
        }
        w.opaque(maps)
    }
}

public struct ScreenshotArgs: XDRCodable, Equatable {
    public var dom: RemoteDomain
    public var screen: UInt32
    public var flags: UInt32
    public init(_ d: DomainRef, screen: UInt32, flags: UInt32) {
        dom = RemoteDomain(d)
        self.screen = screen
        self.flags = flags
    }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        dom = try RemoteDomain(xdr: &r)
        screen = try r.uint()
        flags = try r.uint()
    }
    public func encode(to w: inout XDRWriter) {
        dom.encode(to: &w)
        w.uint(screen)
        w.uint(flags)
    }
}

public struct OpenConsoleArgs: XDRCodable, Equatable {
    public var dom: RemoteDomain
    public var devName: String?
    public var flags: UInt32
    public init(_ d: DomainRef, devName: String?, flags: UInt32) {
        dom = RemoteDomain(d)
        self.devName = devName
        self.flags = flags
    }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        dom = try RemoteDomain(xdr: &r)
        devName = try r.optional { (r) throws(XDRError) in try r.string(max: RemoteLimits.stringMax) }
        flags = try r.uint()
    }
    public func encode(to w: inout XDRWriter) {
        dom.encode(to: &w)
        w.optional(devName) { $0.string($1) }
        w.uint(flags)
    }
}

/// `{format; text; flags}` (domxml from/to native).
public struct NativeArgs: XDRCodable, Equatable {
    public var format: String
    public var text: String
    public var flags: UInt32
    public init(format: String, text: String, flags: UInt32) {
        self.format = format
        self.text = text
        self.flags = flags
    }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        format = try r.string(max: RemoteLimits.stringMax)
        text = try r.string(max: RemoteLimits.stringMax)
        flags = try r.uint()
    }
    public func encode(to w: inout XDRWriter) {
        w.string(format)
        w.string(text)
        w.uint(flags)
    }
}

public struct DomainCapsArgs: XDRCodable, Equatable {
    public var emulator: String?
    public var arch: String?
    public var machine: String?
    public var virttype: String?
    public var flags: UInt32
    public init(emulator: String?, arch: String?, machine: String?, virttype: String?, flags: UInt32) {
        self.emulator = emulator
        self.arch = arch
        self.machine = machine
        self.virttype = virttype
        self.flags = flags
    }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        func s(_ r: inout XDRReader) throws(XDRError) -> String? {
            try r.optional { (r) throws(XDRError) in try r.string(max: RemoteLimits.stringMax) }
        }
        emulator = try s(&r)
        arch = try s(&r)
        machine = try s(&r)
        virttype = try s(&r)
        flags = try r.uint()
    }
    public func encode(to w: inout XDRWriter) {
        for v in [emulator, arch, machine, virttype] { w.optional(v) { $0.string($1) } }
        w.uint(flags)
    }
}

/// `connect_baseline_hypervisor_cpu`: the CPU descriptions to find a common model for.
public struct BaselineHypervisorCPUArgs: XDRCodable, Equatable {
    public var caps: DomainCapsArgs
    public var cpus: [String]
    public init(xdr r: inout XDRReader) throws(XDRError) {
        func s(_ r: inout XDRReader) throws(XDRError) -> String? {
            try r.optional { (r) throws(XDRError) in try r.string(max: RemoteLimits.stringMax) }
        }
        let emulator = try s(&r)
        let arch = try s(&r)
        let machine = try s(&r)
        let virttype = try s(&r)
        cpus = try r.array(max: RemoteLimits.cpuBaselineMax) { (r) throws(XDRError) in try r.string(max: RemoteLimits.stringMax) }
        caps = DomainCapsArgs(emulator: emulator, arch: arch, machine: machine, virttype: virttype, flags: try r.uint())
    }
    public func encode(to w: inout XDRWriter) {
        for v in [caps.emulator, caps.arch, caps.machine, caps.virttype] { w.optional(v) { $0.string($1) } }
        w.array(cpus) { $0.string($1) }
        w.uint(caps.flags)
    }
}

public struct EventRegisterArgs: XDRCodable, Equatable {
    public var eventID: Int32
    public var dom: RemoteDomain?
    public init(eventID: Int32, dom: DomainRef?) {
        self.eventID = eventID
        self.dom = dom.map(RemoteDomain.init)
    }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        eventID = try r.int()
        dom = try r.optional { (r) throws(XDRError) in try RemoteDomain(xdr: &r) }
    }
    public func encode(to w: inout XDRWriter) {
        w.int(eventID)
        w.optional(dom) { $1.encode(to: &$0) }
    }
}

public struct NetworkEventRegisterArgs: XDRCodable, Equatable {
    public var eventID: Int32
    public var net: RemoteNetwork?
    public init(eventID: Int32, net: RemoteNetwork?) {
        self.eventID = eventID
        self.net = net
    }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        eventID = try r.int()
        net = try r.optional { (r) throws(XDRError) in try RemoteNetwork(xdr: &r) }
    }
    public func encode(to w: inout XDRWriter) {
        w.int(eventID)
        w.optional(net) { $1.encode(to: &$0) }
    }
}

/// The network lifecycle event message: callback id, network, event and detail (always 0).
public struct NetworkEventMsg: Equatable {
    public var callbackID: Int32
    public var event: NetworkEvent

    public init(callbackID: Int32, _ e: NetworkEvent) {
        self.callbackID = callbackID
        event = e
    }

    public func encode(to w: inout XDRWriter) {
        w.int(callbackID)
        RemoteNetwork(event.network).encode(to: &w)
        w.int(event.kind.rawValue)
        w.int(0)
    }

    /// Reads one; nil for an event kind this side does not know.
    public init?(xdr r: inout XDRReader) throws(XDRError) {
        callbackID = try r.int()
        let net = try RemoteNetwork(xdr: &r).ref
        let kind = try r.int()
        _ = try r.int()  // detail: always 0
        guard let k = NetworkEvent.Kind(rawValue: kind) else { return nil }
        event = NetworkEvent(network: net, kind: k)
    }
}

/// A domain event message: the callback id first for callback registrations, the domain,
/// then the event's own data — lifecycle: event and detail; rtc-change: the offset
/// (hyper); graphics: phase, local and remote address ({family, node, service}), the
/// authentication scheme and up to 20 identities ({type, name}); device removed or
/// added: the alias; reboot: nothing.
public struct DomainEventMsg: Equatable {
    public var callbackID: Int32?
    public var event: DomainEvent

    public init(callbackID: Int32?, _ e: DomainEvent) {
        self.callbackID = callbackID
        event = e
    }

    /// Reads the callback form of the event with number `eventID` (the client registers
    /// that way); nil for an event this side does not know.
    public init?(xdr r: inout XDRReader, eventID: Int32) throws(XDRError) {
        callbackID = try r.int()
        let dom = try RemoteDomain(xdr: &r).ref
        switch eventID {
        case 0:
            let kind = try r.int(), detail = try r.int()
            guard let k = DomainEvent.Kind(rawValue: kind) else { return nil }
            event = DomainEvent(domain: dom, kind: k, detail: detail)
        case 1: event = .reboot(dom)
        case 2: event = .rtcChange(dom, offset: try r.hyper())
        case 5: event = .graphics(dom, try Self.graphics(&r))
        case 15: event = .deviceRemoved(dom, alias: try r.string(max: RemoteLimits.stringMax))
        case 19: event = .deviceAdded(dom, alias: try r.string(max: RemoteLimits.stringMax))
        default: return nil
        }
    }

    public func encode(to w: inout XDRWriter) {
        if let callbackID { w.int(callbackID) }
        RemoteDomain(event.domain).encode(to: &w)
        switch event.id {
        case .lifecycle:
            w.int(event.kind.rawValue)
            w.int(event.detail)
        case .reboot: break
        case .rtcChange(let offset): w.hyper(offset)
        case .deviceRemoved(let alias), .deviceAdded(let alias): w.string(alias)
        case .graphics(let g):
            w.int(g.phase.rawValue)
            for a in [g.local, g.remote] {
                w.int(a.family.rawValue)
                w.string(a.node)
                w.string(a.service)
            }
            w.string(g.authScheme)
            w.uint(UInt32(min(g.subject.count, Self.identityMax)))
            for i in g.subject.prefix(Self.identityMax) {
                w.string(i.type)
                w.string(i.name)
            }
        }
    }

    /// `REMOTE_DOMAIN_EVENT_GRAPHICS_IDENTITY_MAX`.
    static let identityMax = 20

    private static func graphics(_ r: inout XDRReader) throws(XDRError) -> DomainEvent.Graphics {
        guard let phase = DomainEvent.Graphics.Phase(rawValue: try r.int()) else { throw XDRError("graphics phase out of range") }
        func address(_ r: inout XDRReader) throws(XDRError) -> DomainEvent.Graphics.Address {
            guard let family = DomainEvent.Graphics.Family(rawValue: try r.int()) else {
                throw XDRError("graphics address family out of range")
            }
            return .init(
                family: family, node: try r.string(max: RemoteLimits.stringMax),
                service: try r.string(max: RemoteLimits.stringMax))
        }
        let local = try address(&r), remote = try address(&r)
        let scheme = try r.string(max: RemoteLimits.stringMax)
        let subject = try r.array(max: identityMax) { (r) throws(XDRError) in
            DomainEvent.Graphics.Identity(
                type: try r.string(max: RemoteLimits.stringMax), name: try r.string(max: RemoteLimits.stringMax))
        }
        return .init(phase: phase, local: local, remote: remote, authScheme: scheme, subject: subject)
    }
}

public struct SecurityModelRet: XDRCodable, Equatable {
    public var model: XCharArray
    public var doi: XCharArray
    public init(model: String, doi: String) {
        self.model = XCharArray(model, max: RemoteLimits.securityModelMax)
        self.doi = XCharArray(doi, max: RemoteLimits.securityDOIMax)
    }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        model = try XCharArray(xdr: &r)
        doi = try XCharArray(xdr: &r)
    }
    public func encode(to w: inout XDRWriter) {
        model.encode(to: &w)
        doi.encode(to: &w)
    }
}

/// `{snapshots<>; int ret}`, `{msgs<>}` and other lists a guest without snapshots or
/// messages answers empty.
public struct EmptyListRet: XDRCodable, Equatable {
    public var trailingCount: Bool
    public init(trailingCount: Bool) { self.trailingCount = trailingCount }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        _ = try r.array(max: 0) { (r) throws(XDRError) in try r.int() }
        trailingCount = !r.isAtEnd
        if trailingCount { _ = try r.int() }
    }
    public func encode(to w: inout XDRWriter) {
        w.uint(0)
        if trailingCount { w.int(0) }
    }
}

/// `{int nparams; flags}` style "how many parameters?" answers for typed-parameter getters.
public struct SchedulerTypeRet: XDRCodable, Equatable {
    public var type: String
    public var nparams: Int32
    public init(type: String, nparams: Int32) {
        self.type = type
        self.nparams = nparams
    }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        type = try r.string(max: RemoteLimits.stringMax)
        nparams = try r.int()
    }
    public func encode(to w: inout XDRWriter) {
        w.string(type)
        w.int(nparams)
    }
}

public struct ControlInfoRet: XDRCodable, Equatable {
    public var state: UInt32
    public var details: UInt32
    public var stateTime: UInt64
    public init() {
        state = 0
        details = 0
        stateTime = 0
    }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        state = try r.uint()
        details = try r.uint()
        stateTime = try r.uhyper()
    }
    public func encode(to w: inout XDRWriter) {
        w.uint(state)
        w.uint(details)
        w.uhyper(stateTime)
    }
}

/// `remote_domain_get_job_info_ret`: no job runs (type 0) and every counter 0.
public struct JobInfoRet: XDRCodable, Equatable {
    public init() {}
    public init(xdr r: inout XDRReader) throws(XDRError) {
        _ = try r.int()
        for _ in 0..<11 { _ = try r.uhyper() }
    }
    public func encode(to w: inout XDRWriter) {
        w.int(0)
        for _ in 0..<11 { w.uhyper(0) }
    }
}

/// Typed parameters (virTypedParameter), as far as they arrive here (identity, stats).
public struct TypedParams: XDRCodable, Equatable {
    public var count: Int
    public init(xdr r: inout XDRReader) throws(XDRError) {
        let items = try r.array(max: RemoteLimits.typedParamsMax, minimumItemSize: 12) { (r) throws(XDRError) in
            _ = try r.string(max: 80)
            switch try r.int() {
            case 1, 2, 6: _ = try r.int()
            case 3, 4, 5: _ = try r.uhyper()
            case 7: _ = try r.string(max: RemoteLimits.stringMax)
            case let t: throw XDRError("unknown typed parameter type \(t)")
            }
            return 0
        }
        count = items.count
    }
    public func encode(to w: inout XDRWriter) { w.uint(0) }
}

/// `{params<>; flags}` (set identity): the parameters are read and bounded, then ignored.
public struct IdentityArgs: XDRCodable, Equatable {
    public var params: TypedParams
    public var flags: UInt32
    public init(xdr r: inout XDRReader) throws(XDRError) {
        params = try TypedParams(xdr: &r)
        flags = try r.uint()
    }
    public func encode(to w: inout XDRWriter) {
        params.encode(to: &w)
        w.uint(flags)
    }
}
