import Schema

/// Reads an xl.cfg into a domain, as libvirt's libxl driver did.
struct XenXLReader {
    let fileName: String
    let style: XenXMLStyle

    /// The firmware libvirt's capabilities name for HVM guests.
    static let hvmLoader = "/usr/lib/xen/boot/hvmloader"
    /// Where libxl installs OVMF; libvirt printed the build-time directory name as is.
    static let ovmfLoader = "/LIBXL_FIRMWARE_DIR/ovmf.bin"

    enum GuestType { case pv, hvm, pvh }

    func read(_ text: String) throws(Diagnostic) -> Conversion {
        let config = try XenConfigParser.parse(text, fileName: fileName, dialect: .xl)
        let r = XenConfigReading(config: config, fileName: fileName)
        let common = XenConfigCommonReader(r, style: style, netfrontType: "vif")
        var warnings: [String] = []

        var d = Domain()
        try common.readGeneral(into: &d)
        let type = try guestType(r)
        let hvm = type == .hvm
        var os = OS()
        switch type {
        case .hvm: os.type = style.osType("hvm", machine: "xenfv")
        case .pv: os.type = style.osType("linux", machine: "xenpv")
        case .pvh: os.type = style.osType("xenpvh", machine: "xenpvh")
        }
        try readOS(r, hvm: hvm, into: &os, domain: &d, warnings: &warnings)
        d.os = os
        try common.readMemory(into: &d)
        try common.readLifecycle(into: &d)
        try common.readCPUs(into: &d, hvm: hvm)
        if hvm { try readNestedAndCPUID(r, into: &d) }
        try readVNUMA(r, into: &d)
        try common.readClock(into: &d, hvm: hvm)

        var devices = Devices()
        devices.emulator = try r.string("device_model_override")
        if devices.emulator == nil { devices.emulator = try r.string("device_model") }
        try readDisks(r, hvm: hvm, into: &devices)
        try common.readInterfaces(into: &devices)
        try readPCI(r, into: &devices)
        if hvm { try common.readSound(into: &devices) }
        if hvm {
            if let g = try common.topLevelGraphics(includePasswords: true) {
                devices.graphics = [g]
            } else if let g = try spice(r) {
                devices.graphics = [g]
            }
            try common.readUSBDevices(into: &devices)
        } else if let g = try common.vfbGraphics(includePasswords: true) {
            devices.graphics = [g]
        }
        try common.readCharDevices(into: &devices, hvm: hvm)
        try readChannels(r, into: &devices)
        try readUSB(r, into: &devices, warnings: &warnings)
        if let frames = try r.number("max_grant_frames"), frames > 0 {
            var xenbus = Controller(type: "xenbus", index: 0)
            xenbus.maxGrantFrames = UInt(frames)
            devices.controllers.append(xenbus)
        }
        d.devices = devices
        style.finish(&d, hvm: hvm)
        // `usb`, `sdl = 0` and `spicevdagent` only switch on what the devices read need.
        warnings += r.ignoredSettings(besides: ["usb", "sdl", "spicevdagent", "builder"])
        return Conversion(domain: d, warnings: warnings)
    }

    private func guestType(_ r: XenConfigReading) throws(Diagnostic) -> GuestType {
        if let t = try r.strictString("type") {
            switch t {
            case "pv": return .pv
            case "hvm": return .hvm
            case "pvh": return .pvh
            default: throw r.fail(r.line("type"), "unknown guest type '\(t)' (expected pv, hvm or pvh)")
            }
        }
        switch try r.strictString("builder") ?? "generic" {
        case "hvm": return .hvm
        case "generic", "linux": return .pv
        case let other: throw r.fail(r.line("builder"), "unknown builder '\(other)' (expected 'generic' or 'hvm')")
        }
    }

    /// `cmdline`, or the older `root` and `extra` it replaces.
    private func cmdline(_ r: XenConfigReading, warnings: inout [String]) throws(Diagnostic) -> String? {
        let root = try r.string("root")
        let extra = try r.string("extra")
        if let c = try r.string("cmdline") {
            if root != nil || extra != nil { warnings.append("ignoring root= and extra= in favour of cmdline=") }
            return c
        }
        switch (root, extra) {
        case (let root?, let extra?): return "root=\(root) \(extra)"
        case (let root?, nil): return "root=\(root)"
        case (nil, let extra?): return extra
        case (nil, nil): return nil
        }
    }

