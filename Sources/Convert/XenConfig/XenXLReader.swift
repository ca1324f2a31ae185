import Schema

/// Reads an xl.cfg into a domain, as libvirt's libxl driver did.
struct XenXLReader {
    let fileName: String
    let style: XenXMLStyle

    /// The firmware libvirt's capabilities name for HVM guests.
    static let hvmLoader = "/usr/lib/xen/boot/hvmloader"
    /// Where libxl installs OVMF; libvirt printed the build-time directory name as is.
    static let ovmfLoader = "/LIBXL_FIRMWARE_DIR/ovmf.bin"

    enum GuestType { case pv, hvm, pvh }

    func read(_ text: String) throws(Diagnostic) -> Conversion {
        let config = try XenConfigParser.parse(text, fileName: fileName, dialect: .xl)
        let r = XenConfigReading(config: config, fileName: fileName)
        let common = XenConfigCommonReader(r, style: style, netfrontType: "vif")
        var warnings: [String] = []

        var d = Domain()
        try common.readGeneral(into: &d)
        let type = try guestType(r)
        let hvm = type == .hvm
        var os = OS()
        switch type {
        case .hvm: os.type = style.osType("hvm", machine: "xenfv")
        case .pv: os.type = style.osType("linux", machine: "xenpv")
        case .pvh: os.type = style.osType("xenpvh", machine: "xenpvh")
        }
        try readOS(r, hvm: hvm, into: &os, domain: &d, warnings: &warnings)
        d.os = os
        try common.readMemory(into: &d)
        try common.readLifecycle(into: &d)
        try common.readCPUs(into: &d, hvm: hvm)
        if hvm { try readNestedAndCPUID(r, into: &d) }
        try readVNUMA(r, into: &d)
        try common.readClock(into: &d, hvm: hvm)

        var devices = Devices()
        devices.emulator = try r.string("device_model_override")
        if devices.emulator == nil { devices.emulator = try r.string("device_model") }
        try readDisks(r, hvm: hvm, into: &devices)
        try common.readInterfaces(into: &devices)
        try readPCI(r, into: &devices)
        if hvm { try common.readSound(into: &devices) }
        if hvm {
            if let g = try common.topLevelGraphics(includePasswords: true) {
                devices.graphics = [g]
            } else if let g = try spice(r) {
                devices.graphics = [g]
            }
            try common.readUSBDevices(into: &devices)
        } else if let g = try common.vfbGraphics(includePasswords: true) {
            devices.graphics = [g]
        }
        try common.readCharDevices(into: &devices, hvm: hvm)
        try readChannels(r, into: &devices)
        try readUSB(r, into: &devices, warnings: &warnings)
        if let frames = try r.number("max_grant_frames"), frames > 0 {
            var xenbus = Controller(type: .xenbus, index: 0)
            xenbus.maxGrantFrames = UInt(frames)
            devices.controllers.append(xenbus)
        }
        d.devices = devices
        style.finish(&d, hvm: hvm)
        // `usb`, `sdl = 0` and `spicevdagent` only switch on what the devices read need.
        warnings += r.ignoredSettings(besides: ["usb", "sdl", "spicevdagent", "builder"])
        return Conversion(domain: d, warnings: warnings)
    }

    private func guestType(_ r: XenConfigReading) throws(Diagnostic) -> GuestType {
        if let t = try r.strictString("type") {
            switch t {
            case "pv": return .pv
            case "hvm": return .hvm
            case "pvh": return .pvh
            default: throw r.fail(r.line("type"), "unknown guest type '\(t)' (expected pv, hvm or pvh)")
            }
        }
        switch try r.strictString("builder") ?? "generic" {
        case "hvm": return .hvm
        case "generic", "linux": return .pv
        case let other: throw r.fail(r.line("builder"), "unknown builder '\(other)' (expected 'generic' or 'hvm')")
        }
    }

    /// `cmdline`, or the older `root` and `extra` it replaces.
    private func cmdline(_ r: XenConfigReading, warnings: inout [String]) throws(Diagnostic) -> String? {
        let root = try r.string("root")
        let extra = try r.string("extra")
        if let c = try r.string("cmdline") {
            if root != nil || extra != nil { warnings.append("ignoring root= and extra= in favour of cmdline=") }
            return c
        }
        switch (root, extra) {
        case (let root?, let extra?): return "root=\(root) \(extra)"
        case (let root?, nil): return "root=\(root)"
        case (nil, let extra?): return extra
        case (nil, nil): return nil
        }
    }

    private func readOS(
        _ r: XenConfigReading, hvm: Bool, into os: inout OS, domain d: inout Domain, warnings: inout [String]
    ) throws(Diagnostic) {
        if hvm {
            if try r.string("bios") == "ovmf" {
                var l = Loader(path: Self.ovmfLoader)
                l.readonly = .yes
                l.type = "pflash"
                os.loader = l
            } else {
                var l = Loader(path: Self.hvmLoader)
                if style.romLoaderType { l.type = "rom" }
                os.loader = l
            }
            os.kernel = try r.string("kernel")
            os.initrd = try r.string("ramdisk")
            os.cmdline = try cmdline(r, warnings: &warnings)
            os.boots = XenDevices.bootDevices(try r.string("boot") ?? "c")
        } else {
            d.bootloader = try r.string("bootloader")
            d.bootloaderArgs = try r.string("bootargs")
            os.kernel = try r.string("kernel")
            os.initrd = try r.string("ramdisk")
            os.cmdline = try cmdline(r, warnings: &warnings)
        }
    }
}
