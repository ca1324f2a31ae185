/// `<hostdev mode='subsystem' type='pci' managed='yes'>`: a host device given to the guest.
public struct Hostdev: XMLModel {
    public var mode: String?
    public var managed: YesNo?
    public var model: String?
    public var driver: NameAttribute?
    public var source: HostdevSource?
    public var boot: DeviceBoot?
    public var rom: OpaqueElement?
    public var readonly = false
    public var shareable = false
    public var alias: DeviceAlias?
    public var address: DeviceAddress?
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<Hostdev> {
        Field.attribute("mode", \.mode)
        Field.unionTag("type", \.source)
        Field.attribute("managed", \.managed)
        Field.attribute("model", \.model)
        Field.element("driver", \.driver)
        Field.union(tag: "type", payload: "source", \.source)
        Field.element("boot", \.boot)
        Field.element("rom", \.rom)
        Field.flag("readonly", \.readonly)
        Field.flag("shareable", \.shareable)
        Field.element("alias", \.alias)
        Field.element("address", \.address)
    }

    /// The `type` attribute: what kind of host device this is.
    public var type: String? { source?.tag }

    /// A PCI host device (`mode='subsystem' type='pci'`) at a host address.
    public static func pci(_ address: HostAddress, managed: YesNo?) -> Hostdev {
        var h = Hostdev()
        h.mode = "subsystem"
        h.managed = managed
        var s = PCIHostSource()
        s.address = address
        h.source = .pci(s)
        return h
    }

    /// A USB host device (`mode='subsystem' type='usb'`).
    public static func usb(_ source: USBHostSource, managed: YesNo?) -> Hostdev {
        var h = Hostdev()
        h.mode = "subsystem"
        h.managed = managed
        h.source = .usb(source)
        return h
    }
}

/// What a `<hostdev>` passes through, and its `<source>`: a union on `type`. Capability
/// hostdevs (`mode='capabilities'`: storage, misc, net) and the kinds virtkit does not
/// model are kept as written.
public enum HostdevSource: XMLTaggedUnion {
    case pci(PCIHostSource?)
    case usb(USBHostSource?)
    case scsi(OpaqueElement?)
    case scsiHost(OpaqueElement?)
    case mdev(OpaqueElement?)
    case other(type: String?, source: OpaqueElement?)

    public enum Tag: String, XMLUnionTag {
        case pci, usb, scsi
        case scsiHost = "scsi_host"
        case mdev
    }

    public init(known tag: Tag, payload: XMLElement?) {
        switch tag {
        case .pci: self = .pci(payload.map(PCIHostSource.init(element:)))
        case .usb: self = .usb(payload.map(USBHostSource.init(element:)))
        case .scsi: self = .scsi(payload.map(OpaqueElement.init(element:)))
        case .scsiHost: self = .scsiHost(payload.map(OpaqueElement.init(element:)))
        case .mdev: self = .mdev(payload.map(OpaqueElement.init(element:)))
        }
    }

    public init(unknown tag: String?, payload: XMLElement?) {
        self = .other(type: tag, source: payload.map(OpaqueElement.init(element:)))
    }

    public var knownTag: Tag? {
        switch self {
        case .pci: .pci
        case .usb: .usb
        case .scsi: .scsi
        case .scsiHost: .scsiHost
        case .mdev: .mdev
        case .other: nil
        }
    }

    public var unknownTag: String? { if case .other(let t, _) = self { t } else { nil } }

    public var payloadModel: (any XMLElementConvertible)? {
        switch self {
        case .pci(let s): s
        case .usb(let s): s
        case .scsi(let s), .scsiHost(let s), .mdev(let s): s
        case .other(_, let s): s
        }
    }
}

/// A PCI host device's source: its host address, and whether config-space writes are
/// filtered (Xen's `permissive`).
public struct PCIHostSource: XMLModel {
    public var writeFiltering: YesNo?
    public var address: HostAddress?
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<PCIHostSource> {
        Field.attribute("writeFiltering", \.writeFiltering)
        Field.element("address", \.address)
    }
}

/// A USB host device's source: a vendor/product pair and/or a bus/device address.
public struct USBHostSource: XMLModel {
    public var startupPolicy: String?
    public var vendor: IDAttribute?
    public var product: IDAttribute?
    public var address: HostAddress?
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<USBHostSource> {
        Field.attribute("startupPolicy", \.startupPolicy)
        Field.element("vendor", \.vendor)
        Field.element("product", \.product)
        Field.element("address", \.address)
    }
}

public struct IDAttribute: XMLModel {
    public var id: String?
    public var unknown = XMLUnknown()
    public init() {}
    public init(_ id: String) { self.id = id }
    public static let xml = XMLMapping<IDAttribute> { Field.attribute("id", \.id) }
}

/// A host-side address: PCI (domain/bus/slot/function) or USB (bus/device).
public struct HostAddress: XMLModel {
    public var domain: String?
    public var bus: String?
    public var slot: String?
    public var function: String?
    public var device: String?
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<HostAddress> {
        Field.attribute("domain", \.domain)
        Field.attribute("bus", \.bus)
        Field.attribute("slot", \.slot)
        Field.attribute("function", \.function)
        Field.attribute("device", \.device)
    }
}
