import Schema

/// The command line libvirt wrote for QEMU before 0.12: `-drive if=ide,index=N` (or `-hda`),
/// `-net nic` + `-net tap`, `-serial pty`, `-monitor pty`.
extension ArgvBuild {
    mutating func buildLegacy() throws(Diagnostic) {
        try refuseWhatLegacyCannotExpress()
        add("-S")
        if let m = machine { add("-M", try checked(m, "machine type", line: domain.line)) }
        if domain.type == .qemu && caps.has(.kqemu) { add("-no-kqemu") }
        if domain.type == .kvm && caps.has(.enableKVM) { add("-enable-kvm") }
        add("-m", String(memoryMiB))
        add("-smp", String(vcpuCount))
        if caps.has(.name), let name = domain.name { add("-name", name) }
        if caps.has(.uuid), let uuid = domain.uuid { add("-uuid", uuid.xmlValue) }
        if devices.graphics.isEmpty { add("-nographic") }
        add("-monitor", "pty")
        if domain.clock?.effectiveOffset == .localtime { add("-localtime") }
        try warnIfClockStartIsLost()
        warnIfMemoryCannotBeLocked()
        if lifecycleNoReboot { add("-no-reboot") }
        if isX86 && domain.features?.acpi == nil { add("-no-acpi") }
        if hasKernel {
            try addKernel()
        } else {
            add("-boot", bootLetters)
        }
        for disk in devices.disks { try legacyDisk(disk) }
        if devices.interfaces.isEmpty {
            add("-net", "none")
        } else {
            for (i, nic) in devices.interfaces.enumerated() { try legacyNIC(nic, vlan: i) }
        }
        if devices.serials.isEmpty {
            add("-serial", "none")
        } else {
            for s in devices.serials { add("-serial", try legacyCharDev(s)) }
        }
        if devices.parallels.isEmpty {
            add("-parallel", "none")
        } else {
            for p in devices.parallels { add("-parallel", try legacyCharDev(p)) }
        }
        add("-usb")
        for input in devices.inputs where input.bus == .usb {
            add("-usbdevice", input.type?.xmlValue ?? "mouse")
        }
        for g in devices.graphics { try legacyGraphics(g) }
        let sounds = devices.sounds.compactMap(\.model?.xmlValue)
        if !sounds.isEmpty { add("-soundhw", sounds.joined(separator: ",")) }
        for h in devices.hostdevs { try legacyHostdev(h) }
    }

    /// QEMU before 0.12 had no options for these; refusing beats dropping them unseen.
    func refuseWhatLegacyCannotExpress() throws(Diagnostic) {
        func refuse(_ what: String, _ line: Int, _ element: String) -> Diagnostic {
            fail("\(what) cannot be expressed for QEMU \(caps.version) (needs 0.12 or later)", line: line, element: element)
        }
        if let c = devices.channels.first { throw refuse("a channel", c.line, "channel") }
        if let c = devices.consoles.first(where: { ($0.target?.type ?? "serial") != "serial" }) {
            throw refuse("a \(c.target?.type ?? "") console", c.line, "console")
        }
        if let i = devices.inputs.first(where: { ![.ps2, .usb].contains($0.bus ?? .ps2) || ($0.bus == .usb && $0.type == .passthrough) }) {
            throw refuse("an input on bus \(i.bus?.xmlValue ?? "")", i.line, "input")
        }
        if let w = devices.watchdogs.first { throw refuse("a watchdog", w.line, "watchdog") }
        if let r = devices.rngs.first { throw refuse("a random number generator", r.line, "rng") }
        // Platform panic notifiers (s390, pseries) are the machine's own; only pvpanic is a device.
        if let p = devices.panics.first(where: { $0.model == "isa" || ($0.model == nil && isX86) }) {
            throw refuse("a panic device", p.line, "panic")
        }
        if let b = devices.memballoon, b.model != "none" { throw refuse("a memory balloon", b.line, "memballoon") }
        if let v = devices.videos.first(where: { $0.model?.type != .cirrus && $0.model?.type != .vga }) {
            throw refuse("video model \(v.model?.type?.xmlValue ?? "")", v.line, "video")
        }
        if domain.cpu?.numa != nil || domain.maxMemory != nil { throw refuse("NUMA or memory hotplug", domain.line, "cpu") }
        if let f = devices.filesystems.first { throw refuse("a shared filesystem", f.line, "filesystem") }
        if let r = devices.redirdevs.first { throw refuse("USB redirection", r.line, "redirdev") }
        if let h = devices.hubs.first { throw refuse("a USB hub", h.line, "hub") }
        if let v = devices.vsock { throw refuse("a vsock", v.line, "vsock") }
        if let m = devices.iommu { throw refuse("an IOMMU", m.line, "iommu") }
    }

