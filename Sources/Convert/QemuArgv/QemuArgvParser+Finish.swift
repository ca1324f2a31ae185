import Schema

/// After the last option: resolve references, name disks, and add what libvirt's XML states
/// explicitly but a command line leaves implicit (controllers, PS/2 inputs, the console,
/// lifecycle defaults).
extension ArgvParse {
    mutating func finish() {
        if domain.uuid == nil { domain.uuid = UUIDValue.random() }
        if domain.name == nil { domain.name = "guest-" + String(domain.uuid!.compact.prefix(8)) }
        if domain.memory?.value == nil {
            let dump = domain.memory?.dumpCore
            domain.memory = MemorySize(kibibytes: 128 * 1024)
            domain.memory?.dumpCore = dump
            domain.currentMemory = MemorySize(kibibytes: 128 * 1024)
        }
        if domain.vcpu == nil {
            var v = VCPUs(1)
            v.placement = "static"
            domain.vcpu = v
        }
        var os = osBlock
        os.type = OSType("hvm", arch: arch, machine: explicitMachine ?? defaultMachine)
        if let letters = bootLetters {
            os.boots = letters.compactMap { c -> Boot? in
                switch c {
                case "a", "b": Boot(.fd)
                case "c": Boot(.hd)
                case "d": Boot(.cdrom)
                case "n", "o", "p": Boot(.network)
                default: nil
                }
            }
        } else if os.kernel == nil && !arch.hasPrefix("aarch64") && !arch.hasPrefix("arm")
            && !disks.contains(where: { $0.bootindex != nil }) && !nics.contains(where: { $0.bootindex != nil })
        {
            os.boots = [Boot(.hd)]
        }
        domain.os = os
        var features = domain.features ?? Features()
        if isX86 && !noACPI { features.acpi = FeatureSwitch(state: nil) }
        if arch == "aarch64" && (explicitMachine ?? defaultMachine) == "virt" && features.gic == nil {
            var g = GICFeature()
            g.version = "2"
            features.gic = g
        }
        if features != Features() { domain.features = features }
        if domain.clock == nil { domain.clock = Clock(offset: .utc) }
        if domain.onPoweroff == nil { domain.onPoweroff = .destroy }
        if domain.onReboot == nil { domain.onReboot = .restart }
        if domain.onCrash == nil { domain.onCrash = .destroy }

        var devices = deviceList
        devices.emulator = binary
        deviceList = devices
        resolveDisks()
        addControllers()
        resolveNICs()
        resolveCharDevices()
        resolveInputsAndDisplay()
        devices = deviceList
        if devices.memballoon == nil { devices.memballoon = MemBalloon(model: "none") }
        if arch.hasPrefix("ppc64") && (explicitMachine ?? defaultMachine)?.hasPrefix("pseries") == true {
            devices.panics.append(Panic(model: "pseries"))
        }
        if arch == "s390x" { devices.panics.append(Panic(model: "s390")) }
        deviceList = devices
        if !unmapped.isEmpty {
            var cl = QemuCommandline()
            cl.args = unmapped.map(QemuCommandline.Arg.init)
            domain.qemuCommandline = cl
        }
        for (name, value) in environment where !["LC_ALL", "PATH", "HOME", "USER", "LOGNAME", "QEMU_AUDIO_DRV", "CEPH_ARGS"].contains(name) {
            var cl = domain.qemuCommandline ?? QemuCommandline()
            var e = QemuCommandline.Env()
            e.name = name
            e.value = value
            cl.env.append(e)
            domain.qemuCommandline = cl
        }
    }

    var defaultMachine: String? { EmulatorArch.defaultMachine(forArch: arch) }

    var isPseries: Bool { arch.hasPrefix("ppc64") && (explicitMachine ?? defaultMachine)?.hasPrefix("pseries") == true }

