import Schema

/// Disks from `-hda`…, `-cdrom`, `-fda`, `-drive`, `-blockdev` and disk `-device`s.
extension ArgvParse {
    mutating func addLegacyDisk(_ path: String, iface: String, index: Int?, media: String?) {
        var d = ParsedDisk()
        d.source = diskSource(path)
        d.iface = iface
        d.index = index
        d.cdrom = media == "cdrom"
        d.floppy = iface == "floppy"
        d.readonly = d.cdrom
        disks.append(d)
    }

    /// A local path (block device under /dev, else a file) or a network URI.
    func diskSource(_ path: String) -> DiskSource {
        if let net = networkSource(path) { return .network(net) }
        return path.hasPrefix("/dev/") ? .block(path) : .file(path)
    }

    mutating func readDrive(_ text: String, line: Int) throws(Diagnostic) {
        let o = QemuOptionList(parsing: text)
        var d = ParsedDisk()
        if let file = o.value("file"), !file.isEmpty { d.source = diskSource(file) }
        d.iface = o.value("if") ?? "ide"
        d.index = try count(o.value("index"), "index")
        d.bus = try count(o.value("bus"), "bus")
        d.unit = try count(o.value("unit"), "unit")
        d.cdrom = o.value("media") == "cdrom"
        d.floppy = d.iface == "floppy"
        d.readonly = d.cdrom || o.value("readonly") == "on"
        d.format = o.value("format")
        d.cache = o.value("cache").map(cacheMode)
        d.werror = o.value("werror")
        d.rerror = o.value("rerror")
        d.serial = o.value("serial")
        d.discard = o.value("discard")
        d.io = o.value("aio")
        d.id = o.value("id")
        if let boot = o.value("boot"), boot == "on" { d.bootindex = 1 }
        if let auth = credentials(o.value("file") ?? "") { d.auth = auth }
        if ["pflash", "mtd"].contains(d.iface) {
            if case .file(let f)? = d.source, let path = f?.file, osBlock.loader == nil {
                var l = Loader(path: path)
                l.type = "pflash"
                if d.readonly { l.readonly = .yes }
                osBlock.loader = l
            }
            return
        }
        guard ["ide", "scsi", "virtio", "floppy", "sd", "none", "xen"].contains(d.iface) else {
            throw fail("-drive if=\(d.iface) is not a disk interface virtkit knows", at: line)
        }
        if let id = d.id { drivesByID[id] = disks.count }
        disks.append(d)
    }

    /// QEMU's old cache spellings: `off` meant no host cache, `on` write-through.
    func cacheMode(_ v: String) -> String {
        switch v {
        case "off": "none"
        case "on": "writethrough"
        default: v
        }
    }

    /// `-blockdev` nodes are remembered by node-name; the device that uses the top node
    /// makes the disk.
    mutating func readBlockdev(_ text: String, line: Int) throws(Diagnostic) {
        var node: QemuJSONObject
        if let json = QemuJSONObject(parsing: text) {
            node = json
        } else {
            node = QemuJSONObject()
            for item in QemuOptionList(parsing: text).items {
                if let key = item.key { node.set(key, item.value) }
            }
        }
        guard let name = node.string("node-name") else {
            throw fail("-blockdev without a node-name", at: line)
        }
        blockNodes[name] = node
    }