    mutating func legacyDisk(_ disk: Disk) throws(Diagnostic) {
        guard let dev = disk.targetDev, let index = DiskNames.index(of: dev) else {
            throw fail("disk has no usable target name", line: disk.line, element: "disk")
        }
        let path = try disk.sourcePath.map { (p: String) throws(Diagnostic) -> String in try checked(p, "disk path", line: disk.line) }
        if case .network? = disk.source {
            throw fail("network disks cannot be expressed for QEMU \(caps.version) (needs 0.12 or later)", line: disk.line, element: "disk")
        }
        guard caps.has(.drive) else {
            let option: String
            switch (disk.effectiveDevice, dev) {
            case (.cdrom, _): option = "-cdrom"
            case (.floppy, _): option = index == 0 ? "-fda" : "-fdb"
            default:
                guard disk.effectiveBus == .ide, index < 4 else {
                    throw fail("'\(dev)' cannot be expressed without -drive", line: disk.line, element: "target")
                }
                option = "-hd" + String(UnicodeScalar(UInt8(97 + index)))
            }
            guard let path else { return }
            add(option, path)
            return
        }
        var opts = QemuOptionList()
        opts.append("file", path)
        let bus = disk.effectiveBus
        let iface: String
        switch bus {
        case .ide: iface = "ide"
        case .scsi: iface = "scsi"
        case .virtio: iface = "virtio"
        case .fdc: iface = "floppy"
        case .xen: iface = "xen"
        case .sd: iface = "sd"
        default:
            throw fail("disk bus '\(bus.xmlValue)' cannot be expressed for QEMU \(caps.version) (its -drive has no such interface)", line: disk.line, element: "target")
        }
        opts.append("if", iface)
        opts.append("index", String(index))
        if disk.effectiveDevice == .cdrom { opts.append("media", "cdrom") }
        if caps.has(.driveFormat), let format = disk.driver?.type { opts.append("format", format) }
        if let cache = disk.driver?.cache { opts.append("cache", legacyCache(cache)) }
        add("-drive", opts.rendered)
    }

    func legacyCache(_ mode: String) -> String {
        switch mode {
        case "none": "off"
        case "writeback", "writethrough": "on"
        default: mode
        }
    }

    mutating func legacyNIC(_ nic: Interface, vlan: Int) throws(Diagnostic) {
        var front = QemuOptionList()
        front.append(flag: "nic")
        front.append("macaddr", try checked(mac(for: nic, index: vlan), "MAC address", line: nic.line))
        front.append("vlan", String(vlan))
        if let model = nic.modelType { front.append("model", try checked(model, "NIC model", line: nic.line)) }
        add("-net", front.rendered)
        var back = QemuOptionList()
        switch nic.source {
        case .user?, nil:
            back.append(flag: "user")
        case .ethernet?, .bridge?, .network?:
            back.append(flag: "tap")
            if let t = nic.target?.dev { back.append("ifname", try checked(t, "tap name", line: nic.line)) }
            back.append("script", try checked(nic.script?.path ?? "/etc/qemu-ifup", "script path", line: nic.line))
        case .mcast(let s)?:
            back.append(flag: "socket")
            back.append("mcast", try socketAddress(s, nic))
        case .server(let s)?:
            back.append(flag: "socket")
            back.append("listen", try socketAddress(s, nic))
        case .client(let s)?:
            back.append(flag: "socket")
            back.append("connect", try socketAddress(s, nic))
        default:
            throw fail(
                "interface type '\(nic.source?.tag ?? "")' is not supported by QEMU before 0.12", line: nic.line,
                element: "interface")
        }
        back.append("vlan", String(vlan))
        add("-net", back.rendered)
    }

    func socketAddress(_ s: SocketInterfaceSource?, _ nic: Interface) throws(Diagnostic) -> String {
        guard let port = s?.port else {
            throw fail("socket interface needs a source port", line: nic.line, element: "source")
        }
        return try checked((s?.address ?? "") + ":" + String(port), "socket address", line: nic.line)
    }

