import Schema

/// The settings xm and xl configs share (name, memory, CPUs, lifecycle, clock, NICs, PCI,
/// sound, display, serial and parallel ports), read as libvirt's xen_common code did.
struct XenConfigCommonReader {
    let r: XenConfigReading
    let style: XenXMLStyle
    /// The vif `type=` that means a paravirtual NIC: `netfront` for xm, `vif` for xl.
    let netfrontType: String

    init(_ r: XenConfigReading, style: XenXMLStyle, netfrontType: String) {
        self.r = r
        self.style = style
        self.netfrontType = netfrontType
    }

    private func fail(_ line: Int, _ message: String) -> Diagnostic { r.fail(line, message) }

    // MARK: General

    func readGeneral(into d: inout Domain) throws(Diagnostic) {
        d.type = .xen
        guard let name = try r.strictString("name") else {
            throw fail(1, "config value name was missing")
        }
        d.name = name
        if let raw = try r.strictString("uuid") {
            guard let uuid = UUIDValue(xmlValue: raw) else { throw fail(r.line("uuid"), "\(raw) not parseable") }
            d.uuid = uuid
        } else {
            d.uuid = .random()
        }
        d.description = try r.strictString("description")
    }

    func readMemory(into d: inout Domain) throws(Diagnostic) {
        // xm's default is twice Xen's 64 MiB minimum.
        let memory = try r.number("memory") ?? 128
        let maxmem = try r.number("maxmem") ?? memory
        guard let maxKiB = XenNumbers.kibibytes(mebibytes: maxmem) else {
            throw r.fail(r.line(r.value("maxmem") == nil ? "memory" : "maxmem"), "memory size \(maxmem) MiB is too large")
        }
        d.memory = MemorySize(kibibytes: maxKiB)
        d.currentMemory = MemorySize(kibibytes: min(memory, maxmem) << 10)
    }

    func readLifecycle(into d: inout Domain) throws(Diagnostic) {
        func action(_ name: String, _ value: String) throws(Diagnostic) -> LifecycleAction {
            let raw = try r.strictString(name) ?? value
            let a = LifecycleAction(xmlValue: raw)
            guard a.isKnown else { throw fail(r.line(name), "unexpected value \(raw) for \(name)") }
            return a
        }
        d.onPoweroff = try action("on_poweroff", "destroy")
        d.onReboot = try action("on_reboot", "restart")
        d.onCrash = try action("on_crash", "restart")
    }

    func readCPUs(into d: inout Domain, hvm: Bool) throws(Diagnostic) {
        var count = UInt(try r.number("vcpus") ?? 1)
        var current: UInt?
        if let maxv = try r.number("maxvcpus") {
            current = count
            count = UInt(maxv)
        } else if let avail = try r.number("vcpu_avail") {
            let online = UInt(avail.nonzeroBitCount)
            if online > 0 && online < count { current = online }
        }
        var cpuset: String?
        if let raw = try r.string("cpus") {
            guard let set = XenCPUSet.parse(raw), !set.isEmpty else {
                throw fail(r.line("cpus"), "invalid cpus '\(raw)'")
            }
            cpuset = XenCPUSet.format(set)
        }
        d.vcpu = style.vcpu(max: count, current: current, cpuset: cpuset)
        guard hvm else { return }
        var f = Features()
        // HVM features are on unless switched off.
        if try r.bool("pae") ?? true { f.pae = FeatureSwitch() }
        if try r.bool("acpi") ?? true { f.acpi = FeatureSwitch() }
        if try r.bool("apic") ?? true { f.apic = FeatureSwitch() }
        if try r.bool("hap") == false { f.hap = FeatureSwitch(state: .off) }
        if try r.bool("viridian") ?? false { f.viridian = FeatureSwitch() }
        if f != Features() { d.features = f }
    }

    func readClock(into d: inout Domain, hvm: Bool) throws(Diagnostic) {
        let localtime = try r.bool("localtime") ?? false
        let offset = hvm ? try r.integer("rtc_timeoffset") ?? 0 : 0
        var clock = style.clock(hvm: hvm, localtime: localtime, rtcOffset: offset)
        if hvm, let hpet = try r.bool("hpet") {
            clock.timers = [Clock.Timer(name: "hpet", present: hpet)]
        }
        d.clock = clock
    }