    /// Follows a blockdev chain from the node a device names down to its storage.
    mutating func diskFromBlockdev(_ top: String, line: Int) throws(Diagnostic) -> ParsedDisk {
        guard var node = blockNodes[top] else { throw fail("no -blockdev with node-name '\(top)'", at: line) }
        var d = ParsedDisk()
        var seen: Set<String> = [top]
        let formats: Set<String> = ["qcow2", "raw", "qcow", "vmdk", "vdi", "vpc", "vhdx", "qed", "luks", "parallels", "dmg", "cloop", "bochs"]
        if let driver = node.string("driver"), formats.contains(driver) {
            d.format = driver
            d.readonly = node.bool("read-only") ?? false
            if let file = node.string("file"), let next = blockNodes[file], !seen.contains(file) {
                seen.insert(file)
                node = next
            } else if let inline = node.object("file") {
                node = inline
            }
        }
        d.cache = cacheFromBlockdev(node)
        d.discard = node.string("discard")
        d.io = node.string("aio")
        switch node.string("driver") {
        case "file"?: d.source = .file(node.string("filename") ?? "")
        case "host_device"?, "host_cdrom"?: d.source = .block(node.string("filename") ?? "")
        case "nbd"?, "iscsi"?, "rbd"?, "gluster"?, "http"?, "https"?, "ftp"?, "ftps"?, "ssh"?:
            d.source = .network(networkSource(blockdev: node))
        case let other:
            throw fail("-blockdev driver '\(other ?? "")' is not a disk source virtkit knows", at: line)
        }
        if d.format == nil { d.format = "raw" }
        return d
    }

    func cacheFromBlockdev(_ node: QemuJSONObject) -> String? {
        guard let c = node.object("cache") else { return nil }
        switch (c.bool("direct") ?? false, c.bool("no-flush") ?? false) {
        case (true, false): return "none"
        case (false, true): return "unsafe"
        default: return "writeback"
        }
    }

    /// `-device ide-hd|scsi-hd|virtio-blk-pci|…,drive=ID`: gives a drive its frontend.
    mutating func readDiskDevice(_ driver: String, _ p: DeviceProps, line: Int) throws(Diagnostic) {
        var d: ParsedDisk
        var slot: Int?
        if let drive = p["drive"] {
            if let i = drivesByID[drive] {
                d = disks[i]
                slot = i
            } else if blockNodes[drive] != nil {
                d = try diskFromBlockdev(drive, line: line)
            } else {
                throw fail("-device \(driver) uses drive '\(drive)', which no -drive or -blockdev defines", at: line)
            }
        } else {
            d = ParsedDisk()  // an empty CD-ROM drive
        }
        let frontend = QemuVocabulary.diskFrontend(forDriver: driver)
        switch frontend?.bus {
        case .ide?:
            let bus = p["bus"].flatMap(busNumber)
            d.iface = (p["bus"]?.hasPrefix("sata") ?? false) ? "sata" : "ide"
            d.bus = bus
            d.unit = try count(p["unit"], "unit") ?? 0
            d.index = (bus ?? 0) * 2 + (d.unit ?? 0)
            if d.iface == "sata" {
                d.index = bus ?? 0
                d.bus = 0
                d.unit = bus
            }
            if frontend?.media == .cdrom { d.cdrom = true }
        case .scsi?:
            d.iface = "scsi"
            d.bus = try count(p["channel"], "channel") ?? 0
            // virtio-scsi addresses by channel/scsi-id/lun; the older HBAs by scsi-id alone,
            // which libvirt writes as the unit.
            var target = try count(p["scsi-id"], "scsi-id") ?? 0
            if p["lun"] != nil {
                d.unit = try count(p["lun"], "lun") ?? 0
            } else {
                d.unit = target
                target = 0
            }
            d.index = target + (d.unit ?? 0)
            d.address = {
                var a = DriveAddress(controller: UInt(p["bus"].flatMap(busNumber) ?? 0), bus: UInt(d.bus ?? 0),
                    target: UInt(target), unit: UInt(d.unit ?? 0))
                a.controller = String(p["bus"].flatMap(controllerNumber) ?? 0)
                return .drive(a)
            }()
            if frontend?.media == .cdrom { d.cdrom = true }
            if frontend?.media == .lun { d.lun = true }
        case .virtio?:
            d.iface = "virtio"
            d.address = p.pciAddress
        case .fdc?:
            d.iface = "floppy"
            d.floppy = true
            d.index = try count(p["unit"], "unit")
        case .usb?:
            d.iface = "usb"
        default:
            break
        }
        d.readonly = d.readonly || d.cdrom
        if let b = try count(p["bootindex"], "bootindex") { d.bootindex = b }
        if let s = p["serial"] { d.serial = s }
        if let w = p["werror"] { d.werror = w }
        if let r = p["rerror"] { d.rerror = r }
        if p["write-cache"] == "off" && d.cache == "none" { d.cache = "directsync" }
        if p["write-cache"] == "off" && d.cache == "writeback" { d.cache = "writethrough" }
        d.attached = true
        if let slot { disks[slot] = d } else { disks.append(d) }
    }

