import Schema

/// Reads a xend domain S-expression (`(domain (domid 3)(name 'fvtest')(image (hvm …))…)`)
/// into a domain, the way libvirt's xend driver interpreted it.
struct XenSexprReader {
    let fileName: String
    /// xend_config_format of the host that produced the text (see `XenSexprFormat`).
    let configVersion: Int
    let style = XenXMLStyle(blktapAioType: "aio")

    private func fail(_ node: SExpr, _ message: String) -> Diagnostic {
        Diagnostic(file: fileName, line: max(node.line, 1), message: message)
    }

    func read(_ text: String) throws(Diagnostic) -> Conversion {
        var parser = SExprParser(text, fileName: fileName)
        let root = try parser.document()
        // xend answers with (domain …); the creation form libvirt sends is (vm …).
        guard root.head == "domain" || root.head == "vm" else {
            throw fail(root, "expected a (domain …) S-expression")
        }
        var warnings = parser.warnings
        var d = Domain()
        d.type = .xen

        var id = -1
        if let node = root.child("domid") {
            guard let v = node.value, let n = Int(v) else { throw fail(node, "invalid domid") }
            id = n
            d.id = n
        }

        guard let name = root.value(at: "name") else {
            throw fail(root, "domain information incomplete, missing name")
        }
        d.name = name
        guard let uuidNode = root.child("uuid"), let raw = uuidNode.value else {
            throw fail(root, "domain information incomplete, missing uuid")
        }
        guard let uuid = UUIDValue(xmlValue: raw) else {
            throw fail(uuidNode, "invalid uuid '\(raw)'")
        }
        d.uuid = uuid
        d.description = root.value(at: "description")

        let image = root.child("image")
        let hvmImage = image?.child("hvm")
        let hvm = hvmImage != nil
        let osImage = hvmImage ?? image?.child("linux")

        var os = OS()
        os.type = OSType(hvm ? "hvm" : "linux")
        if !hvm {
            if let node = root.child("bootloader") {
                d.bootloader = node.value ?? ""
                d.bootloaderArgs = root.value(at: "bootloader_args")
            }
        }
        if id != 0, let osImage {
            try readOS(osImage, hvm: hvm, bootloader: d.bootloader, into: &os)
        }
        d.os = os

        try readMemory(root, into: &d)
        try readVCPUs(root, into: &d)
        d.onPoweroff = try lifecycle(root, "on_poweroff", default: .destroy)
        d.onReboot = try lifecycle(root, "on_reboot", default: .restart)
        d.onCrash = try lifecycle(root, "on_crash", default: .destroy)

        if let hvmImage { d.features = features(hvmImage) }
        d.clock = try clock(root, image: osImage, hvm: hvm)

        var devices = Devices()
        devices.emulator = osImage?.value(at: "device_model")
        try readDisks(root, hvm: hvm, hvmImage: hvmImage, into: &devices)
        try readInterfaces(root, domainID: id, into: &devices)
        try readPCI(root, into: &devices)
        if let g = try vfbGraphics(root) {
            devices.graphics = [g]
        } else if let osImage, let g = imageGraphics(osImage, domainID: id) {
            devices.graphics = [g]
        }
        if let hvmImage { try readUSB(hvmImage, into: &devices, warnings: &warnings) }
        if !devices.graphics.isEmpty { style.addImplicitInputs(&devices, hvm: hvm) }
        if let hvmImage {
            try readCharDevices(hvmImage, into: &devices)
            if let node = hvmImage.child("soundhw"), let list = node.value, !list.isEmpty {
                switch XenDevices.sounds(list) {
                case .success(let s): devices.sounds = s
                case .failure(let e): throw fail(node, e.message)
                }
            }
        } else if id != 0 {
            devices.consoles = [XenDevices.pvConsole()]
        }
        d.devices = devices
        return Conversion(domain: d, warnings: warnings)
    }

    // MARK: OS

