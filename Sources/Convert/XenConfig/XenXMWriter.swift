import Schema

/// Writes a domain as an xm config, as libvirt's XM driver did for a given xend config
/// version: before 2 the HVM CD-ROM is the `cdrom` setting and disks carry `ioemu:`; before 3
/// a PV display is `vnc`/`sdl` settings rather than a `vfb` entry; up to 3 HVM NICs say
/// `type=ioemu`.
struct XenXMWriter {
    let fileName: String
    let configVersion: Int

    func write(_ domain: Domain) throws(Diagnostic) -> String {
        let v = XenDomainView(domain, fileName: fileName)
        guard v.isHVM || v.isPV else {
            throw v.fail("os type '\(v.osType)' cannot be written as an xm config", element: "type")
        }
        let w = XenConfigCommonWriter(v: v)
        var c = XenConfig()
        try w.writeGeneral(&c)
        try w.writeMemory(&c)
        try w.writeVCPUs(&c, maxvcpus: false)
        try writeOS(&c, v, w)
        try w.writeTime(&c, rtcOffset: false)
        try w.writeLifecycle(&c)
        if v.isHVM, let emulator = v.devices.emulator { c.set("device_model", emulator) }
        try w.writeUSBInputs(&c, allowList: false)
        try w.writeGraphics(&c, asVfb: !v.isHVM && configVersion >= 3)
        try writeDisks(&c, v)
        let vifs = try v.devices.interfaces.map { nic throws(Diagnostic) in
            try w.vif(nic, netfrontType: "netfront", typeIoemu: configVersion <= 3, multipleIPs: false)
        }
        if !vifs.isEmpty { c.set("vif", .strings(vifs)) }
        try w.writePCI(&c)
        try w.writeCharDevices(&c)
        try w.writeSound(&c)
        do {
            return try XenConfigPrinter.print(c, dialect: .xm)
        } catch {
            throw v.fail("cannot write \(error.name) = '\(visible(error.value))': \(error.reason)")
        }
    }

    private func writeOS(_ c: inout XenConfig, _ v: XenDomainView, _ w: XenConfigCommonWriter) throws(Diagnostic) {
        let os = v.domain.os ?? OS()
        if v.isHVM {
            c.set("builder", "hvm")
            guard let loader = os.loader?.path else { throw v.fail("no HVM domain loader", element: "os") }
            c.set("kernel", loader)
            c.set("boot", w.bootOrder)
            w.writeFeatures(&c, viridian: false)
            if configVersion < 2,
                let cdrom = v.devices.disks.first(where: {
                    $0.effectiveDevice == .cdrom && XenDomainView.target($0) == "hdc" && $0.sourcePath != nil
                }), let path = cdrom.sourcePath
            {
                c.set("cdrom", path)
            }
        } else {
            w.writePVBoot(&c, cmdlineKey: "extra")
        }
    }

    private func writeDisks(_ c: inout XenConfig, _ v: XenDomainView) throws(Diagnostic) {
        var list: [String] = []
        for disk in v.devices.disks {
            let device = disk.effectiveDevice
            let target = XenDomainView.target(disk)
            if device == .floppy { continue }
            if v.isHVM && device == .cdrom && configVersion < 2 && target == "hdc" && disk.sourcePath != nil {
                continue
            }
            list.append(try spec(disk, v, hvmPrefix: v.isHVM && configVersion < 2))
        }
        if !list.isEmpty { c.set("disk", .strings(list)) }
    }

    private func spec(_ disk: Disk, _ v: XenDomainView, hvmPrefix: Bool) throws(Diagnostic) -> String {
        if let path = disk.sourcePath, path.contains(",") {
            throw v.fail("disk source '\(path)' contains a comma, which xm disk specs cannot hold", element: "disk", line: disk.line)
        }
        let source = try XendDiskSpelling.writeSource(disk, v, networkRefusal: "network disks cannot be written in an xm config") ?? ""
        let target = XenDomainView.target(disk)
        guard !target.isEmpty, !target.contains(","), !target.contains(":") else {
            throw v.fail("invalid disk target '\(target)'", element: "disk", line: disk.line)
        }
        if disk.transient != nil {
            throw v.fail("transient disks not supported yet", element: "disk", line: disk.line)
        }
        let dev = (hvmPrefix ? "ioemu:" : "") + target + (disk.effectiveDevice == .cdrom ? ":cdrom" : "")
        return "\(source),\(dev),\(XendDiskSpelling.writeMode(disk))"
    }
}
