import Schema

/// Reads an xm config (/etc/xen/NAME) into a domain, as libvirt's XM driver did. Settings of
/// every xend version are accepted (an old `cdrom`, PV `vnc` settings, a `vfb` entry), so
/// reading needs no config version.
struct XenXMReader {
    let fileName: String
    let style: XenXMLStyle

    func read(_ text: String) throws(Diagnostic) -> Conversion {
        let config = try XenConfigParser.parse(text, fileName: fileName, dialect: .xm)
        let r = XenConfigReading(config: config, fileName: fileName)
        let common = XenConfigCommonReader(r, style: style, netfrontType: "netfront")

        var d = Domain()
        try common.readGeneral(into: &d)
        let hvm: Bool
        switch try r.strictString("builder") ?? "linux" {
        case "hvm": hvm = true
        case "linux", "generic": hvm = false
        case let other: throw r.fail(r.line("builder"), "unknown builder '\(other)' (expected 'linux' or 'hvm')")
        }
        var os = OS()
        os.type = style.osType(hvm ? "hvm" : "linux", machine: hvm ? "xenfv" : "xenpv")
        try readOS(r, hvm: hvm, into: &os, domain: &d)
        d.os = os
        try common.readMemory(into: &d)
        try common.readLifecycle(into: &d)
        try common.readCPUs(into: &d, hvm: hvm)
        try common.readClock(into: &d, hvm: hvm)

        var devices = Devices()
        // Later xm configs name the emulator `device_model_override`.
        devices.emulator = try r.string("device_model_override")
        if devices.emulator == nil { devices.emulator = try r.string("device_model") }
        try readDisks(r, hvm: hvm, into: &devices)
        // Before xend 3.0.3 an HVM CD-ROM was its own setting.
        if hvm, let cdrom = try r.string("cdrom"), !cdrom.isEmpty,
            !devices.disks.contains(where: { $0.target?.dev == "hdc" })
        {
            devices.disks.append(
                XenDevices.disk(
                    source: .file(cdrom), device: .cdrom, driverName: "file", driverType: style.defaultDiskFormat,
                    target: "hdc", bus: .ide, readonly: true))
        }
        try common.readInterfaces(into: &devices)
        try common.readPCI(into: &devices)
        if hvm { try common.readSound(into: &devices) }
        if hvm {
            try common.readUSBDevices(into: &devices)
        }
        var graphics = try common.topLevelGraphics(includePasswords: true)
        if !hvm, graphics == nil { graphics = try common.vfbGraphics(includePasswords: true) }
        if let graphics { devices.graphics = [graphics] }
        try common.readCharDevices(into: &devices, hvm: hvm)
        d.devices = devices
        style.finish(&d, hvm: hvm)
        // `usb = 1` only switches on the bus the USB inputs need; `sdl = 0` beside a VNC
        // display says nothing more.
        return Conversion(domain: d, warnings: r.ignoredSettings(besides: ["usb", "sdl"]))
    }

    private func readOS(_ r: XenConfigReading, hvm: Bool, into os: inout OS, domain d: inout Domain)
        throws(Diagnostic)
    {
        if hvm {
            guard let loader = try r.string("kernel") else {
                throw r.fail(1, "config value kernel was missing (the HVM firmware, e.g. hvmloader)")
            }
            var l = Loader(path: loader)
            if style.romLoaderType { l.type = "rom" }
            os.loader = l
            os.boots = XenDevices.bootDevices(try r.string("boot") ?? "c")
        } else {
            d.bootloader = try r.string("bootloader")
            d.bootloaderArgs = try r.string("bootargs")
            os.kernel = try r.string("kernel")
            os.initrd = try r.string("ramdisk")
            let extra = try r.string("extra")
            if let root = try r.string("root") {
                os.cmdline = extra.map { "root=\(root) \($0)" } ?? "root=\(root)"
            } else {
                os.cmdline = extra
            }
        }
    }

    private func readDisks(_ r: XenConfigReading, hvm: Bool, into devices: inout Devices) throws(Diagnostic) {
        for (spec, line) in try r.strings("disk") {
            switch XenXMDiskSpec.parse(spec, hvm: hvm, style: style) {
            case .success(let disk): devices.disks.append(disk)
            case .failure(let e): throw r.fail(line, e.message)
            }
        }
    }
}