    private func readOS(_ image: SExpr, hvm: Bool, bootloader: String?, into os: inout OS)
        throws(Diagnostic)
    {
        if hvm {
            // Old xend named the firmware `kernel`; newer ones say `loader` and keep
            // `kernel` for direct kernel boot.
            if let loader = image.value(at: "loader") {
                os.loader = Loader(path: loader)
                os.kernel = image.value(at: "kernel")
                os.initrd = image.value(at: "ramdisk")
                os.cmdline = image.value(at: "args")
                os.root = image.value(at: "root")
            } else if let kernel = image.value(at: "kernel") {
                os.loader = Loader(path: kernel)
            } else {
                throw fail(image, "domain information incomplete, missing HVM loader")
            }
            if let k = os.kernel, k.isEmpty || k == os.loader?.path { os.kernel = nil }
            if os.kernel == nil, let boot = image.value(at: "boot"), !boot.isEmpty {
                os.boots = XenDevices.bootDevices(boot)
            }
        } else {
            os.kernel = image.value(at: "kernel")
            os.initrd = image.value(at: "ramdisk")
            os.cmdline = image.value(at: "args")
            os.root = image.value(at: "root")
            if os.kernel == nil && bootloader == nil {
                throw fail(image, "domain information incomplete, missing kernel & bootloader")
            }
        }
    }

    // MARK: Scalars

    private func number(_ node: SExpr, _ what: String) throws(Diagnostic) -> UInt64 {
        guard let v = node.value, let n = UInt64(v) else {
            throw fail(node, "invalid \(what) '\(node.value ?? "")'")
        }
        return n
    }

    private func readMemory(_ root: SExpr, into d: inout Domain) throws(Diagnostic) {
        let memoryNode = root.child("memory")
        let maxNode = root.child("maxmem")
        let current = try memoryNode.map { n throws(Diagnostic) in try number(n, "memory") }
        let maximum = try maxNode.map { n throws(Diagnostic) in try number(n, "maxmem") }
        guard let total = maximum ?? current else { return }
        let cur = min(current ?? total, total)
        d.memory = MemorySize(kibibytes: total << 10)
        d.currentMemory = MemorySize(kibibytes: cur << 10)
    }

    private func readVCPUs(_ root: SExpr, into d: inout Domain) throws(Diagnostic) {
        var count: UInt64 = 1
        if let node = root.child("vcpus") { count = try number(node, "vcpus") }
        var current: UInt?
        if let node = root.child("vcpu_avail") {
            let bits = UInt(try number(node, "vcpu_avail").nonzeroBitCount)
            if bits > 0 && bits <= count { current = bits }
        }
        d.vcpu = style.vcpu(max: UInt(count), current: current, cpuset: root.value(at: "cpus"))
    }

    private func lifecycle(_ root: SExpr, _ name: String, default value: LifecycleAction)
        throws(Diagnostic) -> LifecycleAction
    {
        guard let node = root.child(name), let v = node.value else { return value }
        let action = LifecycleAction(xmlValue: v)
        guard action.isKnown else { throw fail(node, "unknown lifecycle type \(v)") }
        return action
    }

    private func flag(_ image: SExpr, _ name: String) -> Bool {
        guard let v = image.value(at: name), let n = Int(v) else { return false }
        return n != 0
    }

    private func features(_ image: SExpr) -> Features? {
        var f = Features()
        if flag(image, "acpi") { f.acpi = FeatureSwitch() }
        if flag(image, "apic") { f.apic = FeatureSwitch() }
        if flag(image, "pae") { f.pae = FeatureSwitch() }
        if flag(image, "hap") { f.hap = FeatureSwitch() }
        if flag(image, "viridian") { f.viridian = FeatureSwitch() }
        return f == Features() ? nil : f
    }

