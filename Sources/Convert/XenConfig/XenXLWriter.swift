import Schema

/// Writes a domain as an xl.cfg, as libvirt's libxl driver did.
struct XenXLWriter {
    let fileName: String

    func write(_ domain: Domain) throws(Diagnostic) -> String {
        let v = XenDomainView(domain, fileName: fileName)
        let pvh = v.osType == "xenpvh"
        guard v.isHVM || v.isPV || pvh else {
            throw v.fail("os type '\(v.osType)' cannot be written as an xl config", element: "type")
        }
        let w = XenConfigCommonWriter(v: v)
        var c = XenConfig()
        try w.writeGeneral(&c)
        try w.writeMemory(&c)
        try w.writeVCPUs(&c, maxvcpus: true)
        w.writeFeatures(&c, viridian: true)
        try w.writeTime(&c, rtcOffset: true)
        try w.writeLifecycle(&c)
        if let emulator = v.devices.emulator { c.set("device_model", emulator) }
        try w.writeGraphics(&c, asVfb: !v.isHVM)
        let vifs = try v.devices.interfaces.map { nic throws(Diagnostic) in
            try w.vif(nic, netfrontType: "vif", typeIoemu: false, multipleIPs: true)
        }
        if !vifs.isEmpty { c.set("vif", .strings(vifs)) }
        try writePCI(&c, v)
        try w.writeCharDevices(&c)
        try w.writeSound(&c)
        try writeOS(&c, v, w, pvh: pvh)
        try writeCPU(&c, v)
        try writeDisks(&c, v)
        try writeSpice(&c, v)
        try w.writeUSBInputs(&c, allowList: true)
        try writeUSB(&c, v)
        try writeChannels(&c, v)
        if let frames = v.devices.controllers.first(where: { $0.type == .xenbus })?.maxGrantFrames, frames > 0 {
            c.set("max_grant_frames", .number(UInt64(frames)))
        }
        do {
            return try XenConfigPrinter.print(c, dialect: .xl)
        } catch {
            throw v.fail("cannot write \(error.name) = '\(visible(error.value))': \(error.reason)")
        }
    }

    private func writeOS(_ c: inout XenConfig, _ v: XenDomainView, _ w: XenConfigCommonWriter, pvh: Bool)
        throws(Diagnostic)
    {
        let os = v.domain.os ?? OS()
        if v.isHVM {
            c.set("builder", "hvm")
            if os.loader?.type == "pflash" { c.set("bios", "ovmf") }
            if let k = os.kernel { c.set("kernel", k) }
            if let i = os.initrd { c.set("ramdisk", i) }
            if let cmd = os.cmdline { c.set("cmdline", cmd) }
            c.set("boot", w.bootOrder)
        } else {
            if pvh { c.set("type", "pvh") }
            w.writePVBoot(&c, cmdlineKey: "cmdline")
        }
    }

