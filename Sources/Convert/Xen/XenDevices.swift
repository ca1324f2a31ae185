import Schema

/// Builders for the domain pieces every Xen reader produces, so the three formats describe
/// the same device the same way.
enum XenDevices {
    static func disk(
        source: DiskSource, device: DiskDevice, driverName: String?, driverType: String?,
        target: String, bus: DiskBus?, readonly: Bool = false, shareable: Bool = false
    ) -> Disk {
        var d = Disk()
        d.source = source
        d.device = device
        if driverName != nil || driverType != nil {
            d.driver = DiskDriver(name: driverName, type: driverType)
        }
        d.target = DiskTarget(dev: target, bus: bus)
        d.readonly = readonly
        d.shareable = shareable
        return d
    }

    /// The bus xend's target names imply: `xvd*` paravirtual, `sd*` SCSI, anything else IDE.
    static func sexprBus(forTarget dev: String) -> DiskBus {
        if dev.hasPrefix("xvd") { return .xen }
        if dev.hasPrefix("sd") { return .scsi }
        return .ide
    }

    /// The bus for xm/xl configs, where every disk of a paravirtual guest is a Xen disk.
    static func configBus(forTarget dev: String, hvm: Bool) -> DiskBus {
        if dev.hasPrefix("xvd") || !hvm { return .xen }
        if dev.hasPrefix("sd") { return .scsi }
        return .ide
    }

    /// `<graphics type='vnc' …>` with the listen address both as attribute and element, as
    /// libvirt writes it.
    static func vnc(port: Int, autoport: Bool, listen: String?, passwd: String?, keymap: String?)
        -> Graphics
    {
        var g = Graphics(type: .vnc)
        g.port = port
        g.autoport = YesNo(autoport)
        setListen(&g, listen)
        g.passwd = passwd
        g.keymap = keymap
        return g
    }

    static func setListen(_ g: inout Graphics, _ address: String?) {
        guard let address else { return }
        g.listen = address
        g.listens = [.onAddress(address)]
    }

    static func sdl(display: String?, xauth: String?) -> Graphics {
        var g = Graphics(type: .sdl)
        g.display = display
        g.xauth = xauth
        return g
    }

    static func charDevice(_ endpoint: CharEndpoint, targetType: String? = nil, port: UInt) -> CharDevice {
        CharDevice(endpoint: endpoint, target: CharTarget(type: targetType, port: port))
    }

    /// The console libvirt shows for an HVM guest's first serial port.
    static func consoleMirroring(_ serial: CharDevice) -> CharDevice {
        var c = serial
        c.target = CharTarget(type: "serial", port: serial.target?.port ?? 0)
        return c
    }

    /// The paravirtual console every PV guest has.
    static func pvConsole() -> CharDevice {
        charDevice(.pty(path: nil), targetType: "xen", port: 0)
    }

    static func pciHostdev(domain: UInt, bus: UInt, slot: UInt, function: UInt) -> Hostdev {
        var a = HostAddress()
        a.domain = "0x" + hexDigits(domain, width: 4)
        a.bus = "0x" + hexDigits(bus, width: 2)
        a.slot = "0x" + hexDigits(slot, width: 2)
        a.function = "0x" + hexDigits(function, width: 1)
        return .pci(a, managed: .no)
    }

    static func hexDigits(_ v: UInt, width: Int) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }

    /// The host PCI address of a hostdev, when it is one.
    static func pciAddress(of h: Hostdev) -> (domain: UInt, bus: UInt, slot: UInt, function: UInt)? {
        guard h.mode == nil || h.mode == "subsystem", case .pci(let source)? = h.source, let a = source?.address
        else { return nil }
        return (
            DeviceAddress.number(a.domain) ?? 0, DeviceAddress.number(a.bus) ?? 0,
            DeviceAddress.number(a.slot) ?? 0, DeviceAddress.number(a.function) ?? 0
        )
    }

    static func input(_ type: InputType, _ bus: InputBus) -> Input { Input(type: type, bus: bus) }

    /// Sound models as xend and xm configs list them (`sb16,es1370`); `all` stands for the
    /// two models Xen's QEMU historically had.
    static func sounds(_ list: String) -> Result<[Sound], SpecError> {
        if list == "all" { return .success([Sound(model: .sb16), Sound(model: .es1370)]) }
        let known: Set<String> = ["sb16", "es1370", "pcspk", "ac97", "ich6", "ich9", "usb", "ich7"]
        var out: [Sound] = []
        for model in list.split(separator: ",", omittingEmptySubsequences: false) {
            guard known.contains(String(model)) else {
                return .failure(SpecError("unknown sound model '\(model)'"))
            }
            out.append(Sound(model: SoundModel(xmlValue: String(model))))
        }
        return .success(out)
    }

    /// A vif rate (`10240KB/s`, `100Mb/s@20ms`) in KB/s, read the way libvirt reads it.
    static func vifRate(_ rate: String) -> UInt64? {
        let main = rate.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)[0]
        var digits = Substring(main)
        var number = ""
        while let c = digits.first, c.isASCII, c.isNumber {
            number.append(c)
            digits = digits.dropFirst()
        }
        guard var value = UInt64(number) else { return nil }
        var unit = digits
        var scale: UInt64 = 1
        if let c = unit.first, "GMK".contains(c) {
            scale = c == "G" ? 1024 * 1024 : c == "M" ? 1024 : 1
            unit = unit.dropFirst()
        }
        guard unit == "B/s" || unit == "b/s" else { return nil }
        value = value.multipliedReportingOverflow(by: scale).partialValue
        if unit.first == "b" { value /= 8 }
        return value
    }

    static func bandwidth(outboundKBps: UInt64) -> Bandwidth {
        var b = Bandwidth()
        b.outbound = Bandwidth.Rate(average: outboundKBps)
        return b
    }

    /// HVM boot order letters (`cd`, `dna`…) as boot devices.
    static func bootDevices(_ letters: String) -> [Boot] {
        letters.prefix(4).map { c in
            switch c {
            case "a": Boot(.fd)
            case "d": Boot(.cdrom)
            case "n": Boot(.network)
            default: Boot(.hd)
            }
        }
    }

    static func bootLetters(_ boots: [BootDevice]) -> String {
        if boots.isEmpty { return "c" }
        return String(
            boots.map { b -> Character in
                switch b {
                case .fd: "a"
                case .cdrom: "d"
                case .network: "n"
                default: "c"
                }
            })
    }
}
