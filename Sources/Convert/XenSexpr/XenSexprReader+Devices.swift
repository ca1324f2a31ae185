import Schema

/// The (device …) entries and image settings that become devices: disks, NICs, PCI,
/// displays, USB inputs, serial and parallel ports.
extension XenSexprReader {
    // MARK: Disks

    func readDisks(_ root: SExpr, hvm: Bool, hvmImage: SExpr?, into devices: inout Devices)
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

    func readDisk(_ node: SExpr, hvm: Bool) throws(Diagnostic) -> Disk {
        guard let dev = node.value(at: "dev") else {
            throw fail(node, "domain information incomplete, vbd has no dev")
        }
        let (target, device) = XendDiskSpelling.readTarget(dev)
        var source: DiskSource = .file(nil)
        var driverName: String?
        var driverType: String?
        if let uname = node.value(at: "uname") {
            switch XendDiskSpelling.readSource(uname, defaultDriver: nil, aioFormat: style.blktapAioType) {
            case .success(let s):
                // A (tap2 …) device names its driver in the node, the uname says tap.
                driverName = node.head == "tap2" && s.driver == "tap" ? "tap2" : s.driver
                driverType = s.format
                source = s.diskSource
            case .failure(let e):
                throw fail(node, e.message)
            }
        } else {
            // Only an HVM CD-ROM drive may come without media.
            guard hvm, device == .cdrom else {
                throw fail(node, "domain information incomplete, vbd has no src")
            }
        }
        let mode = XendDiskSpelling.readMode(node.value(at: "mode") ?? "")
        return XenDevices.disk(
            source: source, device: device, driverName: driverName, driverType: driverType,
            target: target, bus: XenDevices.sexprBus(forTarget: target), readonly: mode.readonly,
            shareable: mode.shareable)
    }

    // MARK: Network

    func readInterfaces(_ root: SExpr, domainID: Int, into devices: inout Devices)
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

    func readPCI(_ root: SExpr, into devices: inout Devices) throws(Diagnostic) {
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
    func vfbGraphics(_ root: SExpr) throws(Diagnostic) -> Graphics? {
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
            let port = try vncDisplayPort(vfb) ?? -1
            let autoport = vfb.value(at: "vncunused") == "1" || port == -1
            return XenDevices.vnc(
                port: port, autoport: autoport, listen: vfb.value(at: "vnclisten"), passwd: nil,
                keymap: vfb.value(at: "keymap"))
        default:
            throw fail(vfb, "unknown graphics type '\(type)'")
        }
    }

    /// The port `(vncdisplay N)` names in a vfb or image (a display number or, as some xend
    /// versions wrote it, a port), nil when absent or not a number.
    func vncDisplayPort(_ node: SExpr) throws(Diagnostic) -> Int? {
        guard let s = node.value(at: "vncdisplay"), let n = XenNumbers.cInteger(s) else { return nil }
        guard let port = XenNumbers.vncPort(display: n, portsAllowed: true) else {
            throw fail(node.child("vncdisplay") ?? node, "invalid vncdisplay '\(s)'")
        }
        return port
    }

    /// Display settings in the image: HVM guests, and PV guests before xend 3.0.4.
    func imageGraphics(_ image: SExpr, domainID: Int) throws(Diagnostic) -> Graphics? {
        if image.value(at: "vnc")?.hasPrefix("1") == true {
            var port = try vncDisplayPort(image) ?? -1
            let unused = image.value(at: "vncunused") == "1"
            // Before xend 3.0.3 the server always listened on 5900 + domain id.
            if port == -1 && !unused && configVersion < 2 && domainID >= 0 {
                port = XenNumbers.vncPort(display: domainID, portsAllowed: false) ?? -1
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

    func readUSB(_ image: SExpr, into devices: inout Devices, warnings: inout [String])
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

    func charDevice(_ node: SExpr, _ spec: String) throws(Diagnostic) -> CharEndpoint {
        switch XenCharSpec.parse(spec) {
        case .success(let e): return e
        case .failure(let e): throw fail(node, e.message)
        }
    }

    func readCharDevices(_ image: SExpr, into devices: inout Devices) throws(Diagnostic) {
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