    private func clock(_ root: SExpr, image: SExpr?, hvm: Bool) throws(Diagnostic) -> Clock {
        // xend 3.0.3 added a top-level `localtime`; the image's own setting wins.
        var localtime = false
        for node in [root.child("localtime"), image?.child("localtime")].compactMap({ $0 }) {
            guard let v = node.value, let n = Int(v) else {
                throw fail(node, "unknown localtime offset \(node.value ?? "")")
            }
            localtime = n != 0
        }
        let offset = image.flatMap { Int($0.value(at: "rtc_timeoffset") ?? "") } ?? 0
        var c = style.clock(hvm: hvm, localtime: localtime, rtcOffset: offset)
        if hvm, let hpet = image?.child("hpet") {
            c.timers = [Clock.Timer(name: "hpet", present: Int(hpet.value ?? "") ?? 0 != 0)]
        }
        return c
    }

    // MARK: Disks

    private func readDisks(_ root: SExpr, hvm: Bool, hvmImage: SExpr?, into devices: inout Devices)
        throws(Diagnostic)
    {
        for device in root.children("device") {
            // blktap disks sit in (tap …) or (tap2 …) rather than (vbd …).
            guard let node = device.child("vbd") ?? device.child("tap") ?? device.child("tap2")
            else { continue }
            let disk = try readDisk(node, hvm: hvm)
            if node.value(at: "bootable") == "1", !devices.disks.isEmpty {
                // xend lists the boot disk first; the one it displaces goes last.
                devices.disks.append(devices.disks[0])
                devices.disks[0] = disk
            } else {
                devices.disks.append(disk)
            }
        }
        guard let hvmImage else { return }
        // xend 3.0.2 kept the CD-ROM and floppies in the image rather than as devices.
        if let cdrom = hvmImage.value(at: "cdrom"), !cdrom.isEmpty,
            !devices.disks.contains(where: { $0.target?.dev == "hdc" })
        {
            devices.disks.append(
                XenDevices.disk(
                    source: .file(cdrom), device: .cdrom, driverName: "file", driverType: nil,
                    target: "hdc", bus: .ide, readonly: true))
        }
        for fd in ["fda", "fdb"] {
            if let path = hvmImage.value(at: fd), !path.isEmpty {
                devices.disks.append(
                    XenDevices.disk(
                        source: .file(path), device: .floppy, driverName: "file",
                        driverType: nil, target: fd, bus: .fdc))
            }
        }
    }

    private func readDisk(_ node: SExpr, hvm: Bool) throws(Diagnostic) -> Disk {
        guard var dst = node.value(at: "dev") else {
            throw fail(node, "domain information incomplete, vbd has no dev")
        }
        if dst.hasPrefix("ioemu:") { dst.removeFirst(6) }
        let uname = node.value(at: "uname")
        var source: DiskSource = .file(nil)
        var driverName: String?
        var driverType: String?
        if let uname {
            guard let colon = uname.firstIndex(of: ":") else {
                throw fail(node, "cannot parse vbd filename '\(uname)', missing driver name")
            }
            var driver = String(uname[..<colon])
            var path = Substring(uname[uname.index(after: colon)...])
            if node.head == "tap2" && driver == "tap" { driver = "tap2" }
            if driver == "tap" || driver == "tap2" {
                guard let sub = path.firstIndex(of: ":") else {
                    throw fail(node, "cannot parse vbd filename '\(uname)', missing driver type")
                }
                let type = String(path[..<sub])
                guard let format = XenDiskFormats.format(forBlktapType: type) else {
                    throw fail(node, "unknown driver type '\(type)' in '\(uname)'")
                }
                driverType = type == "aio" ? style.blktapAioType : format
                path = path[path.index(after: sub)...]
            }
            driverName = driver
            source = driver == "phy" ? .block(String(path)) : .file(String(path))
        } else {
            // Only an HVM CD-ROM drive may come without media.
            let suffix = dst.firstIndex(of: ":").map { dst[$0...] }
            guard hvm, suffix == ":cdrom" else {
                throw fail(node, "domain information incomplete, vbd has no src")
            }
        }
        var device = DiskDevice.disk
        if let colon = dst.lastIndex(of: ":") {
            if dst[colon...] == ":cdrom" { device = .cdrom }
            dst = String(dst[..<colon])
        }
        let mode = node.value(at: "mode") ?? ""
        return XenDevices.disk(
            source: source, device: device, driverName: driverName, driverType: driverType,
            target: dst, bus: XenDevices.sexprBus(forTarget: dst), readonly: mode.contains("r"),
            shareable: mode.contains("!"))
    }

