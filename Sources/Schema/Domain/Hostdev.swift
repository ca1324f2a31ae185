/// `<hostdev mode='subsystem' type='pci' managed='yes'>`: a host device given to the guest.
public struct Hostdev: XMLModel {
    public var mode: String?
    public var type: String?
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
        Field.attribute("type", \.type)
        Field.attribute("managed", \.managed)
        Field.attribute("model", \.model)
        Field.element("driver", \.driver)
        Field.element("source", \.source)
        Field.element("boot", \.boot)
        Field.element("rom", \.rom)
        Field.flag("readonly", \.readonly)
        Field.flag("shareable", \.shareable)
        Field.element("alias", \.alias)
        Field.element("address", \.address)
    }
}

/// The host side: a USB vendor/product pair and/or a host address (PCI or USB bus/device).
public struct HostdevSource: XMLModel {
    public var startupPolicy: String?
    public var writeFiltering: YesNo?
    public var vendor: IDAttribute?
    public var product: IDAttribute?
    public var address: HostAddress?
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<HostdevSource> {
        Field.attribute("startupPolicy", \.startupPolicy)
        Field.attribute("writeFiltering", \.writeFiltering)
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
