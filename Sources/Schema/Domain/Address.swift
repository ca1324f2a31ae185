/// A device's guest-side address, `<address type='pci' …/>`: a union on `type` whose
/// payload is the element's other attributes.
///
/// Numbers stay as written ('0x0a' or '10'): libvirt accepts both and normalizing them would
/// change what the user wrote. `number(_:)` reads either form.
public enum DeviceAddress: XMLAttributeUnion {
    case pci(PCIAddress)
    case drive(DriveAddress)
    case virtioSerial(VirtioSerialAddress)
    case ccid(CCIDAddress)
    case usb(USBAddress)
    case isa(ISAAddress)
    case spaprVio(SpaprVioAddress)
    case ccw(CCWAddress)
    case other(type: String?, OpaqueElement)

    public static let tagAttribute = "type"

    public enum Tag: String, XMLUnionTag {
        case pci, drive
        case virtioSerial = "virtio-serial"
        case ccid, usb, isa
        case spaprVio = "spapr-vio"
        case ccw
    }

    public init(known tag: Tag, payload: XMLElement?) {
        let rest = payload ?? XMLElement("address")
        switch tag {
        case .pci: self = .pci(PCIAddress(element: rest))
        case .drive: self = .drive(DriveAddress(element: rest))
        case .virtioSerial: self = .virtioSerial(VirtioSerialAddress(element: rest))
        case .ccid: self = .ccid(CCIDAddress(element: rest))
        case .usb: self = .usb(USBAddress(element: rest))
        case .isa: self = .isa(ISAAddress(element: rest))
        case .spaprVio: self = .spaprVio(SpaprVioAddress(element: rest))
        case .ccw: self = .ccw(CCWAddress(element: rest))
        }
    }

    public init(unknown tag: String?, payload: XMLElement?) {
        self = .other(type: tag, OpaqueElement(element: payload ?? XMLElement("address")))
    }

    public var knownTag: Tag? {
        switch self {
        case .pci: .pci
        case .drive: .drive
        case .virtioSerial: .virtioSerial
        case .ccid: .ccid
        case .usb: .usb
        case .isa: .isa
        case .spaprVio: .spaprVio
        case .ccw: .ccw
        case .other: nil
        }
    }

    public var unknownTag: String? { if case .other(let t, _) = self { t } else { nil } }

    /// The `type` attribute.
    public var type: String? { tag }

    public var payloadModel: (any XMLElementConvertible)? {
        switch self {
        case .pci(let a): a
        case .drive(let a): a
        case .virtioSerial(let a): a
        case .ccid(let a): a
        case .usb(let a): a
        case .isa(let a): a
        case .spaprVio(let a): a
        case .ccw(let a): a
        case .other(_, let a): a
        }
    }

    /// Reads '0x1f', '31' or '0' as libvirt does.
    public static func number(_ s: String?) -> UInt? {
        guard let s else { return nil }
        if s.hasPrefix("0x") || s.hasPrefix("0X") { return UInt(s.dropFirst(2), radix: 16) }
        return UInt(s)
    }

    public var pci: PCIAddress? { if case .pci(let a) = self { a } else { nil } }
    public var drive: DriveAddress? { if case .drive(let a) = self { a } else { nil } }
}

/// One number of an address as libvirt reads it — hexadecimal after `0x`, else decimal —
/// keeping the text as written (`0x0a` stays `0x0a`, `10` stays `10`). Text that is no such
/// number is not one of these: the model keeps it verbatim among the unknown attributes and
/// the schema refuses it.
public struct AddressNumber: XMLValue, Hashable {
    public let value: UInt
    public let xmlValue: String

    public init?(xmlValue: String) {
        guard let v = DeviceAddress.number(xmlValue) else { return nil }
        value = v
        self.xmlValue = xmlValue
    }

    /// `0x` and `width` hexadecimal digits, as libvirt writes the addresses it assigns.
    public init(_ value: UInt, hexWidth width: Int) {
        self.value = value
        xmlValue = "0x" + hex(value, width: width)
    }
}

public struct PCIAddress: XMLModel {
    public var domain: AddressNumber?
    public var bus: AddressNumber?
    public var slot: AddressNumber?
    public var function: AddressNumber?
    public var multifunction: OnOff?
    public var unknown = XMLUnknown()
    public init() {}