    // MARK: Network

    private func readInterfaces(_ root: SExpr, domainID: Int, into devices: inout Devices)
        throws(Diagnostic)
    {
        var index = 0
        for device in root.children("device") {
            guard let vif = device.child("vif") else { continue }
            var nic = Interface()
            let script = vif.value(at: "script")
            let bridge = vif.value(at: "bridge")
            if bridge != nil || script == "vif-bridge" {
                var s = BridgeInterfaceSource()
                s.bridge = bridge
                nic.source = .bridge(bridge == nil ? nil : s)
            } else {
                nic.source = .ethernet(nil)
            }
            if let script { nic.script = PathAttribute(script) }
            if let ip = vif.value(at: "ip") { nic.ips = [InterfaceIP(address: ip)] }
            if let name = vif.value(at: "vifname") {
                nic.target = InterfaceTarget(dev: name)
            } else if domainID != -1 {
                nic.target = InterfaceTarget(dev: "vif\(domainID).\(index)")
            }
            if let mac = vif.child("mac") {
                guard let m = mac.value, let addr = XenMAC.normalized(m) else {
                    throw fail(mac, "malformed mac address '\(mac.value ?? "")'")
                }
                nic.mac = MACElement(addr)
            }
            if let model = vif.value(at: "model") {
                nic.model = TypeAttribute(model)
            } else if vif.value(at: "type") == "netfront" {
                nic.model = TypeAttribute("netfront")
            }
            if let rateNode = vif.child("rate"), let rate = rateNode.value {
                guard let kbps = XenDevices.vifRate(rate) else {
                    throw fail(rateNode, "invalid rate '\(rate)' specified")
                }
                nic.bandwidth = XenDevices.bandwidth(outboundKBps: kbps)
            }
            devices.interfaces.append(nic)
            index += 1
        }
    }

    // MARK: PCI

    private func readPCI(_ root: SExpr, into devices: inout Devices) throws(Diagnostic) {
        // One (device (pci (dev …) (dev …))) holds every passed-through function.
        guard let pci = root.children("device").lazy.compactMap({ $0.child("pci") }).first else {
            return
        }
        for dev in pci.children("dev") {
            var parts: [UInt] = []
            for field in ["domain", "bus", "slot", "func"] {
                guard let raw = dev.value(at: field) else {
                    throw fail(dev, "missing PCI \(field)")
                }
                guard let n = XenNumbers.cInteger(raw) else {
                    throw fail(dev, "cannot parse PCI \(field) '\(raw)'")
                }
                parts.append(n)
            }
            devices.hostdevs.append(
                XenDevices.pciHostdev(domain: parts[0], bus: parts[1], slot: parts[2], function: parts[3]))
        }
    }

    // MARK: Graphics

