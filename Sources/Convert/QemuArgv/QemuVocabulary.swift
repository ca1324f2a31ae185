import Schema

/// libvirt's names and QEMU's for the same devices, in one table each, read both ways: the
/// builder looks a model up to write its `-device` driver, the parser looks a driver up to
/// read the model back. A pair added here is written and read.
enum QemuVocabulary {
    /// A video model and the QEMU device behind it.
    struct VideoDevice: Sendable {
        let model: VideoModelType
        /// The device for a secondary display (or any, without `primary`).
        let driver: String
        /// The device when this is the guest's first display, if it differs (VGA-compatible).
        let primary: String?
        /// A virtio device, named `-pci` or `-ccw` after the machine's bus.
        let virtioBus: Bool
        /// Further drivers that read back as this model (what other tools write).
        let alsoReads: [String]

        init(_ model: VideoModelType, _ driver: String, primary: String? = nil, virtioBus: Bool = false, alsoReads: [String] = []) {
            self.model = model
            self.driver = driver
            self.primary = primary
            self.virtioBus = virtioBus
            self.alsoReads = alsoReads
        }
    }

    static let videos: [VideoDevice] = [
        VideoDevice(.vga, "VGA", alsoReads: ["isa-vga", "secondary-vga"]),
        VideoDevice(.cirrus, "cirrus-vga"),
        VideoDevice(.vmvga, "vmware-svga"),
        VideoDevice(.qxl, "qxl", primary: "qxl-vga"),
        VideoDevice(.virtio, "virtio-gpu", primary: "virtio-vga", virtioBus: true),
        VideoDevice(.bochs, "bochs-display"),
        VideoDevice(.ramfb, "ramfb"),
    ]

    /// The `-device` driver for a video model; nil when QEMU has none. `virtio` names a
    /// virtio device for the machine's bus; the VGA-compatible primary variant is x86's.
    static func videoDriver(_ model: VideoModelType, primary: Bool, x86: Bool, virtio: (String) -> String) -> String? {
        guard let v = videos.first(where: { $0.model == model }) else { return nil }
        if primary, let p = v.primary, x86 || !v.virtioBus { return p }
        return v.virtioBus ? virtio(v.driver) : v.driver
    }

    /// The video model a `-device` driver stands for.
    static func videoModel(forDriver driver: String) -> VideoModelType? {
        videos.first { v in
            v.driver == driver || v.primary == driver || v.alsoReads.contains(driver)
                || (v.virtioBus && (driver == v.driver + "-pci" || driver == v.driver + "-ccw"))
        }?.model
    }

    /// Sound models and their `-device` drivers. Intel HDA controllers get a codec device
    /// (`hda-duplex`) after them; ich7 has no device of its own and is written as ich6's.
    static let sounds: [(model: SoundModel, driver: String)] = [
        (.ich6, "intel-hda"), (.ich7, "intel-hda"), (.ich9, "ich9-intel-hda"), (.ac97, "AC97"),
        (.es1370, "ES1370"), (.sb16, "sb16"), (.usb, "usb-audio"),
    ]

    /// Sound cards QEMU has that libvirt names after the device itself.
    static let soundDevicesNamedAsIs: Set<String> = ["gus", "cs4231a", "adlib"]

    static func soundDriver(_ model: SoundModel) -> String? { sounds.first { $0.model == model }?.driver }

    static func soundModel(forDriver driver: String) -> SoundModel? {
        if let m = sounds.first(where: { $0.driver == driver })?.model { return m }
        return soundDevicesNamedAsIs.contains(driver) ? SoundModel(xmlValue: driver) : nil
    }

    static func isHDA(_ model: SoundModel) -> Bool { [.ich6, .ich7, .ich9].contains(model) }

    /// Whether `driver` is `base` for the machine's bus: the plain name, or `-pci`, `-ccw`,
    /// `-device` after it.
    static func isVirtio(_ driver: String, _ base: String) -> Bool {
        driver == base || driver == base + "-pci" || driver == base + "-ccw" || driver == base + "-device"
    }

    // MARK: NICs

    /// A NIC model and its device.
    struct NICDevice: Sendable {
        let model: String
        let driver: String
        let virtioBus: Bool
        /// Whether the device sits on PCI (and gets a slot); ISA, USB and sPAPR VIO NICs do not.
        let onPCI: Bool

