import Schema

/// Writes a domain as the `(vm …)` S-expression libvirt's xend driver sent to xend.
///
/// The xend config version decides a few shapes: before 2 (Xen 3.0.2) HVM disks carry an
/// `ioemu:` prefix, the CD-ROM sits in the image and VNC takes no options; before 3, PV
/// displays are image settings rather than a (device (vfb …)); up to 3, HVM NICs say
/// `(type ioemu)`.
struct XenSexprWriter {
    let fileName: String
    let configVersion: Int
    /// What the document says that this config version cannot carry, by element and line.
    let warnings = WarningList()

    func write(_ domain: Domain) throws(Diagnostic) -> String {
        let view = XenDomainView(domain, fileName: fileName)
        let expr = try build(view)
        for g in view.devices.graphics.dropFirst() {
            warnings.add("line \(g.line): element graphics: xend takes one display; this one is not written")
        }
        do {
            return try SExprPrinter.print(expr)
        } catch {
            throw view.fail(
                "'\(visible(error.value))' contains a control character, which an S-expression string cannot carry")
        }
    }

    private func build(_ v: XenDomainView) throws(Diagnostic) -> SExpr {
        let d = v.domain
        let hvm = v.isHVM
        guard hvm || v.isPV else {
            throw v.fail("os type '\(v.osType)' is not supported by xend", element: "type")
        }
        var vm: [SExpr] = [.pair("name", try v.name())]
        let mem = try v.memory()
        vm.append(.bare("memory", String(XenDomainView.mebibytes(mem.current))))
        vm.append(.bare("maxmem", String(XenDomainView.mebibytes(mem.maximum))))
        vm.append(contentsOf: try vcpuNodes(v))
        if let cpus = try v.cpuset() { vm.append(.pair("cpus", cpus)) }
        vm.append(.pair("uuid", v.uuid.xmlValue))
        if let desc = d.description { vm.append(.pair("description", desc)) }
        if let bl = d.bootloader {
            vm.append(bl.isEmpty ? .node("bootloader", []) : .pair("bootloader", bl))
            if let args = d.bootloaderArgs { vm.append(.pair("bootloader_args", args)) }
        }
        vm.append(.pair("on_poweroff", try v.lifecycle(d.onPoweroff, "on_poweroff", default: .destroy)))
        vm.append(.pair("on_reboot", try v.lifecycle(d.onReboot, "on_reboot", default: .restart)))
        vm.append(.pair("on_crash", try v.lifecycle(d.onCrash, "on_crash", default: .destroy)))

        let offset = try v.timeOffset()
        if d.bootloader == nil {
            vm.append(.node("image", [.node(hvm ? "hvm" : "linux", try image(v))]))
        } else if let cmdline = d.os?.cmdline {
            // With a bootloader the image only carries kernel arguments (libvirt wrote no
            // image display settings there either, so before xend 3.0.4 such a PV guest has none).
            vm.append(.node("image", [.node("linux", [.pair("args", cmdline)])]))
        }
        if d.bootloader != nil, !hvm, configVersion < 3, let g = v.devices.graphics.first {
            warnings.add(
                "line \(g.line): element graphics: a PV guest booted by a bootloader has no framebuffer before xend config version 3 (Xen 3.0.4); not written at version \(configVersion)")
        }
        vm.append(.bare("localtime", offset.localtime ? "1" : "0"))

        for disk in v.devices.disks {
            if let node = try diskNode(disk, v) { vm.append(.node("device", [node])) }
        }
        for nic in v.devices.interfaces {
            vm.append(.node("device", [try vifNode(nic, v)]))
        }
        if let pci = try pciNode(v) { vm.append(.node("device", [pci])) }
        if !hvm && configVersion >= 3, let g = v.devices.graphics.first {
            vm.append(.node("device", [.node("vkbd", [])]))
            vm.append(.node("device", [.node("vfb", try graphicsSettings(g, v, newStyle: true))]))
        }
        return .node("vm", vm)
    }

    private func vcpuNodes(_ v: XenDomainView) throws(Diagnostic) -> [SExpr] {
        var out: [SExpr] = [.bare("vcpus", String(v.maxVCPUs))]
        if v.currentVCPUs < v.maxVCPUs {
            // A bitmask of the online vcpus, the first `current` ones.
            out.append(.bare("vcpu_avail", String(try v.vcpuAvailMask())))
        }
        return out
    }

    // MARK: Image

