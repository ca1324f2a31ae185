import Schema

/// Writes the settings xm and xl configs share, from a domain.
struct XenConfigCommonWriter {
    let v: XenDomainView

    func writeGeneral(_ c: inout XenConfig) throws(Diagnostic) {
        c.set("name", try v.name())
        c.set("uuid", v.uuid.xmlValue)
        if let desc = v.domain.description { c.set("description", desc) }
    }

    func writeMemory(_ c: inout XenConfig) throws(Diagnostic) {
        let mem = try v.memory()
        c.set("maxmem", .number(XenDomainView.mebibytes(mem.maximum)))
        c.set("memory", .number(XenDomainView.mebibytes(mem.current)))
    }

    /// A paravirt guest's boot: its bootloader and arguments, or kernel, ramdisk and command
    /// line (`extra` in xm, `cmdline` in xl).
    func writePVBoot(_ c: inout XenConfig, cmdlineKey: String) {
        let os = v.domain.os ?? OS()
        if let bl = v.domain.bootloader { c.set("bootloader", bl) }
        if let args = v.domain.bootloaderArgs { c.set("bootargs", args) }
        if let k = os.kernel { c.set("kernel", k) }
        if let i = os.initrd { c.set("ramdisk", i) }
        if let cmdline = os.cmdline { c.set(cmdlineKey, cmdline) }
    }

    /// `vcpus` with either xm's online bitmask or xl's `maxvcpus`.
    func writeVCPUs(_ c: inout XenConfig, maxvcpus: Bool) throws(Diagnostic) {
        if v.currentVCPUs < v.maxVCPUs {
            if maxvcpus {
                c.set("maxvcpus", .number(UInt64(v.maxVCPUs)))
                c.set("vcpus", .number(UInt64(v.currentVCPUs)))
            } else {
                c.set("vcpus", .number(UInt64(v.maxVCPUs)))
                c.set("vcpu_avail", .number(try v.vcpuAvailMask()))
            }
        } else {
            c.set("vcpus", .number(UInt64(v.maxVCPUs)))
        }
        if let cpus = try v.cpuset() { c.set("cpus", cpus) }
    }

    func writeFeatures(_ c: inout XenConfig, viridian: Bool) {
        guard v.isHVM else { return }
        let f = v.domain.features
        c.set("pae", f?.pae.isOn == true ? 1 : 0)
        c.set("acpi", f?.acpi.isOn == true ? 1 : 0)
        c.set("apic", f?.apic.isOn == true ? 1 : 0)
        if f?.hap?.state == .off { c.set("hap", 0) }
        if viridian || f?.viridian.isOn == true { c.set("viridian", f?.viridian.isOn == true ? 1 : 0) }
        if let hpet = v.hpet { c.set("hpet", hpet ? 1 : 0) }
    }

    func writeTime(_ c: inout XenConfig, rtcOffset: Bool) throws(Diagnostic) {
        let t = try v.timeOffset()
        if v.isHVM && (rtcOffset || t.rtcOffset != 0) { c.set("rtc_timeoffset", t.rtcOffset) }
        c.set("localtime", t.localtime ? 1 : 0)
    }

    func writeLifecycle(_ c: inout XenConfig) throws(Diagnostic) {
        let d = v.domain
        c.set("on_poweroff", try v.lifecycle(d.onPoweroff, "on_poweroff", default: .destroy))
        c.set("on_reboot", try v.lifecycle(d.onReboot, "on_reboot", default: .restart))
        c.set("on_crash", try v.lifecycle(d.onCrash, "on_crash", default: .destroy))
    }

    /// The display: `vnc`/`sdl` settings for HVM guests (and PV guests of old xend), or a
    /// `vfb` list entry.
    func writeGraphics(_ c: inout XenConfig, asVfb: Bool) throws(Diagnostic) {
        guard let g = v.devices.graphics.first(where: { $0.type != .spice }) else { return }
        let display = try v.vncDisplay(g)
        if asVfb {
            var items: [String] = []
            switch g.type {
            case .sdl?:
                items.append("type=sdl")
                if let display = g.display { items.append("display=\(display)") }
                if let xauth = g.xauth { items.append("xauthority=\(xauth)") }
            case .vnc?:
                items.append("type=vnc")
                items.append("vncunused=\(display == nil ? 1 : 0)")
                if let display { items.append("vncdisplay=\(display)") }
                if let listen = g.listenAddress { items.append("vnclisten=\(listen)") }
                if let passwd = g.passwd { items.append("vncpasswd=\(passwd)") }
                if let keymap = g.keymap { items.append("keymap=\(keymap)") }
            default:
                throw v.fail("unsupported graphics type for a vfb", element: "graphics", line: g.line)
            }
            let spec = try specItems(items, element: "graphics", line: g.line)
            c.set("vfb", .strings([spec]))
            return
        }
        switch g.type {
        case .sdl?:
            c.set("sdl", 1)
            c.set("vnc", 0)
            if let display = g.display { c.set("display", display) }
            if let xauth = g.xauth { c.set("xauthority", xauth) }
        case .vnc?:
            c.set("sdl", 0)
            c.set("vnc", 1)
            c.set("vncunused", display == nil ? 1 : 0)
            if let display { c.set("vncdisplay", display) }
            if let listen = g.listenAddress { c.set("vnclisten", listen) }
            if let passwd = g.passwd { c.set("vncpasswd", passwd) }
            if let keymap = g.keymap { c.set("keymap", keymap) }
        default:
            throw v.fail(
                "graphics type '\(g.type?.xmlValue ?? "")' is not supported here", element: "graphics",
                line: g.line)
        }
    }

