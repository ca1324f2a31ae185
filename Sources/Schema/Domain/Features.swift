/// `<features>`: machine features switched on (present) or set by a state attribute.
public struct Features: XMLModel {
    public var pae: FeatureSwitch?
    public var acpi: FeatureSwitch?
    public var apic: FeatureSwitch?
    public var hap: FeatureSwitch?
    public var viridian: FeatureSwitch?
    public var privnet: FeatureSwitch?
    public var hyperv: HypervFeatures?
    public var kvm: OpaqueElement?
    public var xen: OpaqueElement?
    public var pvspinlock: FeatureSwitch?
    public var pmu: FeatureSwitch?
    public var vmport: FeatureSwitch?
    public var gic: GICFeature?
    public var smm: FeatureSwitch?
    public var ioapic: OpaqueElement?
    public var vmcoreinfo: FeatureSwitch?
    public var htm: FeatureSwitch?
    public var nonpae: FeatureSwitch?
    public var unknown = XMLUnknown()
    public init() {}

    public static let xml = XMLMapping<Features> {
        Field.element("pae", \.pae)
        Field.element("acpi", \.acpi)
        Field.element("apic", \.apic)
        Field.element("hap", \.hap)
        Field.element("viridian", \.viridian)
        Field.element("privnet", \.privnet)
        Field.element("hyperv", \.hyperv)
        Field.element("kvm", \.kvm)
        Field.element("xen", \.xen)
        Field.element("pvspinlock", \.pvspinlock)
        Field.element("pmu", \.pmu)
        Field.element("vmport", \.vmport)
        Field.element("gic", \.gic)
        Field.element("smm", \.smm)
        Field.element("ioapic", \.ioapic)
        Field.element("vmcoreinfo", \.vmcoreinfo)
        Field.element("htm", \.htm)
        Field.element("nonpae", \.nonpae)
    }
}

/// A feature element: present means on unless `state='off'`.
public struct FeatureSwitch: XMLModel {
    public var state: OnOff?
    public var unknown = XMLUnknown()
    public init() {}
    public init(state: OnOff?) { self.state = state }

    public static let xml = XMLMapping<FeatureSwitch> {
        Field.attribute("state", \.state)
    }

    /// Whether the feature is enabled (presence without state means on).
    public var isOn: Bool { state != .off }
}

extension Optional where Wrapped == FeatureSwitch {
    /// True when the feature element is present and not switched off.
    public var isOn: Bool { self?.isOn ?? false }
}

/// `<gic version='3'/>` on ARM.
public struct GICFeature: XMLModel {
    public var version: String?
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<GICFeature> { Field.attribute("version", \.version) }
}

/// `<hyperv>` enlightenments: each child has a state, some carry a value.
public struct HypervFeatures: XMLModel {
    public var mode: String?
    public var relaxed: FeatureSwitch?
    public var vapic: FeatureSwitch?
    public var spinlocks: Spinlocks?
    public var vpindex: FeatureSwitch?
    public var runtime: FeatureSwitch?
    public var synic: FeatureSwitch?
    public var stimer: OpaqueElement?
    public var reset: FeatureSwitch?
    public var vendorID: OpaqueElement?
    public var frequencies: FeatureSwitch?
    public var reenlightenment: FeatureSwitch?
    public var tlbflush: OpaqueElement?
    public var ipi: FeatureSwitch?
    public var evmcs: FeatureSwitch?
    public var unknown = XMLUnknown()
    public init() {}

    public static let xml = XMLMapping<HypervFeatures> {
        Field.attribute("mode", \.mode)
        Field.element("relaxed", \.relaxed)
        Field.element("vapic", \.vapic)
        Field.element("spinlocks", \.spinlocks)
        Field.element("vpindex", \.vpindex)
        Field.element("runtime", \.runtime)
        Field.element("synic", \.synic)
        Field.element("stimer", \.stimer)
        Field.element("reset", \.reset)
        Field.element("vendor_id", \.vendorID)
        Field.element("frequencies", \.frequencies)
        Field.element("reenlightenment", \.reenlightenment)
        Field.element("tlbflush", \.tlbflush)
        Field.element("ipi", \.ipi)
        Field.element("evmcs", \.evmcs)
    }

    public struct Spinlocks: XMLModel {
        public var state: OnOff?
        public var retries: UInt?
        public var unknown = XMLUnknown()
        public init() {}
        public static let xml = XMLMapping<Spinlocks> {
            Field.attribute("state", \.state)
            Field.attribute("retries", \.retries)
        }
    }
}