    /// The legacy `-serial`/`-parallel` backend spelling.
    func legacyCharDev(_ c: CharDevice) throws(Diagnostic) -> String {
        let text: String
        switch c.endpoint {
        case .pty: text = "pty"
        case .dev(let path): text = path
        case .file(let path, _): text = "file:" + path
        case .pipe(let path): text = "pipe:" + path
        case .stdio: text = "stdio"
        case .null: text = "null"
        case .vc: text = "vc"
        case .unix(let path, let listen): text = "unix:" + path + (listen ? ",server,nowait" : "")
        case .tcp(let host, let service, let listen, let telnet):
            text = (telnet ? "telnet:" : "tcp:") + (host ?? "") + ":" + service + (listen ? ",server,nowait" : "")
        case .udp(let host, let service, let bindHost, let bindService):
            var t = "udp:" + (host ?? "") + ":" + service
            if bindHost != nil || bindService != nil { t += "@" + (bindHost ?? "") + ":" + (bindService ?? "") }
            text = t
        case .spicevmc, .spiceport, .other:
            throw fail("character device type '\(c.type?.xmlValue ?? "")' is not supported by this QEMU", line: c.line)
        }
        return try checked(text, "character device", line: c.line)
    }

    mutating func legacyGraphics(_ g: Graphics) throws(Diagnostic) {
        switch g.type {
        case .vnc?:
            let listen = g.listenAddress ?? "127.0.0.1"
            let display = (g.autoport == .yes || (g.port ?? -1) < 5900) ? 0 : (g.port! - 5900)
            var opts = QemuOptionList()
            opts.append(nil, try checked(vncHost(listen) + ":" + String(display), "VNC listen address", line: g.line))
            if g.passwd != nil { opts.append(flag: "password") }
            add("-vnc", opts.rendered)
            if let k = g.keymap { add("-k", try checked(k, "keymap", line: g.line)) }
        case .sdl?:
            break  // SDL is QEMU's default display; DISPLAY/XAUTHORITY come from the environment
        default:
            throw fail("graphics type '\(g.type?.xmlValue ?? "")' is not supported by this QEMU", line: g.line)
        }
    }

    func vncHost(_ listen: String) -> String {
        listen.contains(":") && !listen.hasPrefix("[") ? "[\(listen)]" : listen
    }

    mutating func legacyHostdev(_ h: Hostdev) throws(Diagnostic) {
        guard let source = h.source else { return }
        switch source {
        case .usb(let usb):
            if let v = usb?.vendor?.id, let p = usb?.product?.id {
                add("-usbdevice", try checked("host:\(hex4(v)):\(hex4(p))", "USB id", line: h.line))
            } else if let a = usb?.address, let bus = a.bus, let dev = a.device {
                add("-usbdevice", try checked("host:\(bus).\(dev)", "USB address", line: h.line))
            }
        case .pci(let pci):
            guard let a = pci?.address, let bus = DeviceAddress.number(a.bus), let slot = DeviceAddress.number(a.slot),
                let fn = DeviceAddress.number(a.function)
            else { throw fail("PCI hostdev needs a source address", line: h.line, element: "hostdev") }
            add("-pcidevice", "host=" + hex(bus, 2) + ":" + hex(slot, 2) + "." + String(fn, radix: 16))
        default:
            throw fail("hostdev type '\(h.type ?? "")' is not supported by this QEMU", line: h.line)
        }
    }

    /// A 4-digit hex id from '0x1234' or '1234'.
    func hex4(_ s: String) -> String {
        let digits = s.hasPrefix("0x") || s.hasPrefix("0X") ? String(s.dropFirst(2)) : s
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits.lowercased()
    }

    func hex(_ v: UInt, _ width: Int) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }

    /// The interface's MAC, or one derived from the domain's identity so repeated
    /// conversions agree (52:54:00 is QEMU's locally administered prefix).
    func mac(for nic: Interface, index: Int) -> String {
        if let m = nic.macAddress { return m.lowercased() }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in ((domain.uuid?.xmlValue ?? domain.name ?? "") + "/\(index)").utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        let bytes = [UInt8(h & 0xff), UInt8((h >> 8) & 0xff), UInt8((h >> 16) & 0xff)]
        return "52:54:00:" + bytes.map { hexByte2($0) }.joined(separator: ":")
    }

    private func hexByte2(_ b: UInt8) -> String {
        let s = String(b, radix: 16)
        return s.count == 1 ? "0" + s : s
    }
}
