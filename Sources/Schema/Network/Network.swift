/// A libvirt virtual network: the `<network>` document.
public struct Network: XMLRootModel {
    public static let rootElementName = "network"

    public var connections: UInt?
    public var ipv6: YesNo?
    public var trustGuestRxFilters: YesNo?
    public var name: String?
    public var uuid: UUIDValue?
    public var title: String?
    public var description: String?
    public var metadata: OpaqueElement?
    public var forward: Forward?
    public var bridge: Bridge?
    public var mtu: OpaqueElement?
    public var mac: MACElement?
    public var domain: DomainName?
    public var dns: DNS?
    public var virtualport: VirtualPort?
    public var portgroups: [OpaqueElement] = []
    public var bandwidth: Bandwidth?
    public var vlan: VLAN?
    public var ips: [IP] = []
    public var routes: [OpaqueElement] = []
    public var unknown = XMLUnknown()
    public init() {}

    public static let xml = XMLMapping<Network> {
        Field.attribute("connections", \.connections)
        Field.attribute("ipv6", \.ipv6)
        Field.attribute("trustGuestRxFilters", \.trustGuestRxFilters)
        Field.textElement("name", \.name)
        Field.textElement("uuid", \.uuid)
        Field.textElement("title", \.title)
        Field.textElement("description", \.description)
        Field.element("metadata", \.metadata)
        Field.element("forward", \.forward)
        Field.element("bridge", \.bridge)
        Field.element("mtu", \.mtu)
        Field.element("mac", \.mac)
        Field.element("domain", \.domain)
        Field.element("dns", \.dns)
        Field.element("virtualport", \.virtualport)
        Field.elements("portgroup", \.portgroups)
        Field.element("bandwidth", \.bandwidth)
        Field.element("vlan", \.vlan)
        Field.elements("ip", \.ips)
        Field.elements("route", \.routes)
    }

    /// `<forward mode='nat' dev='eth0'>`.
    public struct Forward: XMLModel {
        public var mode: ForwardMode?
        public var dev: String?
        public var managed: YesNo?
        public var nat: OpaqueElement?
        public var interfaces: [NameDev] = []
        public var pf: NameDev?
        public var addresses: [OpaqueElement] = []
        public var driver: OpaqueElement?
        public var unknown = XMLUnknown()
        public init() {}
        public static let xml = XMLMapping<Forward> {
            Field.attribute("mode", \.mode)
            Field.attribute("dev", \.dev)
            Field.attribute("managed", \.managed)
            Field.element("driver", \.driver)
            Field.element("nat", \.nat)
            Field.elements("interface", \.interfaces)
            Field.element("pf", \.pf)
            Field.elements("address", \.addresses)
        }
    }

    public struct NameDev: XMLModel {
        public var dev: String?
        public var unknown = XMLUnknown()
        public init() {}
        public static let xml = XMLMapping<NameDev> { Field.attribute("dev", \.dev) }
    }

    public enum ForwardMode: XMLEnum {
        case nat, route, open, bridge, `private`, vepa, passthrough, hostdev
        case other(String)
        public static let xmlNames: [(ForwardMode, String)] = [
            (.nat, "nat"), (.route, "route"), (.open, "open"), (.bridge, "bridge"),
            (.private, "private"), (.vepa, "vepa"), (.passthrough, "passthrough"),
            (.hostdev, "hostdev"),
        ]
    }

    /// `<bridge name='virbr0' stp='on' delay='0'/>`.
    public struct Bridge: XMLModel {
        public var name: String?
        public var stp: OnOff?
        public var delay: UInt?
        public var macTableManager: String?
        public var zone: String?
        public var unknown = XMLUnknown()
        public init() {}
        public static let xml = XMLMapping<Bridge> {
            Field.attribute("name", \.name)
            Field.attribute("stp", \.stp)
            Field.attribute("delay", \.delay)
            Field.attribute("macTableManager", \.macTableManager)
            Field.attribute("zone", \.zone)
        }
    }

