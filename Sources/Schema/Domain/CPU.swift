/// `<cpu mode>`: how the guest CPU relates to the host's.
public enum CPUMode: XMLEnum {
    case custom, hostModel, hostPassthrough, maximum
    case other(String)
    public static let xmlNames: [(CPUMode, String)] = [
        (.custom, "custom"), (.hostModel, "host-model"), (.hostPassthrough, "host-passthrough"),
        (.maximum, "maximum"),
    ]
}

/// `<cpu>`: guest CPU model, topology, features and NUMA layout.
public struct CPU: XMLModel {
    public var mode: CPUMode?
    public var match: String?
    public var check: String?
    public var migratable: OnOff?
    public var model: CPUModel?
    public var vendor: String?
    public var topology: CPUTopology?
    public var cache: OpaqueElement?
    public var maxphysaddr: OpaqueElement?
    public var features: [CPUFeature] = []
    public var numa: NUMA?
    public var unknown = XMLUnknown()
    public init() {}

    public static let xml = XMLMapping<CPU> {
        Field.attribute("mode", \.mode)
        Field.attribute("match", \.match)
        Field.attribute("check", \.check)
        Field.attribute("migratable", \.migratable)
        Field.element("model", \.model)
        Field.textElement("vendor", \.vendor)
        Field.element("topology", \.topology)
        Field.element("cache", \.cache)
        Field.element("maxphysaddr", \.maxphysaddr)
        Field.elements("feature", \.features)
        Field.element("numa", \.numa)
    }
}

public struct CPUModel: XMLModel {
    public var fallback: String?
    public var vendorID: String?
    public var name: String?
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<CPUModel> {
        Field.attribute("fallback", \.fallback)
        Field.attribute("vendor_id", \.vendorID)
        Field.text(\.name)
    }
}

public struct CPUTopology: XMLModel {
    public var sockets: UInt?
    public var dies: UInt?
    public var clusters: UInt?
    public var cores: UInt?
    public var threads: UInt?
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<CPUTopology> {
        Field.attribute("sockets", \.sockets)
        Field.attribute("dies", \.dies)
        Field.attribute("clusters", \.clusters)
        Field.attribute("cores", \.cores)
        Field.attribute("threads", \.threads)
    }
}

/// `<feature policy='require' name='vmx'/>`.
public struct CPUFeature: XMLModel {
    public var policy: String?
    public var name: String?
    public var unknown = XMLUnknown()
    public init() {}
    public init(policy: String?, name: String) {
        self.policy = policy
        self.name = name
    }
    public static let xml = XMLMapping<CPUFeature> {
        Field.attribute("policy", \.policy)
        Field.attribute("name", \.name)
    }
}

public struct NUMA: XMLModel {
    public var cells: [Cell] = []
    public var interconnects: OpaqueElement?
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<NUMA> {
        Field.elements("cell", \.cells)
        Field.element("interconnects", \.interconnects)
    }

    /// `<cell id='0' cpus='0-1' memory='2097152' unit='KiB'>` with optional distances.
    public struct Cell: XMLModel {
        public var id: UInt?
        public var cpus: String?
        public var memory: UInt64?
        public var unit: MemoryUnit?
        public var memAccess: String?
        public var discard: YesNo?
        public var distances: Distances?
        public var unknown = XMLUnknown()
        public init() {}
        public static let xml = XMLMapping<Cell> {
            Field.attribute("id", \.id)
            Field.attribute("cpus", \.cpus)
            Field.attribute("memory", \.memory)
            Field.attribute("unit", \.unit)
            Field.attribute("memAccess", \.memAccess)
            Field.attribute("discard", \.discard)
            Field.element("distances", \.distances)
        }

        public var kibibytes: UInt64? { memory.flatMap { (unit ?? .KiB).toKiB($0) } }
    }

    public struct Distances: XMLModel {
        public var siblings: [Sibling] = []
        public var unknown = XMLUnknown()
        public init() {}
        public static let xml = XMLMapping<Distances> { Field.elements("sibling", \.siblings) }
    }

    public struct Sibling: XMLModel {
        public var id: UInt?
        public var value: UInt?
        public var unknown = XMLUnknown()
        public init() {}
        public init(id: UInt, value: UInt) {
            self.id = id
            self.value = value
        }
        public static let xml = XMLMapping<Sibling> {
            Field.attribute("id", \.id)
            Field.attribute("value", \.value)
        }
    }
}