    /// `ide.1` → 1; `scsi0.0` → 0 (the bus after the dot).
    func busNumber(_ bus: String) -> Int? {
        guard let dot = bus.lastIndex(of: ".") else { return nil }
        return Int(bus[bus.index(after: dot)...])
    }

    /// `scsi1.0` → 1 (the controller before the dot).
    func controllerNumber(_ bus: String) -> Int? {
        guard let dot = bus.lastIndex(of: ".") else { return nil }
        return Int(bus[..<dot].drop { !$0.isNumber })
    }

    /// `-usbdevice disk:/path`, `tablet`, `mouse`, `host:…`.
    mutating func readUSBDevice(_ text: String, line: Int) throws(Diagnostic) {
        if text.hasPrefix("disk:") {
            var d = ParsedDisk()
            d.source = diskSource(String(text.dropFirst(5)))
            d.iface = "usb"
            disks.append(d)
        } else if text == "tablet" {
            deviceList.inputs.append(Input(type: .tablet, bus: .usb))
        } else if text == "mouse" {
            deviceList.inputs.append(Input(type: .mouse, bus: .usb))
        } else if text == "keyboard" {
            deviceList.inputs.append(Input(type: .keyboard, bus: .usb))
        } else if text.hasPrefix("host:") {
            try readUSBHost(String(text.dropFirst(5)), line: line)
        } else {
            keep("-usbdevice", text)
        }
    }

    /// `host:VEND:PROD` or `host:BUS.DEV`.
    mutating func readUSBHost(_ spec: String, line: Int) throws(Diagnostic) {
        var s = USBHostSource()
        if let dot = spec.firstIndex(of: ".") {
            var a = HostAddress()
            a.bus = String(spec[..<dot])
            a.device = String(spec[spec.index(after: dot)...])
            s.address = a
        } else {
            let parts = spec.split(separator: ":")
            guard parts.count == 2 else { throw fail("-usbdevice host:\(spec): expected VENDOR:PRODUCT or BUS.DEVICE", at: line) }
            s.vendor = IDAttribute("0x" + parts[0])
            s.product = IDAttribute("0x" + parts[1])
        }
        deviceList.hostdevs.append(.usb(s, managed: .no))
    }

    /// `-pcidevice host=BB:SS.F`.
    mutating func readPCIDevice(_ text: String, line: Int) throws(Diagnostic) {
        let o = QemuOptionList(parsing: text)
        guard let host = o.value("host") else { throw fail("-pcidevice \(text): missing host=", at: line) }
        deviceList.hostdevs.append(try pciHostdev(host, line: line))
    }

    func pciHostdev(_ host: String, line: Int) throws(Diagnostic) -> Hostdev {
        // [DDDD:]BB:SS.F
        let parts = host.split(separator: ":").map(String.init)
        guard parts.count >= 2, let dot = parts.last!.firstIndex(of: ".") else {
            throw fail("PCI host address '\(host)' is not [DDDD:]BB:SS.F", at: line)
        }
        var a = HostAddress()
        a.domain = "0x" + (parts.count == 3 ? parts[0] : "0000")
        a.bus = "0x" + parts[parts.count - 2]
        a.slot = "0x" + parts.last![..<dot]
        a.function = "0x" + parts.last![parts.last!.index(after: dot)...]
        return .pci(a, managed: .yes)
    }
}
