import Schema

/// A `-device` argument's properties, from JSON or key=value.
struct DeviceProps {
    var driver: String
    var values: [String: String]

    init(_ text: String) {
        if let json = QemuJSONObject(parsing: text) {
            var v: [String: String] = [:]
            for (k, _) in json.members { v[k] = json.string(k) }
            driver = json.string("driver") ?? ""
            values = v
        } else {
            let o = QemuOptionList(parsing: text)
            driver = o.value("driver") ?? o.firstBare ?? ""
            var v: [String: String] = [:]
            for item in o.items where item.key != nil { v[item.key!] = item.value }
            values = v
        }
    }

    subscript(key: String) -> String? { values[key] }

    /// `bus=pci.0,addr=0x3.0x1` as a libvirt PCI address.
    var pciAddress: DeviceAddress? {
        guard let addr = values["addr"] else { return nil }
        let parts = addr.split(separator: ".")
        func num(_ s: Substring) -> UInt? {
            s.hasPrefix("0x") ? UInt(s.dropFirst(2), radix: 16) : UInt(s, radix: 16)
        }
        guard let slot = parts.first.flatMap(num) else { return nil }
        let function = parts.count > 1 ? num(parts[1]) ?? 0 : 0
        var bus: UInt = 0
        if let b = values["bus"], let dot = b.lastIndex(of: "."), b.hasPrefix("pci."), b != "pci.0" {
            bus = UInt(b[b.index(after: dot)...]) ?? 0
        }
        var a = PCIAddress(domain: 0, bus: bus, slot: slot, function: function)
        if values["multifunction"] == "on" || values["multifunction"] == "true" { a.multifunction = .on }
        return .pci(a)
    }
}

