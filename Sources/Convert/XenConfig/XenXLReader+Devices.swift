import Schema

/// xl device settings: disks, PCI, SPICE, USB, channels.
extension XenXLReader {
    // MARK: Devices

    func readDisks(_ r: XenConfigReading, hvm: Bool, into devices: inout Devices) throws(Diagnostic) {
        for (spec, line) in try r.strings("disk") {
            let s: XenXLDiskSpec
            switch XenXLDiskSpec.parse(spec) {
            case .success(let parsed): s = parsed
            case .failure(let e): throw r.fail(line, "bad disk spec: \(e.message)")
            }
            let vdev = s.vdev ?? ""
            var disk = Disk()
            disk.target = DiskTarget(dev: vdev, bus: XenDevices.configBus(forTarget: vdev, hvm: hvm))
            let readonly = s.access == "r" || s.access == "ro"
            disk.readonly = readonly
            disk.shareable = s.access == "!" || s.access == "w!"
            if s.devtype == "cdrom" {
                disk.device = .cdrom
                disk.readonly = true
                disk.driver = DiskDriver(name: "qemu", type: s.target == nil ? nil : "raw")
                disk.source = .file(s.target.map { DiskFileSource(file: $0) })
            } else {
                disk.device = .disk
                let format = s.format == nil || s.format == "empty" ? "raw" : s.format
                if let target = s.target, target.hasPrefix("rbd:") {
                    switch RBDTarget.parse(target) {
                    case .success(let src): disk.source = .network(src)
                    case .failure(let e): throw r.fail(line, "bad disk spec: \(e.message)")
                    }
                    disk.driver = DiskDriver(name: "qemu", type: format)
                } else {
                    switch s.backendtype {
                    case "phy"?:
                        disk.driver = DiskDriver(name: "phy", type: format)
                        disk.source = .block(s.target.map { DiskBlockSource(dev: $0) })
                    case "tap"?:
                        disk.driver = DiskDriver(name: "tap", type: format)
                        disk.source = .file(s.target.map { DiskFileSource(file: $0) })
                    default:
                        disk.driver = DiskDriver(name: "qemu", type: format)
                        disk.source = .file(s.target.map { DiskFileSource(file: $0) })
                    }
                }
            }
            devices.disks.append(disk)
        }
    }

    /// PCI devices may carry options; `permissive=1` lifts config-space write filtering.
    func readPCI(_ r: XenConfigReading, into devices: inout Devices) throws(Diagnostic) {
        let common = XenConfigCommonReader(r, style: style, netfrontType: "vif")
        var scratch = Devices()
        try common.readPCI(into: &scratch)
        for ((spec, _), var hostdev) in zip(try r.strings("pci"), scratch.hostdevs) {
            if style.pciDriverXen { hostdev.driver = NameAttribute("xen") }
            let options = XenKeyValueSpec.pairs(spec).dropFirst()
            if XenKeyValueSpec.value("permissive", in: Array(options)) == "1", case .pci(var source)? = hostdev.source {
                source?.writeFiltering = .no
                hostdev.source = .pci(source)
            }
            devices.hostdevs.append(hostdev)
        }
    }

    func spice(_ r: XenConfigReading) throws(Diagnostic) -> Graphics? {
        guard try r.bool("spice") == true else { return nil }
        var g = Graphics(type: .spice)
        XenDevices.setListen(&g, try r.string("spicehost"))
        let tls = try r.number("spicetls_port") ?? 0
        let port = try r.number("spiceport") ?? 0
        for (key, value) in [("spicetls_port", tls), ("spiceport", port)] where value > 65535 {
            throw r.fail(r.line(key), "\(key) \(value) is not a TCP port")
        }
        if tls != 0 { g.tlsPort = Int(tls) }
        if port != 0 { g.port = Int(port) }
        g.autoport = YesNo(tls == 0 && port == 0)
        // libvirt's data keeps the password even where ticketing is switched off.
        _ = try r.bool("spicedisable_ticketing")
        g.passwd = try r.string("spicepasswd")
        let agentMouse = try r.bool("spiceagent_mouse") ?? false
        g.mouse = Mouse(mode: agentMouse ? "client" : "server")
        let clipboard = try r.bool("spice_clipboard_sharing") ?? false
        g.clipboard = Clipboard(copypaste: clipboard)
        return g
    }

    /// `usbctrl = [ "type=qusb,version=2,ports=4" ]` and `usbdev = [ "hostbus=1,hostaddr=3" ]`;
    /// libxl reads their numbers in hexadecimal.
    func readUSB(_ r: XenConfigReading, into devices: inout Devices, warnings: inout [String])
        throws(Diagnostic)
    {
        var index: UInt = 0
        for (spec, line) in try r.strings("usbctrl") {
            let pairs = XenKeyValueSpec.pairs(spec)
            let type = XenKeyValueSpec.value("type", in: pairs) ?? ""
            guard type.isEmpty || type.hasPrefix("qusb") else {
                warnings.append("line \(line): USB controller type '\(type)' is not supported and was ignored")
                continue
            }
            let version: UInt = try XenKeyValueSpec.value("version", in: pairs).map { v throws(Diagnostic) -> UInt in
                guard let n = UInt(v, radix: 16) else { throw r.fail(line, "invalid USB controller version '\(v)'") }
                return n
            } ?? 2
            let ports: UInt = try XenKeyValueSpec.value("ports", in: pairs).map { v throws(Diagnostic) -> UInt in
                guard let n = UInt(v, radix: 16) else { throw r.fail(line, "invalid USB controller ports '\(v)'") }
                return n
            } ?? 8
            var c = Controller(type: .usb, index: index, model: version == 1 ? .qusb1 : .qusb2)
            c.ports = ports
            devices.controllers.append(c)
            index += 1
        }
        for (spec, line) in try r.strings("usbdev") {
            let pairs = XenKeyValueSpec.pairs(spec)
            guard let bus = XenKeyValueSpec.value("hostbus", in: pairs).flatMap({ UInt($0, radix: 16) }),
                let addr = XenKeyValueSpec.value("hostaddr", in: pairs).flatMap({ UInt($0, radix: 16) })
            else {
                throw r.fail(line, "USB device '\(spec)' needs hexadecimal hostbus and hostaddr")
            }
            var a = HostAddress()
            a.bus = String(bus)
            a.device = String(addr)
            var src = USBHostSource()
            src.address = a
            devices.hostdevs.append(.usb(src, managed: .no))
        }
    }

    /// `channel = [ "connection=socket,path=/p,name=org.qemu.guest_agent.0" ]`.
    func readChannels(_ r: XenConfigReading, into devices: inout Devices) throws(Diagnostic) {
        for (spec, line) in try r.strings("channel") {
            let pairs = XenKeyValueSpec.pairs(spec)
            let connection = XenKeyValueSpec.value("connection", in: pairs)
            let name = XenKeyValueSpec.value("name", in: pairs)
            var channel: CharDevice
            switch connection {
            case "socket"?:
                guard let path = XenKeyValueSpec.value("path", in: pairs) else {
                    throw r.fail(line, "socket channel '\(spec)' has no path")
                }
                channel = CharDevice(endpoint: .unix(path: path, listen: true))
            case "pty"?:
                channel = CharDevice(endpoint: .pty(path: nil))
            default:
                throw r.fail(line, "unsupported channel connection '\(connection ?? "")' in '\(spec)'")
            }
            var target = CharTarget()
            target.type = "xen"
            target.name = name
            channel.target = target
            devices.channels.append(channel)
        }
    }
}
