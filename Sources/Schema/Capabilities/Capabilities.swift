/// What a host can run: the `<capabilities>` document.
public struct Capabilities: XMLRootModel {
    public static let rootElementName = "capabilities"

    public var host: Host?
    public var guests: [Guest] = []
    public var unknown = XMLUnknown()
    public init() {}

    public static let xml = XMLMapping<Capabilities> {
        Field.element("host", \.host)
        Field.elements("guest", \.guests)
    }

    public struct Host: XMLModel {
        public var uuid: UUIDValue?
        public var cpu: HostCPU?
        public var powerManagement: OpaqueElement?
        public var iommu: OpaqueElement?
        public var migrationFeatures: MigrationFeatures?
        public var topology: Topology?
        public var cache: OpaqueElement?
        public var memoryBandwidth: OpaqueElement?
        public var secmodels: [SecModel] = []
        public var unknown = XMLUnknown()
        public init() {}
        public static let xml = XMLMapping<Host> {
            Field.textElement("uuid", \.uuid)
            Field.element("cpu", \.cpu)
            Field.element("power_management", \.powerManagement)
            Field.element("iommu", \.iommu)
            Field.element("migration_features", \.migrationFeatures)
            Field.element("topology", \.topology)
            Field.element("cache", \.cache)
            Field.element("memory_bandwidth", \.memoryBandwidth)
            Field.elements("secmodel", \.secmodels)
        }
    }

    /// `<cpu>` of the host: architecture, model, topology and flags.
    public struct HostCPU: XMLModel {
        public var arch: String?
        public var model: String?
        public var vendor: String?
        public var microcode: OpaqueElement?
        public var signature: OpaqueElement?
        public var counter: OpaqueElement?
        public var topology: CPUTopology?
        public var maxphysaddr: OpaqueElement?
        /// The early form: `<features><vmx/><svm/></features>`.
        public var legacyFeatures: FeatureFlags?
        public var features: [NameAttribute] = []
        public var pages: [OpaqueElement] = []
        public var unknown = XMLUnknown()
        public init() {}
        public static let xml = XMLMapping<HostCPU> {
            Field.textElement("arch", \.arch)
            Field.textElement("model", \.model)
            Field.textElement("vendor", \.vendor)
            Field.element("microcode", \.microcode)
            Field.element("signature", \.signature)
            Field.element("counter", \.counter)
            Field.element("topology", \.topology)
            Field.element("maxphysaddr", \.maxphysaddr)
            Field.element("features", \.legacyFeatures)
            Field.elements("feature", \.features)
            Field.elements("pages", \.pages)
        }
    }

    /// A list of empty elements whose names are the flags (`<vmx/><pae/>`).
    public struct FeatureFlags: XMLModel {
        public var flags: [String] = []
        public var unknown = XMLUnknown()
        public init() {}
        public static let xml = XMLMapping<FeatureFlags> {
            Field(
                decode: { root, reader in
                    for (i, node) in reader.element.children.enumerated() {
                        if case .element(let e) = node, e.namespaceURI == nil, e.isBare {
                            root.flags.append(e.name)
                            reader.claimChild(at: i)
                        }
                    }
                },
                encode: { root, b in
                    for f in root.flags { b.child(XMLElement(f)) }
                })
        }
    }

    /// `<migration_features><live/><uri_transports>…</uri_transports></migration_features>`.
    public struct MigrationFeatures: XMLModel {
        public var live = false
        public var uriTransports: URITransports?
        public var unknown = XMLUnknown()
        public init() {}
        public static let xml = XMLMapping<MigrationFeatures> {
            Field.flag("live", \.live)
            Field.element("uri_transports", \.uriTransports)
        }

        public struct URITransports: XMLModel {
            public var transports: [String] = []
            public var unknown = XMLUnknown()
            public init() {}
            public static let xml = XMLMapping<URITransports> {
                Field.textElements("uri_transport", \.transports)
            }
        }
    }

    /// NUMA topology of the host, cells kept as written.
    public struct Topology: XMLModel {
        public var cells: Cells?
        public var unknown = XMLUnknown()
        public init() {}
        public static let xml = XMLMapping<Topology> { Field.element("cells", \.cells) }

        public struct Cells: XMLModel {
            public var num: UInt?
            public var cells: [OpaqueElement] = []
            public var unknown = XMLUnknown()
            public init() {}
            public static let xml = XMLMapping<Cells> {
                Field.attribute("num", \.num)
                Field.elements("cell", \.cells)
            }
        }
    }

    public struct SecModel: XMLModel {
        public var model: String?
        public var doi: String?
        public var baselabels: [OpaqueElement] = []
        public var unknown = XMLUnknown()
        public init() {}
        public static let xml = XMLMapping<SecModel> {
            Field.textElement("model", \.model)
            Field.textElement("doi", \.doi)
            Field.elements("baselabel", \.baselabels)
        }
    }

    /// One kind of guest the host runs: an OS type on an architecture.
    public struct Guest: XMLModel {
        public var osType: String?
        public var arch: Arch?
        public var features: OpaqueElement?
        public var unknown = XMLUnknown()
        public init() {}
        public static let xml = XMLMapping<Guest> {
            Field.textElement("os_type", \.osType)
            Field.element("arch", \.arch)
            Field.element("features", \.features)
        }
    }

    public struct Arch: XMLModel {
        public var name: String?
        public var wordsize: UInt?
        public var emulator: String?
        public var loader: String?
        public var machines: [Machine] = []
        public var domains: [GuestDomain] = []
        public var unknown = XMLUnknown()
        public init() {}
        public static let xml = XMLMapping<Arch> {
            Field.attribute("name", \.name)
            Field.textElement("wordsize", \.wordsize)
            Field.textElement("emulator", \.emulator)
            Field.textElement("loader", \.loader)
            Field.elements("machine", \.machines)
            Field.elements("domain", \.domains)
        }
    }

    /// `<machine maxCpus='255' canonical='pc-i440fx-7.2'>pc</machine>`.
    public struct Machine: XMLModel {
        public var maxCpus: UInt?
        public var canonical: String?
        public var deprecated: String?
        public var name: String?
        public var unknown = XMLUnknown()
        public init() {}
        public static let xml = XMLMapping<Machine> {
            Field.attribute("maxCpus", \.maxCpus)
            Field.attribute("canonical", \.canonical)
            Field.attribute("deprecated", \.deprecated)
            Field.text(\.name)
        }
    }

    /// `<domain type='kvm'>` with its own emulator and machines.
    public struct GuestDomain: XMLModel {
        public var type: String?
        public var emulator: String?
        public var machines: [Machine] = []
        public var unknown = XMLUnknown()
        public init() {}
        public static let xml = XMLMapping<GuestDomain> {
            Field.attribute("type", \.type)
            Field.textElement("emulator", \.emulator)
            Field.elements("machine", \.machines)
        }
    }
}
