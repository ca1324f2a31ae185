import Schema

/// The details libvirt added to a converted domain changed over the years, and each native
/// format's reference data comes mostly from one period. A style says which of those details a
/// reader writes, so each reader can match what libvirt's driver for that format produced.
struct XenXMLStyle: Sendable {
    /// `<vcpu placement='static'>`.
    var vcpuPlacement = false
    /// A keyboard next to the implicit mouse of a guest with graphics.
    var implicitKeyboard = false
    /// HVM clocks as `offset='variable' adjustment='N' basis='utc|localtime'` rather than
    /// `offset='utc|localtime' adjustment='reset'`.
    var variableHVMClock = false
    /// The driver type of a blktap `aio` disk: early libvirt kept `aio`, later `raw`.
    var blktapAioType = "raw"
    /// `<type arch=… machine=…>` from the host capabilities (nil: no attributes).
    var osArch: String?
    /// `<loader type='rom'>` for the HVM firmware.
    var romLoaderType = false
    /// The format libvirt filled in for a disk whose config names none.
    var defaultDiskFormat: String?
    /// IDE/SCSI drive addresses and the controllers they imply.
    var driveAddresses = false
    /// The `<video>` model of a guest with graphics: (HVM model, VRAM in KiB or nil).
    var hvmVideo: (model: VideoModelType, vram: UInt?)?
    var pvVideo: (model: VideoModelType, vram: UInt?)?
    /// `<memballoon model='xen'/>`.
    var memballoon = false
    /// `<controller type='xenbus'/>`.
    var xenbusController = false
    /// `family='ipv4'` on interface addresses.
    var ipFamily = false
    /// `<driver name='xen'/>` on PCI host devices.
    var pciDriverXen = false
    /// The implicit inputs even on guests without a display (libvirt since 1.3).
    var implicitInputsAlways = false

    /// Adds the mouse (and keyboard) libvirt implies for a guest with a display.
    func addImplicitInputs(_ devices: inout Devices, hvm: Bool) {
        let bus: InputBus = hvm ? .ps2 : .xen
        if !devices.inputs.contains(where: { $0.type == .mouse && $0.bus == bus }) {
            devices.inputs.append(Input(type: .mouse, bus: bus))
        }
        if implicitKeyboard,
            !devices.inputs.contains(where: { $0.type == .keyboard && $0.bus == bus })
        {
            devices.inputs.append(Input(type: .keyboard, bus: bus))
        }
    }

    func vcpu(max: UInt, current: UInt?, cpuset: String?) -> VCPUs {
        var v = VCPUs(max)
        if vcpuPlacement { v.placement = "static" }
        v.cpuset = cpuset
        if let current, current < max { v.current = current }
        return v
    }

    /// The clock of a guest whose native config says `localtime` and, for HVM, an RTC offset.
    /// An offset other than 0 needs the variable form whatever the style.
    func clock(hvm: Bool, localtime: Bool, rtcOffset: Int) -> Clock {
        var c = Clock()
        if hvm && (variableHVMClock || rtcOffset != 0) {
            c.offset = .variable
            c.adjustment = String(rtcOffset)
            c.basis = localtime ? "localtime" : "utc"
        } else {
            c.offset = localtime ? .localtime : .utc
            c.adjustment = "reset"
        }
        return c
    }

    func osType(_ type: String, machine: String) -> OSType {
        guard let osArch else { return OSType(type) }
        return OSType(type, arch: osArch, machine: machine)
    }

    func ip(_ address: String) -> InterfaceIP {
        guard ipFamily else { return InterfaceIP(address: address) }
        return InterfaceIP(address: address, family: address.contains(":") ? "ipv6" : "ipv4")
    }

    /// What libvirt's post-parse step added: drive addresses and controllers, video, the
    /// balloon, the xenbus controller, implicit inputs.
    func finish(_ domain: inout Domain, hvm: Bool) {
        var devices = domain.devices ?? Devices()
        if implicitInputsAlways || !devices.graphics.isEmpty { addImplicitInputs(&devices, hvm: hvm) }
        if driveAddresses { assignDriveAddresses(&devices) }
        if xenbusController, !devices.controllers.contains(where: { $0.type == .xenbus }) {
            devices.controllers.insert(Controller(type: .xenbus, index: 0), at: 0)
        }
        if let video = hvm ? hvmVideo : pvVideo, !devices.graphics.isEmpty, devices.videos.isEmpty {
            var v = Video()
            var m = Video.Model()
            m.type = video.model
            m.vram = video.vram
            m.heads = 1
            m.primary = .yes
            v.model = m
            devices.videos = [v]
        }
        if memballoon && devices.memballoon == nil { devices.memballoon = MemBalloon(model: "xen") }
        domain.devices = devices
    }

    /// IDE disks sit two to a bus, SCSI disks seven to a controller, as libvirt numbers them.
    private func assignDriveAddresses(_ devices: inout Devices) {
        var controllers: [(String, UInt)] = []
        for i in devices.disks.indices {
            let disk = devices.disks[i]
            guard disk.address == nil, let dev = disk.target?.dev,
                let index = XenXMLStyle.diskIndex(dev)
            else { continue }
            switch disk.target?.bus {
            case .ide?:
                devices.disks[i].address = .drive(DriveAddress(controller: index / 4, bus: (index / 2) % 2, unit: index % 2))
                if !controllers.contains(where: { $0 == ("ide", index / 4) }) { controllers.append(("ide", index / 4)) }
            case .scsi?:
                devices.disks[i].address = .drive(DriveAddress(controller: index / 7, bus: 0, unit: index % 7))
                if !controllers.contains(where: { $0 == ("scsi", index / 7) }) { controllers.append(("scsi", index / 7)) }
            default: continue
            }
        }
        for (name, index) in controllers.sorted(by: { ($0.0, $0.1) < ($1.0, $1.1) }) {
            let type = ControllerType(xmlValue: name)
            guard !devices.controllers.contains(where: { $0.type == type && $0.index == index }) else { continue }
            devices.controllers.append(Controller(type: type, index: index))
        }
    }

    /// `hda` → 0, `sdb` → 1, `xvdaa` → 26.
    static func diskIndex(_ dev: String) -> UInt? {
        let prefixes = ["xvd", "hd", "sd", "vd", "fd"]
        guard let p = prefixes.first(where: { dev.hasPrefix($0) }) else { return nil }
        let letters = dev.dropFirst(p.count)
        guard !letters.isEmpty, letters.allSatisfy({ $0 >= "a" && $0 <= "z" }) else { return nil }
        var n: UInt = 0
        for c in letters.unicodeScalars { n = n * 26 + UInt(c.value - 96) }
        return n - 1
    }
}