    private func readOS(
        _ r: XenConfigReading, hvm: Bool, into os: inout OS, domain d: inout Domain, warnings: inout [String]
    ) throws(Diagnostic) {
        if hvm {
            if try r.string("bios") == "ovmf" {
                var l = Loader(path: Self.ovmfLoader)
                l.readonly = .yes
                l.type = "pflash"
                os.loader = l
            } else {
                var l = Loader(path: Self.hvmLoader)
                if style.romLoaderType { l.type = "rom" }
                os.loader = l
            }
            os.kernel = try r.string("kernel")
            os.initrd = try r.string("ramdisk")
            os.cmdline = try cmdline(r, warnings: &warnings)
            os.boots = XenDevices.bootDevices(try r.string("boot") ?? "c")
        } else {
            d.bootloader = try r.string("bootloader")
            d.bootloaderArgs = try r.string("bootargs")
            os.kernel = try r.string("kernel")
            os.initrd = try r.string("ramdisk")
            os.cmdline = try cmdline(r, warnings: &warnings)
        }
    }

    // MARK: CPU

    /// libxl's cpuid names that differ from libvirt's.
    static let cpuidNames: [(libvirt: String, libxl: String)] = [
        ("cx16", "cmpxchg16"), ("cid", "cntxid"), ("ds_cpl", "dscpl"), ("pclmuldq", "pclmulqdq"),
        ("pni", "sse3"), ("ht", "htt"), ("pn", "psn"), ("clflush", "clfsh"), ("sep", "sysenter"),
        ("cx8", "cmpxchg8"), ("nodeid_msr", "nodeid"), ("cr8legacy", "altmovcr8"), ("lahf_lm", "lahfsahf"),
        ("cmp_legacy", "cmplegacy"), ("fxsr_opt", "ffxsr"), ("pdpe1gb", "page1gb"), ("spec-ctrl", "ibrsb"),
    ]

    private func readNestedAndCPUID(_ r: XenConfigReading, into d: inout Domain) throws(Diagnostic) {
        if let nested = try r.bool("nestedhvm") {
            var cpu = d.cpu ?? CPU()
            cpu.mode = "host-passthrough"
            if !nested { cpu.features.append(CPUFeature(policy: "disable", name: "vmx")) }
            d.cpu = cpu
        }
        guard let raw = try r.string("cpuid") else { return }
        let line = r.line("cpuid")
        let items = raw.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard items.first == "host" else {
            throw r.fail(line, "cpuid starting with '\(items.first ?? "")' is not supported, only the libxl format is")
        }
        var cpu = d.cpu ?? CPU()
        cpu.mode = "host-passthrough"
        for item in items.dropFirst() {
            let kv = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { throw r.fail(line, "invalid libxl cpuid key=value element '\(item)'") }
            let policy: String
            switch kv[1] {
            case "1": policy = "force"
            case "0": policy = "disable"
            case "x", "k", "s": policy = "optional"
            default: throw r.fail(line, "invalid libxl cpuid value '\(item)'")
            }
            let name = Self.cpuidNames.first { $0.libxl == kv[0] }?.libvirt ?? kv[0]
            cpu.features.append(CPUFeature(policy: policy, name: name))
        }
        d.cpu = cpu
    }