    /// Joins `key=value` items, refusing values that would change the spec's meaning.
    func specItems(_ items: [String], element: String, line: Int) throws(Diagnostic) -> String {
        for item in items {
            let value = item.split(separator: "=", maxSplits: 1).dropFirst().first ?? ""
            if value.contains(",") {
                throw v.fail("'\(value)' cannot be written in a comma-separated device spec", element: element, line: line)
            }
        }
        return items.joined(separator: ",")
    }

    /// One vif entry.
    func vif(_ nic: Interface, netfrontType: String, typeIoemu: Bool, multipleIPs: Bool) throws(Diagnostic)
        -> String
    {
        var items = ["mac=\(try XenDeviceText.mac(nic, v))"]
        let ips: [String]
        if multipleIPs {
            ips = nic.ips.compactMap(\.address)
        } else {
            ips = try XenDeviceText.singleIP(nic, v).map { [$0] } ?? []
        }
        switch nic.source {
        case .bridge(let s)?:
            var bridge = s?.bridgeName ?? ""
            if let vlan = nic.vlan, !vlan.tags.isEmpty {
                let tags = vlan.tags.compactMap(\.id).map(String.init)
                bridge += vlan.trunk == .yes || tags.count > 1 ? ":" + tags.joined(separator: ":") : "." + tags[0]
            }
            items.append("bridge=\(bridge)")
            if !ips.isEmpty { items.append("ip=\(ips.joined(separator: " "))") }
            items.append("script=\(nic.script?.path ?? "vif-bridge")")
        case .ethernet?:
            if let script = nic.script?.path { items.append("script=\(script)") }
            if !ips.isEmpty { items.append("ip=\(ips.joined(separator: " "))") }
        default:
            throw XenDeviceText.unsupportedNIC(nic, v)
        }
        if let model = nic.modelType {
            items.append(v.isHVM && model == "netfront" ? "type=\(netfrontType)" : "model=\(model)")
        }
        if v.isHVM && typeIoemu && nic.modelType != "netfront" { items.append("type=ioemu") }
        if let name = nic.target?.dev, !(name.hasPrefix("vif") && name.contains(".")) {
            items.append("vifname=\(name)")
        }
        if let avg = nic.bandwidth?.outbound?.average, avg > 0 { items.append("rate=\(avg)KB/s") }
        return try specItems(items, element: "interface", line: nic.line)
    }

    func writePCI(_ c: inout XenConfig) throws(Diagnostic) {
        var list: [String] = []
        for h in v.devices.hostdevs {
            guard let a = XenDevices.pciAddress(of: h) else { continue }
            list.append(
                "\(XenDevices.hexDigits(a.domain, width: 4)):\(XenDevices.hexDigits(a.bus, width: 2)):"
                    + "\(XenDevices.hexDigits(a.slot, width: 2)).\(XenDevices.hexDigits(a.function, width: 1))")
        }
        if !list.isEmpty { c.set("pci", .strings(list)) }
    }

    private func charSpec(_ dev: CharDevice, _ element: String) throws(Diagnostic) -> String {
        switch XenCharSpec.format(dev.endpoint) {
        case .success(let s): return s
        case .failure(let e): throw v.fail(e.message, element: element, line: dev.line)
        }
    }

    func writeCharDevices(_ c: inout XenConfig) throws(Diagnostic) {
        guard v.isHVM else { return }
        if let p = v.devices.parallels.first {
            c.set("parallel", try charSpec(p, "parallel"))
        } else {
            c.set("parallel", "none")
        }
        let serials = v.serials
        guard let first = serials.first else {
            c.set("serial", "none")
            return
        }
        if serials.count == 1 && (first.target?.port ?? 0) == 0 {
            c.set("serial", try charSpec(first, "serial"))
            return
        }
        let maxPort = serials.map { $0.target?.port ?? 0 }.max() ?? 0
        var list: [String] = []
        for port in 0...maxPort {
            if let dev = serials.first(where: { ($0.target?.port ?? 0) == port }) {
                list.append(try charSpec(dev, "serial"))
            } else {
                list.append("none")
            }
        }
        c.set("serial", .strings(list))
    }

    func writeSound(_ c: inout XenConfig) throws(Diagnostic) {
        guard v.isHVM, !v.devices.sounds.isEmpty else { return }
        c.set("soundhw", try XenDeviceText.soundList(v.devices.sounds, v))
    }

    /// HVM boot order letters.
    var bootOrder: String { XenDevices.bootLetters(v.domain.os?.bootDevices ?? []) }

    /// `usb`/`usbdevice` for the guest's USB inputs; several inputs become a list.
    func writeUSBInputs(_ c: inout XenConfig, allowList: Bool) throws(Diagnostic) {
        guard v.isHVM else { return }
        var names: [String] = []
        for input in v.devices.inputs where input.bus == .usb {
            switch input.type {
            case .mouse?: names.append("mouse")
            case .tablet?: names.append("tablet")
            case .keyboard?: names.append("keyboard")
            default: continue
            }
        }
        guard !names.isEmpty else { return }
        c.set("usb", 1)
        if names.count == 1 || !allowList {
            c.set("usbdevice", names[0])
        } else {
            c.set("usbdevice", .strings(names))
        }
    }
}