    // MARK: Network

    func readInterfaces(into devices: inout Devices) throws(Diagnostic) {
        for (spec, line) in try r.strings("vif") {
            devices.interfaces.append(try vif(spec, line: line))
        }
    }

    private func vif(_ spec: String, line: Int) throws(Diagnostic) -> Interface {
        let pairs = XenKeyValueSpec.pairs(spec)
        var values: [String: String] = [:]
        for (key, value) in pairs {
            guard let value else { throw fail(line, "malformed vif spec '\(spec)': '\(key)' has no value") }
            values[key] = value
        }
        var nic = Interface()
        if let mac = values["mac"] {
            guard let m = XenMAC.normalized(mac) else { throw fail(line, "malformed mac address '\(mac)'") }
            nic.mac = MACElement(m)
        }
        let script = values["script"]
        let bridge = values["bridge"].flatMap { $0.isEmpty ? nil : $0 }
        if bridge != nil || script == "vif-bridge" || script == "vif-vnic" {
            var s = BridgeInterfaceSource()
            if let bridge {
                // Open vSwitch bridges carry VLANs: `br.42` tags, `br:42:43` trunks.
                var name = bridge
                var tags: [UInt] = []
                var trunk = false
                if bridge.contains(":") {
                    let parts = bridge.split(separator: ":", omittingEmptySubsequences: false)
                    name = String(parts[0])
                    tags = parts.dropFirst().compactMap { UInt($0) }
                    trunk = true
                } else if let dot = bridge.lastIndex(of: "."), let tag = UInt(bridge[bridge.index(after: dot)...]) {
                    name = String(bridge[..<dot])
                    tags = [tag]
                }
                s.bridge = name
                if !tags.isEmpty {
                    var vlan = VLAN()
                    if trunk { vlan.trunk = .yes }
                    vlan.tags = tags.map { VLAN.Tag(id: $0) }
                    nic.vlan = vlan
                    nic.virtualport = VirtualPort(type: "openvswitch")
                }
            }
            nic.source = .bridge(bridge == nil ? nil : s)
        } else {
            nic.source = .ethernet(nil)
        }
        if let ip = values["ip"] {
            nic.ips = ip.split(separator: " ").map { style.ip(String($0)) }
        }
        if let script, !script.isEmpty { nic.script = PathAttribute(script) }
        if let model = values["model"], !model.isEmpty {
            nic.model = TypeAttribute(model)
        } else if values["type"] == netfrontType {
            nic.model = TypeAttribute("netfront")
        }
        if let name = values["vifname"], !name.isEmpty { nic.target = InterfaceTarget(dev: name) }
        if let rate = values["rate"] {
            guard let kbps = XenDevices.vifRate(rate) else {
                throw fail(line, "invalid rate '\(rate)' specified")
            }
            nic.bandwidth = XenDevices.bandwidth(outboundKBps: kbps)
        }
        return nic
    }

    // MARK: PCI, sound

    func readPCI(into devices: inout Devices) throws(Diagnostic) {
        for (spec, line) in try r.strings("pci") {
            // [DDDD:]BB:SS.F, optionally followed by ,option=value settings.
            let bdf = spec.split(separator: ",", maxSplits: 1)[0].split(separator: "@")[0]
            let parts = bdf.split(separator: ":", omittingEmptySubsequences: false)
            guard (2...3).contains(parts.count),
                let dot = parts.last?.split(separator: ".", omittingEmptySubsequences: false), dot.count == 2,
                let slot = UInt(dot[0], radix: 16), let fn = UInt(dot[1], radix: 16),
                let bus = UInt(parts[parts.count - 2], radix: 16),
                let domain = parts.count == 3 ? UInt(parts[0], radix: 16) : 0
            else {
                throw fail(line, "malformed PCI device '\(spec)' (expected [DDDD:]BB:SS.F)")
            }
            devices.hostdevs.append(XenDevices.pciHostdev(domain: domain, bus: bus, slot: slot, function: fn))
        }
    }

