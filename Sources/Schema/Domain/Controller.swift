/// `<controller type>`: the bus a controller provides.
public enum ControllerType: XMLEnum {
    case ide, fdc, scsi, sata, usb, ccid, virtioSerial, pci, xenbus, isa, nvme
    case other(String)
    public static let xmlNames: [(ControllerType, String)] = [
        (.ide, "ide"), (.fdc, "fdc"), (.scsi, "scsi"), (.sata, "sata"), (.usb, "usb"), (.ccid, "ccid"),
        (.virtioSerial, "virtio-serial"), (.pci, "pci"), (.xenbus, "xenbus"), (.isa, "isa"), (.nvme, "nvme"),
    ]
}

/// `<controller type='usb' index='0' model='piix3-uhci'/>`.
public struct Controller: XMLModel {
    public var type: ControllerType?
    public var index: UInt?
    public var model: String?
    public var ports: UInt?
    public var vectors: UInt?
    public var maxGrantFrames: UInt?
    public var modelName: NameAttribute?
    public var driver: OpaqueElement?
    public var target: ControllerTarget?
    public var pcihole64: OpaqueElement?
    public var master: OpaqueElement?
    public var alias: DeviceAlias?
    public var address: DeviceAddress?
    public var unknown = XMLUnknown()
    public init() {}

    public init(type: ControllerType, index: UInt, model: String? = nil) {
        self.type = type
        self.index = index
        self.model = model
    }

    public static let xml = XMLMapping<Controller> {
        Field.attribute("type", \.type)
        Field.attribute("index", \.index)
        Field.attribute("model", \.model)
        Field.attribute("ports", \.ports)
        Field.attribute("vectors", \.vectors)
        Field.attribute("maxGrantFrames", \.maxGrantFrames)
        Field.element("model", \.modelName)
        Field.element("driver", \.driver)
        Field.element("target", \.target)
        Field.element("pcihole64", \.pcihole64)
        Field.element("master", \.master)
        Field.element("alias", \.alias)
        Field.element("address", \.address)
    }
}

/// `<target chassis='1' port='0x10'/>` of a PCI controller; `index` on the pSeries host bridge.
public struct ControllerTarget: XMLModel {
    public var chassisNr: String?
    public var chassis: String?
    public var port: String?
    public var busNr: String?
    public var index: String?
    public var hotplug: OnOff?
    public var node: OpaqueElement?
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<ControllerTarget> {
        Field.attribute("chassisNr", \.chassisNr)
        Field.attribute("chassis", \.chassis)
        Field.attribute("port", \.port)
        Field.attribute("busNr", \.busNr)
        Field.attribute("index", \.index)
        Field.attribute("hotplug", \.hotplug)
        Field.element("node", \.node)
    }
}