    private func image(_ v: XenDomainView) throws(Diagnostic) -> [SExpr] {
        let os = v.domain.os ?? OS()
        var out: [SExpr] = []
        if let k = os.kernel { out.append(.pair("kernel", k)) }
        if let i = os.initrd { out.append(.pair("ramdisk", i)) }
        if let r = os.root { out.append(.pair("root", r)) }
        if let c = os.cmdline { out.append(.pair("args", c)) }
        if v.isHVM {
            guard let loader = os.loader?.path else {
                throw v.fail("no HVM domain loader", element: "os")
            }
            out.append(.pair(os.kernel == nil ? "kernel" : "loader", loader))
            out.append(contentsOf: try vcpuNodes(v))
            out.append(.bare("boot", XenDevices.bootLetters(os.bootDevices)))
            out.append(contentsOf: legacyImageDisks(v))
            let f = v.domain.features
            if f?.acpi.isOn == true { out.append(.bare("acpi", "1")) }
            if f?.apic.isOn == true { out.append(.bare("apic", "1")) }
            if f?.pae.isOn == true { out.append(.bare("pae", "1")) }
            if f?.hap.isOn == true { out.append(.bare("hap", "1")) }
            if f?.viridian.isOn == true { out.append(.bare("viridian", "1")) }
            out.append(.bare("usb", "1"))
            for input in v.devices.inputs where input.bus == .usb {
                switch input.type {
                case .mouse?: out.append(.bare("usbdevice", "mouse"))
                case .tablet?: out.append(.bare("usbdevice", "tablet"))
                case .keyboard?: out.append(.bare("usbdevice", "keyboard"))
                default: throw v.fail("unexpected USB input type", element: "input", line: input.line)
                }
            }
            out.append(try parallelNode(v))
            out.append(try serialNode(v))
            if !v.devices.sounds.isEmpty {
                out.append(.pair("soundhw", try XenDeviceText.soundList(v.devices.sounds, v)))
            }
            if let emulator = v.devices.emulator { out.append(.pair("device_model", emulator)) }
        }
        if let hpet = v.hpet { out.append(.bare("hpet", hpet ? "1" : "0")) }
        if v.isHVM, let offset = try? v.timeOffset(), offset.rtcOffset != 0 {
            out.append(.bare("rtc_timeoffset", String(offset.rtcOffset)))
        }
        if let g = v.devices.graphics.first, v.isHVM || configVersion < 3 {
            out.append(contentsOf: try graphicsSettings(g, v, newStyle: false))
        }
        return out
    }

    /// Disks xend keeps in an HVM image: floppies always, the CD-ROM before xend 3.0.3.
    private func legacyImageDisks(_ v: XenDomainView) -> [SExpr] {
        var out: [SExpr] = []
        if configVersion < 2,
            let cdrom = v.devices.disks.first(where: {
                $0.effectiveDevice == .cdrom && XenDomainView.target($0) == "hdc" && $0.sourcePath != nil
            }), let path = cdrom.sourcePath
        {
            out.append(.pair("cdrom", path))
        }
        for disk in v.devices.disks where disk.effectiveDevice == .floppy {
            if let path = disk.sourcePath { out.append(.pair(XenDomainView.target(disk), path)) }
        }
        return out
    }

    private func charSpec(_ dev: CharDevice, _ v: XenDomainView, _ element: String) throws(Diagnostic)
        -> String
    {
        switch XenCharSpec.format(dev.endpoint) {
        case .success(let s): return s
        case .failure(let e): throw v.fail(e.message, element: element, line: dev.line)
        }
    }

    private func parallelNode(_ v: XenDomainView) throws(Diagnostic) -> SExpr {
        guard let p = v.devices.parallels.first else { return .bare("parallel", "none") }
        return .bare("parallel", try charSpec(p, v, "parallel"))
    }

    private func serialNode(_ v: XenDomainView) throws(Diagnostic) -> SExpr {
        let serials = v.serials
        guard let first = serials.first else { return .bare("serial", "none") }
        if serials.count == 1 && (first.target?.port ?? 0) == 0 {
            return .bare("serial", try charSpec(first, v, "serial"))
        }
        // Several ports: one entry per port number up to the highest, `none` for gaps.
        let maxPort = serials.map { $0.target?.port ?? 0 }.max() ?? 0
        var entries: [SExpr] = []
        for port in 0...maxPort {
            if let dev = serials.first(where: { ($0.target?.port ?? 0) == port }) {
                entries.append(.symbol(try charSpec(dev, v, "serial")))
            } else {
                entries.append(.symbol("none"))
            }
        }
        return .node("serial", [.list(entries)])
    }

    /// VNC/SDL settings, in the image (old style) or in a vfb device (new style).
    private func graphicsSettings(_ g: Graphics, _ v: XenDomainView, newStyle: Bool)
        throws(Diagnostic) -> [SExpr]
    {
        var out: [SExpr] = []
        switch g.type {
        case .sdl?:
            out.append(newStyle ? .bare("type", "sdl") : .bare("sdl", "1"))
            if let display = g.display { out.append(.pair("display", display)) }
            if let xauth = g.xauth { out.append(.pair("xauthority", xauth)) }
        case .vnc?:
            out.append(newStyle ? .bare("type", "vnc") : .bare("vnc", "1"))
            // xend 3.0.2 took no VNC options.
            if !newStyle && configVersion < 2 {
                let lost = [
                    (g.port.map { _ in "port" }), g.listenAddress.map { _ in "listen" }, g.passwd.map { _ in "passwd" },
                    g.keymap.map { _ in "keymap" },
                ].compactMap { $0 }
                if !lost.isEmpty {
                    warnings.add(
                        "line \(g.line): element graphics: xend config version 1 (Xen 3.0.2) takes no VNC settings; \(lost.joined(separator: ", ")) not written")
                }
                return out
            }
            if let display = try v.vncDisplay(g) {
                out.append(.bare("vncunused", "0"))
                out.append(.bare("vncdisplay", String(display)))
            } else {
                out.append(.bare("vncunused", "1"))
            }
            if let listen = g.listenAddress { out.append(.pair("vnclisten", listen)) }
            if let passwd = g.passwd { out.append(.pair("vncpasswd", passwd)) }
            if let keymap = g.keymap { out.append(.pair("keymap", keymap)) }
        default:
            throw v.fail(
                "graphics type '\(g.type?.xmlValue ?? "")' is not supported by xend", element: "graphics",
                line: g.line)
        }
        return out
    }
}
