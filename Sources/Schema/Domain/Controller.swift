/// `<controller type>`: the bus a controller provides.
public enum ControllerType: XMLEnum {
    case ide, fdc, scsi, sata, usb, ccid, virtioSerial, pci, xenbus, isa, nvme
    case other(String)
    public static let xmlNames: [(ControllerType, String)] = [
        (.ide, "ide"), (.fdc, "fdc"), (.scsi, "scsi"), (.sata, "sata"), (.usb, "usb"), (.ccid, "ccid"),
        (.virtioSerial, "virtio-serial"), (.pci, "pci"), (.xenbus, "xenbus"), (.isa, "isa"), (.nvme, "nvme"),
    ]
}

/// `<controller model>`: the controller's make, per type (USB host controllers, SCSI HBAs,
/// PCI roots, bridges and ports, IDE chipsets; virtio flavours for SCSI and virtio-serial).
public enum ControllerModel: XMLEnum {
    // USB
    case piix3Uhci, piix4Uhci, ehci, ich9Ehci1, ich9Uhci1, ich9Uhci2, ich9Uhci3, vt82c686bUhci, pciOhci
    case necXhci, qusb1, qusb2, qemuXhci
    /// `model='none'`: no USB controller at all.
    case absent
    // SCSI
    case auto, buslogic, ibmvscsi, lsilogic, lsisas1068, lsisas1078, virtioScsi, vmpvscsi, ncr53c90, am53c974, dc390
    // PCI
    case pciRoot, pcieRoot, pciBridge, dmiToPciBridge, pcieToPciBridge, pcieRootPort, pcieSwitchUpstreamPort
    case pcieSwitchDownstreamPort, pciExpanderBus, pcieExpanderBus
    // IDE
    case piix3, piix4, ich6
    // virtio (virtio-serial, and SCSI's transitional flavours)
    case virtio, virtioTransitional, virtioNonTransitional
    case other(String)

    public static let xmlNames: [(ControllerModel, String)] = [
        (.piix3Uhci, "piix3-uhci"), (.piix4Uhci, "piix4-uhci"), (.ehci, "ehci"), (.ich9Ehci1, "ich9-ehci1"),
        (.ich9Uhci1, "ich9-uhci1"), (.ich9Uhci2, "ich9-uhci2"), (.ich9Uhci3, "ich9-uhci3"),
        (.vt82c686bUhci, "vt82c686b-uhci"), (.pciOhci, "pci-ohci"), (.necXhci, "nec-xhci"), (.qusb1, "qusb1"),
        (.qusb2, "qusb2"), (.qemuXhci, "qemu-xhci"), (.absent, "none"),
        (.auto, "auto"), (.buslogic, "buslogic"), (.ibmvscsi, "ibmvscsi"), (.lsilogic, "lsilogic"),
        (.lsisas1068, "lsisas1068"), (.lsisas1078, "lsisas1078"), (.virtioScsi, "virtio-scsi"), (.vmpvscsi, "vmpvscsi"),
        (.ncr53c90, "ncr53c90"), (.am53c974, "am53c974"), (.dc390, "dc390"),
        (.pciRoot, "pci-root"), (.pcieRoot, "pcie-root"), (.pciBridge, "pci-bridge"), (.dmiToPciBridge, "dmi-to-pci-bridge"),
        (.pcieToPciBridge, "pcie-to-pci-bridge"), (.pcieRootPort, "pcie-root-port"),
        (.pcieSwitchUpstreamPort, "pcie-switch-upstream-port"), (.pcieSwitchDownstreamPort, "pcie-switch-downstream-port"),
        (.pciExpanderBus, "pci-expander-bus"), (.pcieExpanderBus, "pcie-expander-bus"),
        (.piix3, "piix3"), (.piix4, "piix4"), (.ich6, "ich6"),
        (.virtio, "virtio"), (.virtioTransitional, "virtio-transitional"), (.virtioNonTransitional, "virtio-non-transitional"),
    ]
}

/// `<controller type='usb' index='0' model='piix3-uhci'/>`.
public struct Controller: XMLModel {
    public var type: ControllerType?
    public var index: UInt?
    public var model: ControllerModel?
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

    public init(type: ControllerType, index: UInt, model: ControllerModel? = nil) {
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
