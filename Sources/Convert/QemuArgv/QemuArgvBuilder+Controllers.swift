import Schema

/// Controllers: the USB host controller, PCI bridges and root ports, SCSI, SATA and
/// virtio-serial, explicit in the XML or implied by the devices that need them.
extension ArgvBuild {
    mutating func addControllers() throws(Diagnostic) {
        if isX86 {
            if isQ35 {
                pci.reserve(0x1f)
                if hasPrimaryVideo { pci.reserve(1) }
            } else {
                pci.reserve(1)
                if hasPrimaryVideo { pci.reserve(2) }
            }
        }
        // Bridges first: devices placed on their buses need them to exist.
        for c in devices.controllers where c.type == .pci {
            try addPCIController(c)
        }
        try addUSBController()
        var scsiIndexes = Set(devices.controllers.filter { $0.type == .scsi }.map { Int($0.index ?? 0) })
        for c in devices.controllers where c.type == .scsi {
            try addSCSIController(Int(c.index ?? 0), c)
        }
        for disk in devices.disks where disk.effectiveBus == .scsi {
            let ctrl = Int(DeviceAddress.number(disk.address?.drive?.controller) ?? 0)
            if !scsiIndexes.contains(ctrl) {
                scsiIndexes.insert(ctrl)
                try addSCSIController(ctrl, nil)
            }
        }
        if !isQ35 && devices.disks.contains(where: { $0.effectiveBus == .sata }) {
            let c = devices.controllers.first { $0.type == .sata }
            device("ich9-ahci", [("id", .string("sata0"))] + (try pciPlacement(c?.address, line: c?.line ?? domain.line)))
        }
        let needsVirtioSerial =
            devices.channels.contains { $0.target?.type == "virtio" }
            || devices.consoles.contains { $0.target?.type == "virtio" }
        let explicitVS = devices.controllers.filter { $0.type == .virtioSerial }
        for c in explicitVS {
            var props: [(String, DeviceValue)] = [("id", .string("virtio-serial\(c.index ?? 0)"))]
            if let ports = c.ports { props.append(("max_ports", .int(Int(ports)))) }
            device(virtio("virtio-serial"), props + (try pciPlacement(c.address, line: c.line)))
        }
        if needsVirtioSerial && explicitVS.isEmpty {
            device(virtio("virtio-serial"), [("id", .string("virtio-serial0"))] + (try pciPlacement(nil, line: domain.line)))
        }
        if isQ35 && devices.disks.contains(where: { $0.effectiveBus == .fdc }) {
            device("isa-fdc", [("id", .string("fdc0"))])
        }
    }

    var hasPrimaryVideo: Bool {
        if let first = devices.videos.first { return first.model?.type != VideoModelType.none }
        return !devices.graphics.isEmpty
    }

    mutating func addPCIController(_ c: Controller) throws(Diagnostic) {
        guard let index = c.index, index > 0 else { return }  // index 0 is the machine's root bus
        guard let model = c.model, let driver = QemuVocabulary.controllerDriver(.pci, model: model, virtio: virtio) else {
            throw fail("PCI controller model '\(c.model?.xmlValue ?? "")' is not supported", line: c.line, element: "controller")
        }
        // What identifies the new bus to the guest differs per kind of bridge.
        var props: [(String, DeviceValue)] = [("id", .string("pci.\(index)"))]
        switch model {
        case .pciBridge: props.insert(("chassis_nr", .int(Int(index))), at: 0)
        case .pcieRootPort: props.insert(contentsOf: [("port", .int(Int(index) + 0x10 - 1)), ("chassis", .int(Int(index)))], at: 0)
        default: break
        }
        device(driver, props + (try pciPlacement(c.address, line: c.line)))
    }

    mutating func addUSBController() throws(Diagnostic) {
        let usb = devices.controllers.first { $0.type == .usb && ($0.index ?? 0) == 0 }
        if usb?.model == .absent { return }
        let needsUSB =
            devices.inputs.contains { $0.bus == .usb } || devices.disks.contains { $0.effectiveBus == .usb }
            || devices.hostdevs.contains { $0.type == "usb" } || devices.sounds.contains { $0.model == .usb }
            || devices.serials.contains { $0.target?.type == "usb-serial" }
        guard usb != nil || isX86 || needsUSB else { return }
        let model: String
        switch usb?.model {
        case nil: model = isQ35 || !isX86 ? "qemu-xhci" : "piix3-usb-uhci"
        case let m? where QemuVocabulary.controllerDriver(.usb, model: m, virtio: virtio) != nil:
            model = QemuVocabulary.controllerDriver(.usb, model: m, virtio: virtio)!
        case let m?: throw fail("USB controller model '\(m.xmlValue)' is not supported", line: usb!.line, element: "controller")
        }
        let placement: [(String, DeviceValue)]
        if usb?.address == nil && model == "piix3-usb-uhci" && !isQ35 {
            placement = [("bus", .string(rootBus)), ("addr", .string(PCIAllocator.addr(1, 2)))]
        } else {
            placement = try pciPlacement(usb?.address, line: usb?.line ?? domain.line)
        }
        device(model, [("id", .string("usb"))] + placement)
    }

    mutating func addSCSIController(_ index: Int, _ c: Controller?) throws(Diagnostic) {
        let model = scsiControllerModel(index)
        var props: [(String, DeviceValue)] = [("id", .string("scsi\(index)"))]
        if model == "spapr-vscsi" {
            device(model, props)
            return
        }
        props += try pciPlacement(c?.address, line: c?.line ?? domain.line)
        device(model, props)
    }
}