    /// Gives every parsed disk its target name, bus, driver and address.
    mutating func resolveDisks() {
        var used: [String: Set<Int>] = [:]
        func claim(_ prefix: String, _ wanted: Int?) -> Int {
            var taken = used[prefix] ?? []
            var i = wanted ?? 0
            if wanted == nil { while taken.contains(i) { i += 1 } }
            taken.insert(i)
            used[prefix] = taken
            return i
        }
        var virtioSlots: [Int: DeviceAddress] = [:]
        var result: [Disk] = []
        let q35 = (explicitMachine ?? "").contains("q35")
        for (n, var p) in disks.enumerated() {
            if q35 && p.iface == "ide" && p.attached {
                // q35's ide.N buses are the ports of its built-in AHCI controller.
                p.iface = "sata"
                p.index = nil
            }
            if p.iface == "none" && !p.attached {
                warnings.append("-drive id=\(p.id ?? "?") has no -device using it; left out")
                continue
            }
            var disk = Disk()
            var bus: DiskBus
            var prefix: String
            switch p.iface {
            case "ide": (bus, prefix) = (isPseries ? .scsi : .ide, "hd")
            case "scsi": (bus, prefix) = (.scsi, "sd")
            case "virtio": (bus, prefix) = (.virtio, "vd")
            case "floppy": (bus, prefix) = (.fdc, "fd")
            case "usb": (bus, prefix) = (.usb, "sd")
            case "sata": (bus, prefix) = (.sata, "sd")
            case "xen": (bus, prefix) = (.xen, "xvd")
            case "sd": (bus, prefix) = (.sd, "mmcblk")
            default: (bus, prefix) = (.ide, "hd")
            }
            var wanted = p.index
            if wanted == nil, p.iface == "ide", let b = p.bus { wanted = b * 2 + (p.unit ?? 0) }
            if wanted == nil, p.iface == "floppy", let u = p.unit { wanted = u }
            let index = claim(prefix, wanted)
            disk.target = DiskTarget(dev: DiskNames.name(prefix, index), bus: bus)
            switch p.source {
            case nil: disk.source = .file(nil)
            case .network(let net)?:
                var net = net
                if net?.protocol == "iscsi", let auth = net?.auth {
                    disk.auth = auth
                    net?.auth = nil
                }
                disk.source = .network(net)
            case let s?: disk.source = s
            }
            disk.device = p.cdrom ? .cdrom : p.floppy ? .floppy : p.lun ? .lun : .disk
            var driver = DiskDriver(name: "qemu", type: p.format ?? "raw")
            driver.cache = p.cache
            driver.discard = p.discard
            driver.io = p.io
            if let w = p.werror { driver.errorPolicy = w == "enospc" ? "enospace" : w }
            if let r = p.rerror, r != p.werror { driver.rerrorPolicy = r == "enospc" ? "enospace" : r }
            disk.driver = driver
            disk.readonly = p.readonly
            disk.serial = p.serial
            if let b = p.bootindex { disk.boot = DeviceBoot(order: UInt(b)) }
            switch bus {
            case .ide, .fdc:
                disk.address = p.address ?? .drive(DriveAddress(controller: 0, bus: UInt(index / 2), unit: UInt(index % 2)))
                if bus == .fdc { disk.address = .drive(DriveAddress(controller: 0, bus: 0, unit: UInt(index))) }
            case .scsi:
                disk.address = p.address ?? .drive(DriveAddress(controller: 0, bus: 0, unit: UInt(index)))
            case .virtio:
                if let a = p.address {
                    disk.address = a
                } else if assignsAddresses {
                    virtioSlots[n] = nil
                    disk.address = nil  // assigned below, after the fixed slots
                }
            default:
                disk.address = p.address
            }
            result.append(disk)
        }
        deviceList.disks = result
    }

    /// The controllers a PC has whether or not the command line says so, and those it named.
    mutating func addControllers() {
        var list: [Controller] = []
        let disks = deviceList.disks
        if isX86 || isPseries {
            var usb = Controller(type: .usb, index: 0, model: usbControllerModel)
            if let a = usbControllerAddress {
                usb.address = a
            } else if assignsAddresses {
                usb.address = .pci(isPseries ? PCIAddress(bus: 0, slot: 1, function: 0) : PCIAddress(bus: 0, slot: 1, function: 2))
            }
            list.append(usb)
            var root = Controller(type: .pci, index: 0, model: .pciRoot)
            if isPseries && assignsAddresses {
                root.modelName = NameAttribute("spapr-pci-host-bridge")
                var t = ControllerTarget()
                t.index = "0"
                root.target = t
            }
            if (explicitMachine ?? "").contains("q35") { root.model = .pcieRoot }
            list.append(root)
        }
        if disks.contains(where: { $0.target?.bus == .ide }) {
            var ide = Controller(type: .ide, index: 0)
            if assignsAddresses && isX86 { ide.address = .pci(PCIAddress(bus: 0, slot: 1, function: 1)) }
            list.append(ide)
        }
        if disks.contains(where: { $0.target?.bus == .scsi }) && !controllers.contains(where: { $0.type == .scsi }) {
            var scsi = Controller(type: .scsi, index: 0)
            if isPseries && assignsAddresses {
                scsi.model = .ibmvscsi
                var a = SpaprVioAddress()
                a.reg = "0x2000"
                scsi.address = .spaprVio(a)
            }
            list.append(scsi)
        }
        if disks.contains(where: { $0.target?.bus == .fdc }) { list.append(Controller(type: .fdc, index: 0)) }
        if disks.contains(where: { $0.target?.bus == .sata }) && !controllers.contains(where: { $0.type == .sata }) {
            list.append(Controller(type: .sata, index: 0))
        }
        list += controllers
        deviceList.controllers = list
    }