    /// `nestedhvm`, `cpuid` and `vnuma` from `<cpu>`.
    private func writeCPU(_ c: inout XenConfig, _ v: XenDomainView) throws(Diagnostic) {
        guard let cpu = v.domain.cpu else { return }
        if v.isHVM && cpu.mode == .hostPassthrough {
            let disablesVT = cpu.features.contains {
                ($0.name == "vmx" || $0.name == "svm") && ($0.policy == "disable" || $0.policy == "forbid")
            }
            c.set("nestedhvm", disablesVT ? 0 : 1)
            var items = ["host"]
            for f in cpu.features {
                guard let name = f.name, name != "vmx", name != "svm" else { continue }
                let xlName = XenXLReader.cpuidNames.first { $0.libvirt == name }?.libxl ?? name
                let policy: String
                switch f.policy {
                case "force", "require", nil: policy = "1"
                case "optional": policy = "x"
                case "disable", "forbid": policy = "0"
                case let other?:
                    throw v.fail("unknown CPU feature policy '\(other)'", element: "feature", line: f.line)
                }
                if xlName.contains(",") || xlName.contains("=") {
                    throw v.fail("invalid CPU feature name '\(name)'", element: "feature", line: f.line)
                }
                items.append("\(xlName)=\(policy)")
            }
            if items.count > 1 { c.set("cpuid", items.joined(separator: ",")) }
        }
        if let numa = cpu.numa, !numa.cells.isEmpty {
            var nodes: [XenConfigValue] = []
            for (i, cell) in numa.cells.enumerated() {
                guard let kib = cell.kibibytes, let cpus = cell.cpus else {
                    throw v.fail("NUMA cell without memory or cpus", element: "cell", line: cell.line)
                }
                guard let set = XenCPUSet.parse(cpus) else {
                    throw v.fail("invalid NUMA cell cpus '\(cpus)'", element: "cell", line: cell.line)
                }
                var items = ["pnode=\(i)", "size=\(kib / 1024)", "vcpus=\(XenCPUSet.format(set))"]
                if let d = cell.distances, !d.siblings.isEmpty {
                    var values: [String] = []
                    for j in numa.cells.indices {
                        let sib = d.siblings.first { $0.id == UInt(j) }
                        values.append(String(sib?.value ?? (i == j ? 10 : 20)))
                    }
                    items.append("vdistances=" + values.joined(separator: ","))
                }
                nodes.append(.strings(items))
            }
            c.set("vnuma", .list(nodes))
        }
    }

    private func writeDisks(_ c: inout XenConfig, _ v: XenDomainView) throws(Diagnostic) {
        var list: [String] = []
        for disk in v.devices.disks where disk.effectiveDevice != .floppy {
            let target = XenDomainView.target(disk)
            guard !target.isEmpty, !target.contains(","), !target.contains("=") else {
                throw v.fail("invalid disk target '\(target)'", element: "disk", line: disk.line)
            }
            if disk.transient != nil {
                throw v.fail("transient disks not supported yet", element: "disk", line: disk.line)
            }
            let format: String
            switch disk.driver?.type {
            case "vhd"?: format = "vhd"
            case "qcow"?: format = "qcow"
            case "qcow2"?: format = "qcow2"
            case "qed"?: format = "qed"
            default: format = "raw"
            }
            var items = ["format=\(format)", "vdev=\(target)"]
            items.append("access=" + (disk.readonly ? "ro" : disk.shareable ? "!" : "rw"))
            switch disk.driver?.name {
            case "qemu"?, "file"?: items.append("backendtype=qdisk")
            case "tap"?, "tap2"?: items.append("backendtype=tap")
            case "phy"?: items.append("backendtype=phy")
            default: break
            }
            if disk.effectiveDevice == .cdrom { items.append("devtype=cdrom") }
            if case .network(let src)? = disk.source, let src {
                guard src.protocol == "rbd" else {
                    throw v.fail("network disk protocol '\(src.protocol ?? "")' cannot be written for xl", element: "disk", line: disk.line)
                }
                switch RBDTarget.format(src) {
                case .success(let t): items.append("target=\(t)")
                case .failure(let e): throw v.fail(e.message, element: "disk", line: disk.line)
                }
            } else if let path = disk.sourcePath {
                // Last: a named target takes the rest of the spec, commas included, unless
                // they would read as another setting.
                if XenXLDiskSpec.namedSettingStart(in: Substring(path)) != nil {
                    throw v.fail("disk source '\(path)' cannot be written in an xl disk spec", element: "disk", line: disk.line)
                }
                items.append("target=\(path)")
            } else if case .volume? = disk.source {
                throw v.fail("volume disks cannot be written for xl", element: "disk", line: disk.line)
            }
            list.append(items.joined(separator: ","))
        }
        if !list.isEmpty { c.set("disk", .strings(list)) }
    }