    /// `vnuma = [ [ "pnode=0", "size=2048", "vcpus=0-1", "vdistances=10,21" ], … ]`.
    private func readVNUMA(_ r: XenConfigReading, into d: inout Domain) throws(Diagnostic) {
        guard let value = r.value("vnuma") else { return }
        guard let nodes = value.list else { throw r.fail(value.line, "vnuma must be a list of lists") }
        var numa = NUMA()
        for (index, node) in nodes.enumerated() {
            guard let settings = node.list else {
                throw r.fail(node.line, "vnuma vnode \(index) must be a list")
            }
            var cell = NUMA.Cell()
            cell.id = UInt(index)
            var distances: [UInt] = []
            var sawPnode = false
            for setting in settings {
                guard let s = setting.string, let eq = s.firstIndex(of: "=") else {
                    throw r.fail(setting.line, "vnuma vnode \(index) has an invalid setting")
                }
                let key = s[..<eq]
                let val = String(s[s.index(after: eq)...])
                switch key {
                case "pnode":
                    guard let p = UInt(val), p < nodes.count else {
                        throw r.fail(setting.line, "vnuma vnode \(index) contains invalid pnode value '\(val)'")
                    }
                    sawPnode = true
                case "size":
                    guard let mib = UInt64(val) else { throw r.fail(setting.line, "invalid vnuma size '\(val)'") }
                    cell.memory = mib * 1024
                    cell.unit = .KiB
                case "vcpus":
                    guard let set = XenCPUSet.parse(val), !set.isEmpty else {
                        throw r.fail(setting.line, "invalid vnuma vcpus '\(val)'")
                    }
                    cell.cpus = XenCPUSet.format(set)
                case "vdistances":
                    distances = val.split(separator: ",").compactMap { UInt($0) }
                    guard distances.count == nodes.count else {
                        throw r.fail(
                            setting.line,
                            "vnuma vdistances '\(val)' does not fit the number of vnodes (\(nodes.count))")
                    }
                default:
                    throw r.fail(setting.line, "invalid vnuma configuration for vnode \(index)")
                }
            }
            guard sawPnode, cell.cpus != nil, cell.memory != nil else {
                throw r.fail(node.line, "incomplete vnuma configuration for vnode \(index)")
            }
            if !distances.isEmpty {
                var dist = NUMA.Distances()
                dist.siblings = distances.enumerated().map { NUMA.Sibling(id: UInt($0.offset), value: $0.element) }
                cell.distances = dist
            }
            numa.cells.append(cell)
        }
        var cpu = d.cpu ?? CPU()
        cpu.numa = numa
        d.cpu = cpu
    }

    // MARK: Devices

    private func readDisks(_ r: XenConfigReading, hvm: Bool, into devices: inout Devices) throws(Diagnostic) {
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
                    switch XenRBDSource.parse(target) {
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
    private func readPCI(_ r: XenConfigReading, into devices: inout Devices) throws(Diagnostic) {
        let common = XenConfigCommonReader(r, style: style, netfrontType: "vif")
        var scratch = Devices()
        try common.readPCI(into: &scratch)
        for ((spec, _), var hostdev) in zip(try r.strings("pci"), scratch.hostdevs) {
            if style.pciDriverXen { hostdev.driver = NameAttribute("xen") }
            let options = XenKeyValueSpec.pairs(spec).dropFirst()
            if XenKeyValueSpec.value("permissive", in: Array(options)) == "1" {
                hostdev.source?.writeFiltering = .no
            }
            devices.hostdevs.append(hostdev)
        }
    }

    private func spice(_ r: XenConfigReading) throws(Diagnostic) -> Graphics? {
        guard try r.bool("spice") == true else { return nil }
        var g = Graphics(type: .spice)
        XenDevices.setListen(&g, try r.string("spicehost"))
        let tls = try r.number("spicetls_port") ?? 0
        let port = try r.number("spiceport") ?? 0
        if tls != 0 { g.tlsPort = Int(tls) }
        if port != 0 { g.port = Int(port) }
        g.autoport = YesNo(tls == 0 && port == 0)
        // libvirt's data keeps the password even where ticketing is switched off.
        _ = try r.bool("spicedisable_ticketing")
        g.passwd = try r.string("spicepasswd")
        let agentMouse = try r.bool("spiceagent_mouse") ?? false
        g.mouse = OpaqueElement(element: XMLElement("mouse", attributes: [XMLAttribute("mode", agentMouse ? "client" : "server")]))
        let clipboard = try r.bool("spice_clipboard_sharing") ?? false
        g.clipboard = OpaqueElement(
            element: XMLElement("clipboard", attributes: [XMLAttribute("copypaste", clipboard ? "yes" : "no")]))
        return g
    }

    /// `usbctrl = [ "type=qusb,version=2,ports=4" ]` and `usbdev = [ "hostbus=1,hostaddr=3" ]`;
    /// libxl reads their numbers in hexadecimal.
    private func readUSB(_ r: XenConfigReading, into devices: inout Devices, warnings: inout [String])
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
            var c = Controller(type: "usb", index: index, model: version == 1 ? "qusb1" : "qusb2")
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
            var h = Hostdev()
            h.mode = "subsystem"
            h.type = "usb"
            h.managed = .no
            var a = HostAddress()
            a.bus = String(bus)
            a.device = String(addr)
            var src = HostdevSource()
            src.address = a
            h.source = src
            devices.hostdevs.append(h)
        }
    }

    /// `channel = [ "connection=socket,path=/p,name=org.qemu.guest_agent.0" ]`.
    private func readChannels(_ r: XenConfigReading, into devices: inout Devices) throws(Diagnostic) {
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