    mutating func resolveCharDevices() {
        var devices = deviceList
        devices.serials = serials
        devices.parallels = parallels
        for i in devices.parallels.indices where devices.parallels[i].target == nil {
            devices.parallels[i].target = CharTarget(port: UInt(i))
        }
        if isX86, let first = serials.first, devices.consoles.isEmpty {
            var console = first
            console.target = CharTarget(type: "serial", port: first.target?.port ?? 0)
            console.address = nil
            devices.consoles.append(console)
        }
        if assignsAddresses && isX86 {
            for i in devices.serials.indices where devices.serials[i].target?.type == nil {
                devices.serials[i].target?.type = "isa-serial"
                devices.serials[i].target?.model = NameAttribute("isa-serial")
            }
        }
        deviceList = devices
    }

    mutating func resolveInputsAndDisplay() {
        var devices = deviceList
        var gfx = graphics
        if let k = pendingKeymap {
            for i in gfx.indices where gfx[i].type == .vnc { gfx[i].keymap = k }
        }
        if gfx.isEmpty && !nographic && !displayNone { gfx.append(Graphics(type: .sdl)) }
        devices.graphics = gfx
        if isX86 {
            devices.inputs.insert(contentsOf: [Input(type: .mouse, bus: .ps2), Input(type: .keyboard, bus: .ps2)], at: 0)
        } else if isPseries && !gfx.isEmpty && !devices.inputs.contains(where: { $0.bus == .usb }) {
            devices.inputs.insert(contentsOf: [Input(type: .keyboard, bus: .usb), Input(type: .mouse, bus: .usb)], at: 0)
        }
        var vids = videos
        let vgaOff = vgaModel == "none"
        if vids.isEmpty && !gfx.isEmpty && !vgaOff {
            var v = Video()
            var m = Video.Model()
            switch vgaModel {
            case "std"?: m.type = .vga
            case "vmware"?: m.type = .vmvga
            case "qxl"?: m.type = .qxl
            case "virtio"?: m.type = .virtio
            default: m.type = .cirrus
            }
            m.vram = 16384
            m.heads = 1
            v.model = m
            vids = [v]
        }
        if !vids.isEmpty {
            vids[0].model?.primary = .yes
            if vids[0].address == nil && assignsAddresses && (isX86 || isPseries) {
                vids[0].address = .pci(PCIAddress(bus: 0, slot: 2, function: 0))
            }
        }
        devices.videos = vids
        deviceList = devices
        if assignsAddresses && (isX86 || isPseries) { assignPCISlots() }
    }

    /// Slot 1 (PIIX3) and 2 (video) are fixed; the rest go from 3 in libvirt's order.
    mutating func assignPCISlots() {
        var devices = deviceList
        var used: Set<UInt> = [0, 1, 2]
        func collect(_ a: DeviceAddress?) { if let s = a?.pci?.slotNumber, a?.pci?.busNumber ?? 0 == 0 { used.insert(s) } }
        devices.disks.forEach { collect($0.address) }
        devices.interfaces.forEach { collect($0.address) }
        devices.controllers.forEach { collect($0.address) }
        devices.sounds.forEach { collect($0.address) }
        devices.hostdevs.forEach { collect($0.address) }
        devices.watchdogs.forEach { collect($0.address) }
        devices.rngs.forEach { collect($0.address) }
        collect(devices.memballoon?.address)
        func next() -> DeviceAddress {
            var s: UInt = 3
            while used.contains(s) { s += 1 }
            used.insert(s)
            return .pci(PCIAddress(bus: 0, slot: s, function: 0))
        }
        for i in devices.controllers.indices where devices.controllers[i].address == nil
            && [.scsi, .virtioSerial, .sata].contains(devices.controllers[i].type) && !isPseries
        {
            devices.controllers[i].address = next()
        }
        for i in devices.interfaces.indices where devices.interfaces[i].address == nil {
            devices.interfaces[i].address = next()
        }
        for i in devices.sounds.indices where devices.sounds[i].address == nil
            && [.ich6, .ich9, .ac97, .es1370].contains(devices.sounds[i].model)
        {
            devices.sounds[i].address = next()
        }
        for i in devices.disks.indices where devices.disks[i].target?.bus == .virtio && devices.disks[i].address == nil {
            devices.disks[i].address = next()
        }
        for i in devices.hostdevs.indices where devices.hostdevs[i].address == nil && devices.hostdevs[i].type == "pci" {
            devices.hostdevs[i].address = next()
        }
        for i in devices.watchdogs.indices where devices.watchdogs[i].address == nil && devices.watchdogs[i].model == "i6300esb" {
            devices.watchdogs[i].address = next()
        }
        if devices.memballoon?.model == "virtio" && devices.memballoon?.address == nil {
            devices.memballoon?.address = next()
        }
        for i in devices.rngs.indices where devices.rngs[i].address == nil { devices.rngs[i].address = next() }
        deviceList = devices
    }
}
