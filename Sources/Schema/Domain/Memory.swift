/// `<memory>`, `<currentMemory>` and friends: a size with an optional unit (KiB by default).
public struct MemorySize: XMLModel {
    public var unit: MemoryUnit?
    public var dumpCore: OnOff?
    public var value: UInt64?
    public var unknown = XMLUnknown()
    public init() {}

    public init(kibibytes: UInt64) {
        value = kibibytes
        unit = .KiB
    }

    public static let xml = XMLMapping<MemorySize> {
        Field.attribute("unit", \.unit)
        Field.attribute("dumpCore", \.dumpCore)
        Field.text(\.value)
    }

    /// The size in KiB, libvirt's internal unit; nil when missing or unrepresentable.
    public var kibibytes: UInt64? {
        guard let value else { return nil }
        return (unit ?? .KiB).toKiB(value)
    }
}

/// `<maxMemory slots='16' unit='KiB'>`: the hotplug ceiling.
public struct MaxMemory: XMLModel {
    public var slots: UInt?
    public var unit: MemoryUnit?
    public var value: UInt64?
    public var unknown = XMLUnknown()
    public init() {}

    public static let xml = XMLMapping<MaxMemory> {
        Field.attribute("slots", \.slots)
        Field.attribute("unit", \.unit)
        Field.text(\.value)
    }

    public var kibibytes: UInt64? { value.flatMap { (unit ?? .KiB).toKiB($0) } }
}

/// Units libvirt accepts for sizes: bytes, powers of 1000 (KB, MB, …) and of 1024 (k, KiB, …).
public enum MemoryUnit: XMLEnum {
    case b, bytes, KB, k, KiB, MB, M, MiB, GB, G, GiB, TB, T, TiB, PB, P, PiB, EB, E, EiB
    case other(String)
    public static let xmlNames: [(MemoryUnit, String)] = [
        (.b, "b"), (.bytes, "bytes"), (.KB, "KB"), (.k, "k"), (.KiB, "KiB"), (.MB, "MB"), (.M, "M"),
        (.MiB, "MiB"), (.GB, "GB"), (.G, "G"), (.GiB, "GiB"), (.TB, "TB"), (.T, "T"), (.TiB, "TiB"),
        (.PB, "PB"), (.P, "P"), (.PiB, "PiB"), (.EB, "EB"), (.E, "E"), (.EiB, "EiB"),
    ]

    /// Bytes per unit; nil for an unknown unit.
    public var bytesPerUnit: UInt64? {
        switch self {
        case .b, .bytes: 1
        case .KB: 1000
        case .k, .KiB: 1 << 10
        case .MB: 1_000_000
        case .M, .MiB: 1 << 20
        case .GB: 1_000_000_000
        case .G, .GiB: 1 << 30
        case .TB: 1_000_000_000_000
        case .T, .TiB: 1 << 40
        case .PB: 1_000_000_000_000_000
        case .P, .PiB: 1 << 50
        case .EB: 1_000_000_000_000_000_000
        case .E, .EiB: 1 << 60
        case .other: nil
        }
    }

    /// Converts to KiB rounding up, as libvirt does; nil on overflow or unknown unit.
    public func toKiB(_ value: UInt64) -> UInt64? {
        guard let per = bytesPerUnit else { return nil }
        let (bytes, overflow) = value.multipliedReportingOverflow(by: per)
        guard !overflow else { return nil }
        return (bytes + 1023) / 1024
    }
}

/// `<memoryBacking>`: only the switches converters read are typed.
public struct MemoryBacking: XMLModel {
    public var hugepages: OpaqueElement?
    public var nosharepages = false
    public var locked = false
    public var source: OpaqueElement?
    public var access: OpaqueElement?
    public var allocation: OpaqueElement?
    public var discard = false
    public var unknown = XMLUnknown()
    public init() {}

    public static let xml = XMLMapping<MemoryBacking> {
        Field.element("hugepages", \.hugepages)
        Field.flag("nosharepages", \.nosharepages)
        Field.flag("locked", \.locked)
        Field.element("source", \.source)
        Field.element("access", \.access)
        Field.element("allocation", \.allocation)
        Field.flag("discard", \.discard)
    }
}