    public init(domain: UInt = 0, bus: UInt, slot: UInt, function: UInt) {
        self.domain = AddressNumber(domain, hexWidth: 4)
        self.bus = AddressNumber(bus, hexWidth: 2)
        self.slot = AddressNumber(slot, hexWidth: 2)
        self.function = AddressNumber(function, hexWidth: 1)
    }

    public static let xml = XMLMapping<PCIAddress> {
        Field.attribute("domain", \.domain)
        Field.attribute("bus", \.bus)
        Field.attribute("slot", \.slot)
        Field.attribute("function", \.function)
        Field.attribute("multifunction", \.multifunction)
    }

    public var slotNumber: UInt? { slot?.value }
    public var functionNumber: UInt? { function?.value }
    public var busNumber: UInt? { bus?.value }
    public var domainNumber: UInt? { domain?.value }
}

public struct DriveAddress: XMLModel {
    public var controller: String?
    public var bus: String?
    public var target: String?
    public var unit: String?
    public var unknown = XMLUnknown()
    public init() {}

    public init(controller: UInt, bus: UInt, target: UInt = 0, unit: UInt) {
        self.controller = String(controller)
        self.bus = String(bus)
        self.target = String(target)
        self.unit = String(unit)
    }

    public static let xml = XMLMapping<DriveAddress> {
        Field.attribute("controller", \.controller)
        Field.attribute("bus", \.bus)
        Field.attribute("target", \.target)
        Field.attribute("unit", \.unit)
    }
}

public struct VirtioSerialAddress: XMLModel {
    public var controller: String?
    public var bus: String?
    public var port: String?
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<VirtioSerialAddress> {
        Field.attribute("controller", \.controller)
        Field.attribute("bus", \.bus)
        Field.attribute("port", \.port)
    }
}

public struct CCIDAddress: XMLModel {
    public var controller: String?
    public var slot: String?
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<CCIDAddress> {
        Field.attribute("controller", \.controller)
        Field.attribute("slot", \.slot)
    }
}

public struct USBAddress: XMLModel {
    public var bus: String?
    public var port: String?
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<USBAddress> {
        Field.attribute("bus", \.bus)
        Field.attribute("port", \.port)
    }
}

public struct ISAAddress: XMLModel {
    public var iobase: String?
    public var irq: String?
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<ISAAddress> {
        Field.attribute("iobase", \.iobase)
        Field.attribute("irq", \.irq)
    }
}

/// `<address type='spapr-vio' reg='0x2000'/>` on pSeries.
public struct SpaprVioAddress: XMLModel {
    public var reg: String?
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<SpaprVioAddress> { Field.attribute("reg", \.reg) }
}

/// `<address type='ccw' cssid='0xfe' ssid='0x0' devno='0x0001'/>` on s390.
public struct CCWAddress: XMLModel {
    public var cssid: String?
    public var ssid: String?
    public var devno: String?
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<CCWAddress> {
        Field.attribute("cssid", \.cssid)
        Field.attribute("ssid", \.ssid)
        Field.attribute("devno", \.devno)
    }
}

func hex(_ v: UInt, width: Int) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: max(0, width - s.count)) + s
}

/// `<alias name='ua-disk0'/>`.
public struct DeviceAlias: XMLModel {
    public var name: String?
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<DeviceAlias> { Field.attribute("name", \.name) }
}

/// `<boot order='1'/>` on a device.
public struct DeviceBoot: XMLModel {
    public var order: UInt?
    public var loadparm: String?
    public var unknown = XMLUnknown()
    public init() {}
    public init(order: UInt) { self.order = order }
    public static let xml = XMLMapping<DeviceBoot> {
        Field.attribute("order", \.order)
        Field.attribute("loadparm", \.loadparm)
    }
}

/// An element whose only attribute is `type` (`<model type='virtio'/>`, `<protocol type='raw'/>`).
public struct TypeAttribute: XMLModel {
    public var type: String?
    public var unknown = XMLUnknown()
    public init() {}
    public init(_ type: String) { self.type = type }
    public static let xml = XMLMapping<TypeAttribute> { Field.attribute("type", \.type) }
}

/// An element whose only attribute is `name` (`<model name='pci-bridge'/>`).
public struct NameAttribute: XMLModel {
    public var name: String?
    public var unknown = XMLUnknown()
    public init() {}
    public init(_ name: String) { self.name = name }
    public static let xml = XMLMapping<NameAttribute> { Field.attribute("name", \.name) }
}