        init(_ model: String, _ driver: String? = nil, virtioBus: Bool = false, onPCI: Bool = true) {
            self.model = model
            self.driver = driver ?? model
            self.virtioBus = virtioBus
            self.onPCI = onPCI
        }
    }

    /// libvirt names the emulated NICs after QEMU's devices; virtio is the exception.
    static let nics: [NICDevice] = [
        NICDevice("virtio", "virtio-net", virtioBus: true), NICDevice("e1000"), NICDevice("e1000e"),
        NICDevice("rtl8139"), NICDevice("vmxnet3"), NICDevice("i82551"), NICDevice("i82557b"), NICDevice("i82559er"),
        NICDevice("ne2k_pci"), NICDevice("pcnet"), NICDevice("ne2k_isa", onPCI: false), NICDevice("usb-net", onPCI: false),
        NICDevice("spapr-vlan", onPCI: false),
    ]

    /// The device for a NIC model; a model QEMU names otherwise (or not at all) is written
    /// as its own device name, on PCI, as libvirt does.
    static func nicDriver(_ model: String, virtio: (String) -> String) -> (driver: String, onPCI: Bool) {
        guard let n = nics.first(where: { $0.model == model }) else { return (model, true) }
        return (n.virtioBus ? virtio(n.driver) : n.driver, n.onPCI)
    }

    /// The NIC model a `-device` driver stands for; nil when it is no NIC.
    static func nicModel(forDriver driver: String) -> String? {
        nics.first { $0.virtioBus ? isVirtio(driver, $0.driver) : $0.driver == driver }?.model
    }

    // MARK: Disks

    /// A disk front end: the device for a bus and medium.
    struct DiskFrontend: Sendable {
        let bus: DiskBus
        /// The medium this device is for; nil for any (the device does not tell them apart).
        let media: DiskDevice?
        let driver: String
        let virtioBus: Bool
        /// What QEMU before 1.x names it (one device for IDE disks and CD-ROMs).
        let legacyDriver: String?
        /// Further drivers that read back as this front end (older names).
        let alsoReads: [String]

        init(_ bus: DiskBus, _ media: DiskDevice?, _ driver: String, virtioBus: Bool = false, legacy: String? = nil, alsoReads: [String] = []) {
            self.bus = bus
            self.media = media
            self.driver = driver
            self.virtioBus = virtioBus
            legacyDriver = legacy
            self.alsoReads = alsoReads
        }
    }

    /// SATA disks are AHCI's IDE devices; a SCSI LUN passed through is `scsi-block`.
    static let diskFrontends: [DiskFrontend] = [
        DiskFrontend(.ide, .disk, "ide-hd", legacy: "ide-drive", alsoReads: ["ide-drive"]),
        DiskFrontend(.ide, .cdrom, "ide-cd", legacy: "ide-drive"),
        DiskFrontend(.sata, .disk, "ide-hd"), DiskFrontend(.sata, .cdrom, "ide-cd"),
        DiskFrontend(.scsi, .disk, "scsi-hd", alsoReads: ["scsi-disk", "scsi-generic"]), DiskFrontend(.scsi, .cdrom, "scsi-cd"),
        DiskFrontend(.scsi, .lun, "scsi-block"),
        DiskFrontend(.virtio, nil, "virtio-blk", virtioBus: true), DiskFrontend(.fdc, nil, "floppy"),
        DiskFrontend(.usb, nil, "usb-storage"),
    ]

    /// The device for a disk on `bus` holding `media`; nil when QEMU has none for the bus.
    static func diskDriver(bus: DiskBus, media: DiskDevice, legacyNames: Bool, virtio: (String) -> String) -> String? {
        // The device for exactly this medium, else the bus's one device, else its disk's.
        let onBus = diskFrontends.filter { $0.bus == bus }
        let f = onBus.first { $0.media == media } ?? onBus.first { $0.media == nil } ?? onBus.first { $0.media == .disk }
        guard let f else { return nil }
        if legacyNames, let old = f.legacyDriver { return old }
        return f.virtioBus ? virtio(f.driver) : f.driver
    }

    /// The bus family and medium a `-device` driver stands for (IDE for `ide-hd`/`ide-cd`,
    /// which the `bus=` property may yet show to be SATA); nil when it is no disk.
    static func diskFrontend(forDriver driver: String) -> DiskFrontend? {
        diskFrontends.first { f in
            f.bus != .sata && (f.virtioBus ? isVirtio(driver, f.driver) : f.driver == driver || f.alsoReads.contains(driver))
        }
    }