extension ArgvParse {
    /// Every `-device`: each known model becomes its XML device; others are kept.
    mutating func readDevice(_ text: String, line: Int) throws(Diagnostic) {
        let p = DeviceProps(text)
        let d = p.driver
        let video = QemuVocabulary.videoModel(forDriver: d)
        let sound = QemuVocabulary.soundModel(forDriver: d)
        let controller = QemuVocabulary.controller(forDriver: d)
        switch d {
        case _ where QemuVocabulary.diskFrontend(forDriver: d) != nil:
            try readDiskDevice(d, p, line: line)
        case _ where QemuVocabulary.nicModel(forDriver: d) != nil:
            try readNICDevice(d, p, line: line)
        case "isa-serial", "pci-serial", "usb-serial", "spapr-vty", "pl011", "sclpconsole", "isa-parallel",
            "virtconsole", "virtserialport":
            try readCharDevice(d, p, line: line)
        case "usb-tablet": deviceList.inputs.append(Input(type: .tablet, bus: .usb))
        case "usb-mouse": deviceList.inputs.append(Input(type: .mouse, bus: .usb))
        case "usb-kbd": deviceList.inputs.append(Input(type: .keyboard, bus: .usb))
        case "virtio-tablet-pci", "virtio-tablet-device": deviceList.inputs.append(Input(type: .tablet, bus: .virtio))
        case "virtio-mouse-pci", "virtio-mouse-device": deviceList.inputs.append(Input(type: .mouse, bus: .virtio))
        case "virtio-keyboard-pci", "virtio-keyboard-device":
            deviceList.inputs.append(Input(type: .keyboard, bus: .virtio))
        case _ where video != nil:
            var v = Video()
            var m = Video.Model()
            m.type = video
            if let mb = try unsignedCount(p["vgamem_mb"], "vgamem_mb") { m.vram = mb * 1024 }
            if let ram = try unsignedCount(p["ram_size"], "ram_size") { m.ram = ram / 1024 }
            if let vram = try unsignedCount(p["vram_size"], "vram_size") { m.vram = vram / 1024 }
            m.heads = try unsignedCount(p["max_outputs"], "max_outputs") ?? 1
            v.model = m
            v.address = p.pciAddress
            videos.append(v)
        case "hda-duplex", "hda-micro", "hda-output":
            break  // the codec of the HDA controller the sound card came from
        case _ where sound != nil:
            var s = Sound()
            s.model = sound
            s.address = p.pciAddress
            deviceList.sounds.append(s)
        case "i6300esb", "ib700", "diag288":
            var w = Watchdog()
            w.model = d
            w.action = pendingWatchdogAction
            w.address = p.pciAddress
            deviceList.watchdogs.append(w)
        case "virtio-balloon-pci", "virtio-balloon", "virtio-balloon-ccw", "virtio-balloon-device":
            var b = MemBalloon(model: "virtio")
            b.address = p.pciAddress
            if let v = p["deflate-on-oom"] { b.autodeflate = ["on", "true"].contains(v) ? .on : .off }
            deviceList.memballoon = b
        case "virtio-rng-pci", "virtio-rng", "virtio-rng-device":
            var r = RNG()
            r.model = "virtio"
            var backend = OpaqueElement()
            backend.unknown.attributes = [XMLAttribute("model", "random")]
            backend.unknown.children = [.text(p["rng"].flatMap { rngObjects[$0] } ?? "/dev/urandom")]
            r.backend = backend
            r.address = p.pciAddress
            deviceList.rngs.append(r)
        case "pvpanic": deviceList.panics.append(Panic(model: "isa"))
        case "vfio-pci", "pci-assign", "kvm-pci-assign":
            guard let host = p["host"] else { throw fail("-device \(d) without host=", at: line) }
            var h = try pciHostdev(host, line: line)
            h.address = p.pciAddress
            if let b = try unsignedCount(p["bootindex"], "bootindex") { h.boot = DeviceBoot(order: b) }
            deviceList.hostdevs.append(h)
        case "usb-host":
            if let v = p["vendorid"], let prod = p["productid"] {
                try readUSBHost(hex4(v) + ":" + hex4(prod), line: line)
            } else if let bus = p["hostbus"], let addr = p["hostaddr"] {
                try readUSBHost("\(bus).\(addr)", line: line)
            } else {
                keep("-device", text)
            }
        case _ where controller?.type == .usb:
            usbControllerModel = controller?.model
            usbControllerAddress = p.pciAddress
        case _ where controller?.type == .scsi:
            var c = Controller(type: .scsi, index: UInt(p["id"].flatMap(controllerIndex) ?? 0))
            c.model = controller?.model
            c.address = p.pciAddress
            controllers.append(c)
        case "virtio-serial-pci", "virtio-serial", "virtio-serial-device":
            var c = Controller(type: .virtioSerial, index: UInt(p["id"].flatMap(controllerIndex) ?? 0))
            c.address = p.pciAddress
            controllers.append(c)
        case "ich9-ahci", "ahci":
            var c = Controller(type: .sata, index: 0)
            c.address = p.pciAddress
            controllers.append(c)
        case _ where controller?.type == .pci:
            var c = Controller(
                type: .pci, index: UInt(p["id"].flatMap(controllerIndex) ?? controllers.count + 1), model: controller?.model)
            c.address = p.pciAddress
            controllers.append(c)
        case "isa-fdc":
            break
        case "usb-redir":
            guard let id = p["chardev"] else { throw fail("-device usb-redir without chardev=", at: line) }
            var r = CharDevice(endpoint: chardevs[id] ?? .spicevmc)
            r.bus = "usb"
            if let b = try unsignedCount(p["bootindex"], "bootindex") { r.boot = DeviceBoot(order: b) }
            deviceList.redirdevs.append(r)
        case "usb-hub":
            deviceList.hubs.append(TypeAttribute("usb"))
        case "virtio-9p-pci", "virtio-9p-ccw", "virtio-9p-device":
            guard let id = p["fsdev"], let fsdev = fsdevs[id], let dir = fsdev.value("path") else {
                throw fail("-device \(d) needs an -fsdev local with a path", at: line)
            }
            var fs = Filesystem()
            fs.type = "mount"
            fs.accessmode = ["mapped-xattr": "mapped", "mapped-file": "mapped", "none": "squash"][fsdev.value("security_model") ?? ""] ?? "passthrough"
            var src = Filesystem.Source()
            src.dir = dir
            fs.source = src
            var target = Filesystem.Target()
            target.dir = p["mount_tag"]
            fs.target = target
            fs.readonly = fsdev.value("readonly") == "on"
            fs.address = p.pciAddress
            deviceList.filesystems.append(fs)
        case "vhost-vsock-pci", "vhost-vsock-ccw", "vhost-vsock-device":
            var v = Vsock()
            v.model = "virtio"
            var cid = Vsock.CID()
            cid.auto = .no
            cid.address = try unsignedCount(p["guest-cid"], "guest-cid")
            v.cid = cid
            v.address = p.pciAddress
            deviceList.vsock = v
        case "intel-iommu", "virtio-iommu-pci":
            var i = IOMMU()
            i.model = d == "intel-iommu" ? "intel" : "virtio"
            deviceList.iommu = i
        default:
            keep("-device", text)
        }
    }

    /// `scsi1` → 1, `pci.2` → 2.
    func controllerIndex(_ id: String) -> Int? {
        let digits = id.reversed().prefix { $0.isNumber }
        return digits.isEmpty ? nil : Int(String(digits.reversed()))
    }

    func hex4(_ s: String) -> String {
        let v = s.hasPrefix("0x") ? UInt(s.dropFirst(2), radix: 16) : UInt(s)
        let h = String(v ?? 0, radix: 16)
        return String(repeating: "0", count: max(0, 4 - h.count)) + h
    }
}
