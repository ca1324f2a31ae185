/// `<interface>`: a guest NIC and how it reaches the host.
public struct Interface: XMLModel {
    /// How the NIC is connected, tagged by the interface's `type` attribute.
    public var source: InterfaceSource?
    public var trustGuestRxFilters: YesNo?
    public var mac: MACElement?
    public var vlan: VLAN?
    public var virtualport: VirtualPort?
    public var ips: [InterfaceIP] = []
    public var routes: [OpaqueElement] = []
    public var script: PathAttribute?
    public var downscript: PathAttribute?
    public var backenddomain: NameAttribute?
    public var target: InterfaceTarget?
    public var guest: OpaqueElement?
    public var model: TypeAttribute?
    public var driver: OpaqueElement?
    public var backend: OpaqueElement?
    public var filterref: OpaqueElement?
    public var tune: OpaqueElement?
    public var link: OpaqueElement?
    public var mtu: OpaqueElement?
    public var bandwidth: Bandwidth?
    public var coalesce: OpaqueElement?
    public var rom: OpaqueElement?
    public var boot: DeviceBoot?
    public var alias: DeviceAlias?
    public var address: DeviceAddress?
    public var unknown = XMLUnknown()
    public init() {}

    public static let xml = XMLMapping<Interface> {
        Field.unionTag("type", \.source)
        Field.attribute("trustGuestRxFilters", \.trustGuestRxFilters)
        Field.element("mac", \.mac)
        Field.union(tag: "type", payload: "source", \.source)
        Field.element("vlan", \.vlan)
        Field.element("virtualport", \.virtualport)
        Field.elements("ip", \.ips)
        Field.elements("route", \.routes)
        Field.element("script", \.script)
        Field.element("downscript", \.downscript)
        Field.element("backenddomain", \.backenddomain)
        Field.element("target", \.target)
        Field.element("guest", \.guest)
        Field.element("model", \.model)
        Field.element("driver", \.driver)
        Field.element("backend", \.backend)
        Field.element("filterref", \.filterref)
        Field.element("tune", \.tune)
        Field.element("link", \.link)
        Field.element("mtu", \.mtu)
        Field.element("bandwidth", \.bandwidth)
        Field.element("coalesce", \.coalesce)
        Field.element("rom", \.rom)
        Field.element("boot", \.boot)
        Field.element("alias", \.alias)
        Field.element("address", \.address)
    }

    public var macAddress: String? { mac?.address }
    public var modelType: String? { model?.type }
}

/// The connection of a NIC; the case is the interface's `type` attribute.
public enum InterfaceSource: XMLTaggedUnion {
    /// User-mode SLIRP networking (no source).
    case user(OpaqueElement?)
    /// A libvirt virtual network, `<source network='default'/>` (or the legacy `name=`).
    case network(NetworkInterfaceSource?)
    /// A host bridge, `<source bridge='br0'/>` (or the legacy `dev=`).
    case bridge(BridgeInterfaceSource?)
    /// A tap device set up by a script; Xen's routed vifs name the host device here.
    case ethernet(EthernetInterfaceSource?)
    /// macvtap on a host NIC.
    case direct(DirectInterfaceSource?)
    /// QEMU socket networking: multicast group, listening server, connecting client, UDP.
    case mcast(SocketInterfaceSource?)
    case server(SocketInterfaceSource?)
    case client(SocketInterfaceSource?)
    case udp(SocketInterfaceSource?)
    case hostdev(OpaqueElement?)
    case vhostuser(OpaqueElement?)
    case other(type: String?, source: OpaqueElement?)

    public enum Tag: String, XMLUnionTag {
        case user, network, bridge, ethernet, direct, mcast, server, client, udp, hostdev, vhostuser
    }