    // MARK: Controllers

    /// A USB host controller, SCSI HBA or PCI bridge/port model and its device.
    struct ControllerDevice: Sendable {
        let type: ControllerType
        let model: ControllerModel
        let driver: String
        let virtioBus: Bool
        let alsoReads: [String]

        init(_ type: ControllerType, _ model: ControllerModel, _ driver: String, virtioBus: Bool = false, alsoReads: [String] = []) {
            self.type = type
            self.model = model
            self.driver = driver
            self.virtioBus = virtioBus
            self.alsoReads = alsoReads
        }
    }

    /// Read back, a driver gives the first model listed with it.
    static let controllers: [ControllerDevice] = [
        ControllerDevice(.usb, .piix3Uhci, "piix3-usb-uhci"), ControllerDevice(.usb, .piix4Uhci, "piix4-usb-uhci"),
        ControllerDevice(.usb, .ehci, "usb-ehci"), ControllerDevice(.usb, .ich9Ehci1, "ich9-usb-ehci1"),
        ControllerDevice(.usb, .ich9Uhci1, "ich9-usb-uhci1"), ControllerDevice(.usb, .necXhci, "nec-usb-xhci"),
        ControllerDevice(.usb, .qemuXhci, "qemu-xhci"), ControllerDevice(.usb, .vt82c686bUhci, "vt82c686b-usb-uhci"),
        ControllerDevice(.usb, .pciOhci, "pci-ohci"),
        ControllerDevice(.scsi, .virtioScsi, "virtio-scsi", virtioBus: true),
        ControllerDevice(.scsi, .virtioTransitional, "virtio-scsi", virtioBus: true),
        ControllerDevice(.scsi, .virtioNonTransitional, "virtio-scsi", virtioBus: true),
        ControllerDevice(.scsi, .lsilogic, "lsi", alsoReads: ["lsi53c895a"]),
        ControllerDevice(.scsi, .lsisas1068, "mptsas1068"), ControllerDevice(.scsi, .lsisas1078, "megasas"),
        ControllerDevice(.scsi, .ibmvscsi, "spapr-vscsi"),
        ControllerDevice(.pci, .pciBridge, "pci-bridge"), ControllerDevice(.pci, .pcieRootPort, "pcie-root-port"),
        ControllerDevice(.pci, .dmiToPciBridge, "i82801b11-bridge"), ControllerDevice(.pci, .pcieToPciBridge, "pcie-pci-bridge"),
    ]

    /// The device for a controller model; nil when QEMU has none.
    static func controllerDriver(_ type: ControllerType, model: ControllerModel, virtio: (String) -> String) -> String? {
        guard let c = controllers.first(where: { $0.type == type && $0.model == model }) else { return nil }
        return c.virtioBus ? virtio(c.driver) : c.driver
    }

    /// The controller type and model a `-device` driver stands for.
    static func controller(forDriver driver: String) -> ControllerDevice? {
        controllers.first { c in
            c.virtioBus ? isVirtio(driver, c.driver) : c.driver == driver || c.alsoReads.contains(driver)
        }
    }

    // MARK: CPU modes

    /// CPU modes that are a QEMU model name; read back, a name gives its mode.
    static let cpuModes: [(mode: CPUMode, model: String)] = [(.hostPassthrough, "host"), (.maximum, "max")]

    /// The models QEMU runs an x86 guest on when `-cpu` is absent: naming one says nothing.
    static let defaultCPUModels: Set<String> = ["qemu32", "qemu64"]

    /// The `-cpu` model for a mode; nil for `custom` (the XML's model) and unknown modes.
    /// `host-model` is libvirt's expansion of the host's CPU, run as `host` under KVM and
    /// `max` under TCG; a command line cannot tell it from those, so it reads back as them.
    static func cpuModel(for mode: CPUMode, kvm: Bool) -> String? {
        if mode == .hostModel { return kvm ? "host" : "max" }
        return cpuModes.first { $0.mode == mode }?.model
    }

    static func cpuMode(forModel model: String) -> CPUMode? { cpuModes.first { $0.model == model }?.mode }

    /// QEMU's own model for an x86 guest of `arch`.
    static func defaultCPUModel(arch: String) -> String { arch == "x86_64" ? "qemu64" : "qemu32" }
}