    /// The (device (vfb …)) of PV guests since xend 3.0.4 and HVM guests since 3.0.5. A vfb
    /// naming no display type is the legacy entry xend adds beside the image's settings,
    /// which then decide.
    private func vfbGraphics(_ root: SExpr) throws(Diagnostic) -> Graphics? {
        guard let vfb = root.children("device").lazy.compactMap({ $0.child("vfb") }).first else {
            return nil
        }
        let type: String
        if let t = vfb.value(at: "type") {
            type = t
        } else if vfb.value(at: "vnc") != nil {
            type = "vnc"
        } else if vfb.value(at: "sdl") != nil {
            type = "sdl"
        } else {
            return nil
        }
        switch type {
        case "sdl":
            return XenDevices.sdl(display: vfb.value(at: "display"), xauth: vfb.value(at: "xauthority"))
        case "vnc":
            var port = -1
            if let s = vfb.value(at: "vncdisplay"), let n = XenNumbers.cInteger(s) { port = Int(n) }
            let autoport = vfb.value(at: "vncunused") == "1" || port == -1
            if port >= 0 && port < 5900 { port += 5900 }
            return XenDevices.vnc(
                port: port, autoport: autoport, listen: vfb.value(at: "vnclisten"), passwd: nil,
                keymap: vfb.value(at: "keymap"))
        default:
            throw fail(vfb, "unknown graphics type '\(type)'")
        }
    }

    /// Display settings in the image: HVM guests, and PV guests before xend 3.0.4.
    private func imageGraphics(_ image: SExpr, domainID: Int) -> Graphics? {
        if image.value(at: "vnc")?.hasPrefix("1") == true {
            var port = -1
            if let s = image.value(at: "vncdisplay"), let n = XenNumbers.cInteger(s) {
                port = Int(n) + (n < 5900 ? 5900 : 0)
            }
            let unused = image.value(at: "vncunused") == "1"
            // Before xend 3.0.3 the server always listened on 5900 + domain id.
            if port == -1 && !unused && configVersion < 2 && domainID >= 0 {
                port = 5900 + domainID
            }
            // libvirt's domxml-from-native leaves passwords out of the XML it prints.
            return XenDevices.vnc(
                port: port, autoport: unused || port == -1, listen: image.value(at: "vnclisten"),
                passwd: nil, keymap: image.value(at: "keymap"))
        }
        if image.value(at: "sdl")?.hasPrefix("1") == true {
            return XenDevices.sdl(
                display: image.value(at: "display"), xauth: image.value(at: "xauthority"))
        }
        return nil
    }

    // MARK: HVM devices

    private func readUSB(_ image: SExpr, into devices: inout Devices, warnings: inout [String])
        throws(Diagnostic)
    {
        for node in image.children("usbdevice") {
            guard let v = node.value, !v.isEmpty else { continue }
            switch v {
            case "tablet": devices.inputs.append(Input(type: .tablet, bus: .usb))
            case "mouse": devices.inputs.append(Input(type: .mouse, bus: .usb))
            case "keyboard": devices.inputs.append(Input(type: .keyboard, bus: .usb))
            default: warnings.append("usbdevice '\(v)' is not an input device and was left out")
            }
        }
    }

    private func charDevice(_ node: SExpr, _ spec: String) throws(Diagnostic) -> CharEndpoint {
        switch XenCharSpec.parse(spec) {
        case .success(let e): return e
        case .failure(let e): throw fail(node, e.message)
        }
    }

    private func readCharDevices(_ image: SExpr, into devices: inout Devices) throws(Diagnostic) {
        if let node = image.child("serial") {
            if let list = node.arguments.first, list.isList {
                // (serial (/dev/ttyS0 none pty)): one entry per port, `none` skips one.
                for (port, item) in list.items.enumerated() {
                    guard let spec = item.atom, spec != "none" else { continue }
                    devices.serials.append(
                        XenDevices.charDevice(try charDevice(item, spec), port: UInt(port)))
                }
            } else if let spec = node.value, spec != "none" {
                devices.serials.append(XenDevices.charDevice(try charDevice(node, spec), port: 0))
            }
        }
        if let node = image.child("parallel"), let spec = node.value, spec != "none" {
            devices.parallels.append(XenDevices.charDevice(try charDevice(node, spec), port: 0))
        }
        if let first = devices.serials.first {
            devices.consoles = [XenDevices.consoleMirroring(first)]
        }
    }
}