    public init(known tag: Tag, payload: XMLElement?) {
        switch tag {
        case .user: self = .user(payload.map(OpaqueElement.init(element:)))
        case .network: self = .network(payload.map(NetworkInterfaceSource.init(element:)))
        case .bridge: self = .bridge(payload.map(BridgeInterfaceSource.init(element:)))
        case .ethernet: self = .ethernet(payload.map(EthernetInterfaceSource.init(element:)))
        case .direct: self = .direct(payload.map(DirectInterfaceSource.init(element:)))
        case .mcast: self = .mcast(payload.map(SocketInterfaceSource.init(element:)))
        case .server: self = .server(payload.map(SocketInterfaceSource.init(element:)))
        case .client: self = .client(payload.map(SocketInterfaceSource.init(element:)))
        case .udp: self = .udp(payload.map(SocketInterfaceSource.init(element:)))
        case .hostdev: self = .hostdev(payload.map(OpaqueElement.init(element:)))
        case .vhostuser: self = .vhostuser(payload.map(OpaqueElement.init(element:)))
        }
    }

    public init(unknown tag: String?, payload: XMLElement?) {
        self = .other(type: tag, source: payload.map(OpaqueElement.init(element:)))
    }

    public var knownTag: Tag? {
        switch self {
        case .user: .user
        case .network: .network
        case .bridge: .bridge
        case .ethernet: .ethernet
        case .direct: .direct
        case .mcast: .mcast
        case .server: .server
        case .client: .client
        case .udp: .udp
        case .hostdev: .hostdev
        case .vhostuser: .vhostuser
        case .other: nil
        }
    }

    public var unknownTag: String? { if case .other(let t, _) = self { t } else { nil } }

    public var payloadModel: (any XMLElementConvertible)? {
        switch self {
        case .user(let s), .hostdev(let s), .vhostuser(let s): s
        case .network(let s): s
        case .bridge(let s): s
        case .ethernet(let s): s
        case .direct(let s): s
        case .mcast(let s), .server(let s), .client(let s), .udp(let s): s
        case .other(_, let s): s
        }
    }

    public static func bridge(_ name: String) -> InterfaceSource {
        var s = BridgeInterfaceSource()
        s.bridge = name
        return .bridge(s)
    }

    public static func network(_ name: String) -> InterfaceSource {
        var s = NetworkInterfaceSource()
        s.network = name
        return .network(s)
    }
}

public struct NetworkInterfaceSource: XMLModel {
    public var network: String?
    /// Spelling of the earliest libvirt documentation.
    public var name: String?
    public var portgroup: String?
    public var portid: String?
    public var bridge: String?
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<NetworkInterfaceSource> {
        Field.attribute("network", \.network)
        Field.attribute("name", \.name)
        Field.attribute("portgroup", \.portgroup)
        Field.attribute("portid", \.portid)
        Field.attribute("bridge", \.bridge)
    }
    public var networkName: String? { network ?? name }
}

public struct BridgeInterfaceSource: XMLModel {
    public var bridge: String?
    /// Spelling of the earliest libvirt documentation.
    public var dev: String?
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<BridgeInterfaceSource> {
        Field.attribute("bridge", \.bridge)
        Field.attribute("dev", \.dev)
    }
    public var bridgeName: String? { bridge ?? dev }
}

public struct EthernetInterfaceSource: XMLModel {
    public var dev: String?
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<EthernetInterfaceSource> { Field.attribute("dev", \.dev) }
}

public struct DirectInterfaceSource: XMLModel {
    public var dev: String?
    public var mode: String?
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<DirectInterfaceSource> {
        Field.attribute("dev", \.dev)
        Field.attribute("mode", \.mode)
    }
}

/// `<source address='230.0.0.1' port='5558'/>` for mcast/server/client/udp.
public struct SocketInterfaceSource: XMLModel {
    public var address: String?
    public var port: UInt?
    public var local: SocketLocal?
    public var unknown = XMLUnknown()
    public init() {}
    public init(address: String?, port: UInt?) {
        self.address = address
        self.port = port
    }
    public static let xml = XMLMapping<SocketInterfaceSource> {
        Field.attribute("address", \.address)
        Field.attribute("port", \.port)
        Field.element("local", \.local)
    }