    /// `<domain name='example.org' localOnly='yes'/>`.
    public struct DomainName: XMLModel {
        public var name: String?
        public var localOnly: YesNo?
        public var register: YesNo?
        public var unknown = XMLUnknown()
        public init() {}
        public static let xml = XMLMapping<DomainName> {
            Field.attribute("name", \.name)
            Field.attribute("localOnly", \.localOnly)
            Field.attribute("register", \.register)
        }
    }

    /// `<dns>`: forwarders, host records, SRV and TXT records.
    public struct DNS: XMLModel {
        public var enable: YesNo?
        public var forwardPlainNames: YesNo?
        public var forwarders: [Forwarder] = []
        public var txts: [OpaqueElement] = []
        public var hosts: [Host] = []
        public var srvs: [OpaqueElement] = []
        public var unknown = XMLUnknown()
        public init() {}
        public static let xml = XMLMapping<DNS> {
            Field.attribute("enable", \.enable)
            Field.attribute("forwardPlainNames", \.forwardPlainNames)
            Field.elements("forwarder", \.forwarders)
            Field.elements("txt", \.txts)
            Field.elements("host", \.hosts)
            Field.elements("srv", \.srvs)
        }

        public struct Forwarder: XMLModel {
            public var domain: String?
            public var addr: String?
            public var unknown = XMLUnknown()
            public init() {}
            public static let xml = XMLMapping<Forwarder> {
                Field.attribute("domain", \.domain)
                Field.attribute("addr", \.addr)
            }
        }

        public struct Host: XMLModel {
            public var ip: String?
            public var hostnames: [String] = []
            public var unknown = XMLUnknown()
            public init() {}
            public static let xml = XMLMapping<Host> {
                Field.attribute("ip", \.ip)
                Field.textElements("hostname", \.hostnames)
            }
        }
    }

    /// `<ip address='192.168.122.1' netmask='255.255.255.0'>` with DHCP.
    public struct IP: XMLModel {
        public var address: String?
        public var netmask: String?
        public var prefix: UInt?
        public var family: String?
        public var localPtr: YesNo?
        public var tftp: OpaqueElement?
        public var dhcp: DHCP?
        public var unknown = XMLUnknown()
        public init() {}
        public static let xml = XMLMapping<IP> {
            Field.attribute("address", \.address)
            Field.attribute("netmask", \.netmask)
            Field.attribute("prefix", \.prefix)
            Field.attribute("family", \.family)
            Field.attribute("localPtr", \.localPtr)
            Field.element("tftp", \.tftp)
            Field.element("dhcp", \.dhcp)
        }
    }

    public struct DHCP: XMLModel {
        public var ranges: [Range] = []
        public var hosts: [Host] = []
        public var bootp: OpaqueElement?
        public var unknown = XMLUnknown()
        public init() {}
        public static let xml = XMLMapping<DHCP> {
            Field.elements("range", \.ranges)
            Field.elements("host", \.hosts)
            Field.element("bootp", \.bootp)
        }

        public struct Range: XMLModel {
            public var start: String?
            public var end: String?
            public var lease: OpaqueElement?
            public var unknown = XMLUnknown()
            public init() {}
            public static let xml = XMLMapping<Range> {
                Field.attribute("start", \.start)
                Field.attribute("end", \.end)
                Field.element("lease", \.lease)
            }
        }

        public struct Host: XMLModel {
            public var mac: String?
            public var id: String?
            public var name: String?
            public var ip: String?
            public var lease: OpaqueElement?
            public var unknown = XMLUnknown()
            public init() {}
            public static let xml = XMLMapping<Host> {
                Field.attribute("mac", \.mac)
                Field.attribute("id", \.id)
                Field.attribute("name", \.name)
                Field.attribute("ip", \.ip)
                Field.element("lease", \.lease)
            }
        }
    }
}
