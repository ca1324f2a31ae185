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
}