    public struct SocketLocal: XMLModel {
        public var address: String?
        public var port: UInt?
        public var unknown = XMLUnknown()
        public init() {}
        public static let xml = XMLMapping<SocketLocal> {
            Field.attribute("address", \.address)
            Field.attribute("port", \.port)
        }
    }
}

/// `<mac address='52:54:00:…'/>`.
public struct MACElement: XMLModel {
    public var address: String?
    public var type: String?
    public var check: YesNo?
    public var unknown = XMLUnknown()
    public init() {}
    public init(_ address: String) { self.address = address }
    public static let xml = XMLMapping<MACElement> {
        Field.attribute("address", \.address)
        Field.attribute("type", \.type)
        Field.attribute("check", \.check)
    }
}

/// `<ip address='192.0.2.1' family='ipv4' prefix='24'/>` on an interface.
public struct InterfaceIP: XMLModel {
    public var address: String?
    public var family: String?
    public var prefix: UInt?
    public var peer: String?
    public var unknown = XMLUnknown()
    public init() {}
    public init(address: String, family: String? = nil, prefix: UInt? = nil) {
        self.address = address
        self.family = family
        self.prefix = prefix
    }
    public static let xml = XMLMapping<InterfaceIP> {
        Field.attribute("address", \.address)
        Field.attribute("family", \.family)
        Field.attribute("prefix", \.prefix)
        Field.attribute("peer", \.peer)
    }
}

/// `<target dev='vnet7'/>`: the host-side device name.
public struct InterfaceTarget: XMLModel {
    public var dev: String?
    public var managed: YesNo?
    public var unknown = XMLUnknown()
    public init() {}
    public init(dev: String) { self.dev = dev }
    public static let xml = XMLMapping<InterfaceTarget> {
        Field.attribute("dev", \.dev)
        Field.attribute("managed", \.managed)
    }
}

/// An element with only a `path` attribute (`<script path='vif-bridge'/>`).
public struct PathAttribute: XMLModel {
    public var path: String?
    public var unknown = XMLUnknown()
    public init() {}
    public init(_ path: String) { self.path = path }
    public static let xml = XMLMapping<PathAttribute> { Field.attribute("path", \.path) }
}

/// `<bandwidth><inbound average='…'/><outbound average='…'/></bandwidth>` (KiB/s).
public struct Bandwidth: XMLModel {
    public var inbound: Rate?
    public var outbound: Rate?
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<Bandwidth> {
        Field.element("inbound", \.inbound)
        Field.element("outbound", \.outbound)
    }

    public struct Rate: XMLModel {
        public var average: UInt64?
        public var peak: UInt64?
        public var burst: UInt64?
        public var floor: UInt64?
        public var unknown = XMLUnknown()
        public init() {}
        public init(average: UInt64) { self.average = average }
        public static let xml = XMLMapping<Rate> {
            Field.attribute("average", \.average)
            Field.attribute("peak", \.peak)
            Field.attribute("burst", \.burst)
            Field.attribute("floor", \.floor)
        }
    }
}

/// `<vlan trunk='yes'><tag id='42'/></vlan>`.
public struct VLAN: XMLModel {
    public var trunk: YesNo?
    public var tags: [Tag] = []
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<VLAN> {
        Field.attribute("trunk", \.trunk)
        Field.elements("tag", \.tags)
    }

    public struct Tag: XMLModel {
        public var id: UInt?
        public var nativeMode: String?
        public var unknown = XMLUnknown()
        public init() {}
        public init(id: UInt) { self.id = id }
        public static let xml = XMLMapping<Tag> {
            Field.attribute("id", \.id)
            Field.attribute("nativeMode", \.nativeMode)
        }
    }
}

/// `<virtualport type='openvswitch'>` with its parameters kept as written.
public struct VirtualPort: XMLModel {
    public var type: String?
    public var parameters: OpaqueElement?
    public var unknown = XMLUnknown()
    public init() {}
    public init(type: String) { self.type = type }
    public static let xml = XMLMapping<VirtualPort> {
        Field.attribute("type", \.type)
        Field.element("parameters", \.parameters)
    }
}