    func readSound(into devices: inout Devices) throws(Diagnostic) {
        guard let list = try r.string("soundhw") else { return }
        switch XenDevices.sounds(list) {
        case .success(let s): devices.sounds = s
        case .failure(let e): throw fail(r.line("soundhw"), e.message)
        }
    }

    // MARK: Display

    /// `vnc=1`/`sdl=1` settings: HVM guests, and PV guests of xend before 3.0.4.
    func topLevelGraphics(includePasswords: Bool) throws(Diagnostic) -> Graphics? {
        if try r.bool("vnc") == true {
            let unused = try r.bool("vncunused") ?? true
            var port = -1
            if !unused {
                let display = try r.number("vncdisplay") ?? 0
                guard let p = XenNumbers.vncPort(display: display, portsAllowed: false) else {
                    throw r.fail(r.line("vncdisplay"), "invalid vncdisplay value '\(display)'")
                }
                port = p
            }
            return XenDevices.vnc(
                port: port, autoport: unused, listen: try r.string("vnclisten"),
                passwd: includePasswords ? try r.string("vncpasswd") : nil, keymap: try r.string("keymap"))
        }
        if try r.bool("sdl") == true {
            return XenDevices.sdl(display: try r.string("display"), xauth: try r.string("xauthority"))
        }
        return nil
    }

    /// The first `vfb = [ "type=vnc,…" ]` entry of a PV guest.
    func vfbGraphics(includePasswords: Bool) throws(Diagnostic) -> Graphics? {
        guard let (spec, line) = try r.strings("vfb").first else { return nil }
        let pairs = XenKeyValueSpec.pairs(spec)
        let value = { (k: String) in XenKeyValueSpec.value(k, in: pairs) }
        let sdl = value("type") == "sdl" || (value("type") == nil && value("sdl") == "1")
        if sdl {
            return XenDevices.sdl(display: value("display"), xauth: value("xauthority"))
        }
        var port = -1
        if let display = value("vncdisplay") {
            guard let n = Int(display), let p = XenNumbers.vncPort(display: n, portsAllowed: false) else {
                throw fail(line, "invalid vncdisplay value '\(display)'")
            }
            port = p
        }
        let autoport = value("vncunused") == "1" || (value("vncunused") == nil && port == -1)
        return XenDevices.vnc(
            port: autoport ? -1 : port, autoport: autoport, listen: value("vnclisten"),
            passwd: includePasswords ? value("vncpasswd") : nil, keymap: value("keymap"))
    }

    // MARK: Character devices

    private func endpoint(_ spec: String, line: Int) throws(Diagnostic) -> CharEndpoint {
        switch XenCharSpec.parse(spec) {
        case .success(let e): return e
        case .failure(let e): throw fail(line, e.message)
        }
    }

    func readCharDevices(into devices: inout Devices, hvm: Bool) throws(Diagnostic) {
        guard hvm else {
            devices.consoles = [XenDevices.pvConsole()]
            return
        }
        if let spec = try r.string("parallel"), spec != "none" {
            devices.parallels = [XenDevices.charDevice(try endpoint(spec, line: r.line("parallel")), port: 0)]
        }
        if let v = r.value("serial") {
            if case .list = v.kind {
                for (port, (spec, line)) in try r.strings("serial").enumerated() where spec != "none" {
                    devices.serials.append(XenDevices.charDevice(try endpoint(spec, line: line), port: UInt(port)))
                }
            } else if let spec = try r.string("serial"), spec != "none" {
                devices.serials = [XenDevices.charDevice(try endpoint(spec, line: v.line), port: 0)]
            }
        }
        if let first = devices.serials.first {
            devices.consoles = [XenDevices.consoleMirroring(first)]
        }
    }

    // MARK: Inputs

    func readUSBDevices(into devices: inout Devices) throws(Diagnostic) {
        for (name, line) in try r.strings("usbdevice") {
            switch name {
            case "tablet": devices.inputs.append(Input(type: .tablet, bus: .usb))
            case "mouse": devices.inputs.append(Input(type: .mouse, bus: .usb))
            case "keyboard": devices.inputs.append(Input(type: .keyboard, bus: .usb))
            default: _ = line
            }
        }
    }
}
