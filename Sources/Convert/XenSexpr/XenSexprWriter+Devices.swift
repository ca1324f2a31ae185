import Schema

/// The (device …) entries: vbd/tap disks, vifs and the PCI block.
extension XenSexprWriter {
    // MARK: Devices

    func diskNode(_ disk: Disk, _ v: XenDomainView) throws(Diagnostic) -> SExpr? {
        let hvm = v.isHVM
        let device = disk.effectiveDevice
        let target = XenDomainView.target(disk)
        if hvm && device == .floppy { return nil }
        // xend 3.0.2 takes a CD-ROM with media from the image; an empty drive stays a device.
        if hvm && device == .cdrom && configVersion < 2 && target == "hdc" && disk.sourcePath != nil { return nil }
        guard !target.isEmpty else { throw v.fail("disk has no target", element: "disk", line: disk.line) }

        let driver = disk.driver?.name
        let kind = driver == "tap" ? "tap" : driver == "tap2" ? "tap2" : "vbd"
        var items: [SExpr] = []
        let dev: String
        if hvm {
            if configVersion < 2 {
                dev = "ioemu:\(target)" + (device == .cdrom ? ":cdrom" : "")
            } else {
                dev = "\(target):\(device == .cdrom ? "cdrom" : "disk")"
            }
        } else {
            dev = device == .cdrom ? "\(target):cdrom" : target
        }
        items.append(.pair("dev", dev))
        if let uname = try XendDiskSpelling.writeSource(disk, v, networkRefusal: "network disks are not supported by xend") {
            items.append(.pair("uname", uname))
        } else if !(hvm && device == .cdrom) {
            // xend (and our reader) take a vbd without media only as an HVM CD-ROM drive.
            throw v.fail(
                "a \(device.xmlValue) with no source cannot be written as a vbd; only an HVM CD-ROM may be empty",
                element: "disk", line: disk.line)
        }
        items.append(.pair("mode", XendDiskSpelling.writeMode(disk)))
        if disk.transient != nil {
            throw v.fail("transient disks not supported yet", element: "disk", line: disk.line)
        }
        return .node(kind, items)
    }

    func vifNode(_ nic: Interface, _ v: XenDomainView) throws(Diagnostic) -> SExpr {
        var items: [SExpr] = [.pair("mac", try XenDeviceText.mac(nic, v))]
        if let avg = nic.bandwidth?.outbound?.average, avg > 0 {
            items.append(.pair("rate", "\(avg)KB/s"))
        }
        let ip = try XenDeviceText.singleIP(nic, v)
        switch nic.source {
        case .bridge(let s)?:
            items.append(.pair("bridge", s?.bridgeName ?? ""))
            items.append(.pair("script", nic.script?.path ?? "vif-bridge"))
            if let ip { items.append(.pair("ip", ip)) }
        case .ethernet?:
            if let script = nic.script?.path { items.append(.pair("script", script)) }
            if let ip { items.append(.pair("ip", ip)) }
        default:
            throw XenDeviceText.unsupportedNIC(nic, v)
        }
        if let name = nic.target?.dev, !name.hasPrefix("vif") { items.append(.pair("vifname", name)) }
        if let model = nic.modelType {
            if v.isHVM && model == "netfront" {
                items.append(.bare("type", "netfront"))
            } else {
                items.append(.pair("model", model))
            }
        }
        if v.isHVM && nic.modelType != "netfront" && configVersion <= 3 {
            items.append(.bare("type", "ioemu"))
        }
        return .node("vif", items)
    }

    func pciNode(_ v: XenDomainView) throws(Diagnostic) -> SExpr? {
        var devs: [SExpr] = []
        for h in v.devices.hostdevs {
            guard let a = XenDevices.pciAddress(of: h) else { continue }
            if h.managed == .yes {
                throw v.fail("managed PCI devices not supported with XenD", element: "hostdev", line: h.line)
            }
            devs.append(
                .node(
                    "dev",
                    [
                        .bare("domain", "0x" + XenDevices.hexDigits(a.domain, width: 4)),
                        .bare("bus", "0x" + XenDevices.hexDigits(a.bus, width: 2)),
                        .bare("slot", "0x" + XenDevices.hexDigits(a.slot, width: 2)),
                        .bare("func", "0x" + XenDevices.hexDigits(a.function, width: 1)),
                    ]))
        }
        return devs.isEmpty ? nil : .node("pci", devs)
    }
}