    private func writePCI(_ c: inout XenConfig, _ v: XenDomainView) throws(Diagnostic) {
        var list: [String] = []
        for h in v.devices.hostdevs {
            guard let a = XenDevices.pciAddress(of: h) else { continue }
            var s = "\(XenDevices.hexDigits(a.domain, width: 4)):\(XenDevices.hexDigits(a.bus, width: 2)):"
                + "\(XenDevices.hexDigits(a.slot, width: 2)).\(XenDevices.hexDigits(a.function, width: 1))"
            if case .pci(let source)? = h.source, source?.writeFiltering == .no { s += ",permissive=1" }
            list.append(s)
        }
        if !list.isEmpty { c.set("pci", .strings(list)) }
    }

    private func writeSpice(_ c: inout XenConfig, _ v: XenDomainView) throws(Diagnostic) {
        guard v.isHVM, let g = v.devices.graphics.first(where: { $0.type == .spice }) else { return }
        c.set("sdl", 0)
        c.set("vnc", 0)
        c.set("spice", 1)
        if let listen = g.listenAddress { c.set("spicehost", listen) }
        c.set("spiceport", g.port.map { max($0, 0) } ?? 0)
        c.set("spicetls_port", g.tlsPort.map { max($0, 0) } ?? 0)
        if let passwd = g.passwd {
            c.set("spicedisable_ticketing", 0)
            c.set("spicepasswd", passwd)
        } else {
            c.set("spicedisable_ticketing", 1)
        }
        switch g.mouse?.mode {
        case "client"?:
            c.set("spiceagent_mouse", 1)
            c.set("spicevdagent", 1)
        case "server"?: c.set("spiceagent_mouse", 0)
        default: break
        }
        if g.clipboard?.copypaste == .yes {
            c.set("spice_clipboard_sharing", 1)
            c.set("spicevdagent", 1)
        }
    }

    /// USB controllers and passed-through host USB devices, numbers in hexadecimal as libxl reads them.
    private func writeUSB(_ c: inout XenConfig, _ v: XenDomainView) throws(Diagnostic) {
        var controllers: [String] = []
        for ctl in v.devices.controllers where ctl.type == .usb {
            var items: [String] = []
            switch ctl.model {
            case .qusb1?: items.append("type=qusb,version=1")
            case .qusb2?: items.append("type=qusb,version=2")
            case nil: break
            case let other?:
                throw v.fail("USB controller model '\(other.xmlValue)' cannot be written for xl", element: "controller", line: ctl.line)
            }
            if let ports = ctl.ports { items.append("ports=" + String(ports, radix: 16)) }
            controllers.append(items.joined(separator: ","))
        }
        if !controllers.isEmpty { c.set("usbctrl", .strings(controllers)) }
        var usbdevs: [String] = []
        for h in v.devices.hostdevs where h.mode == nil || h.mode == "subsystem" {
            guard case .usb(let usb)? = h.source else { continue }
            guard let bus = DeviceAddress.number(usb?.address?.bus), let dev = DeviceAddress.number(usb?.address?.device)
            else {
                throw v.fail("USB host devices need a bus and device address for xl", element: "hostdev", line: h.line)
            }
            usbdevs.append("hostbus=\(String(bus, radix: 16)),hostaddr=\(String(dev, radix: 16))")
        }
        if !usbdevs.isEmpty { c.set("usbdev", .strings(usbdevs)) }
    }

    private func writeChannels(_ c: inout XenConfig, _ v: XenDomainView) throws(Diagnostic) {
        var list: [String] = []
        for ch in v.devices.channels where ch.target?.type == "xen" {
            var items: [String]
            switch ch.endpoint {
            case .pty: items = ["connection=pty"]
            case .unix(let path, _): items = ["connection=socket", "path=\(path)"]
            default:
                throw v.fail("xl channels are pty or unix sockets", element: "channel", line: ch.line)
            }
            if let name = ch.target?.name { items.append("name=\(name)") }
            list.append(try XenConfigCommonWriter(v: v).specItems(items, element: "channel", line: ch.line))
        }
        if !list.isEmpty { c.set("channel", .strings(list)) }
    }
}
