import Schema

/// `SOURCE,TARGET[:cdrom],MODE` disk specs of xm configs, e.g. `phy:/dev/vg/lv,xvda,w`,
/// `tap:aio:/img,hda,w`, `file:/iso,hdc:cdrom,r`, `,hdc:cdrom,r` (empty drive).
enum XenXMDiskSpec {
    static func parse(_ spec: String, hvm: Bool, style: XenXMLStyle) -> Result<Disk, SpecError> {
        let fields = spec.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count == 3 else {
            return .failure(SpecError("bad disk spec '\(spec)': expected SOURCE,TARGET,MODE"))
        }
        let source = String(fields[0])
        var target = String(fields[1])
        let mode = String(fields[2])
        if target.hasPrefix("ioemu:") { target.removeFirst(6) }
        guard !target.isEmpty else { return .failure(SpecError("bad disk spec '\(spec)': no target device")) }

        var driver = "phy"
        var format: String? = style.defaultDiskFormat
        var path: String?
        if !source.isEmpty {
            var rest = Substring(source)
            if let colon = rest.firstIndex(of: ":") {
                driver = String(rest[..<colon])
                rest = rest[rest.index(after: colon)...]
            }
            if driver == "tap" || driver == "tap2" {
                guard let colon = rest.firstIndex(of: ":") else {
                    return .failure(SpecError("bad disk spec '\(spec)': blktap disk without a driver type"))
                }
                let type = String(rest[..<colon])
                guard let f = XenDiskFormats.format(forBlktapType: type) else {
                    return .failure(SpecError("bad disk spec '\(spec)': unknown driver type '\(type)'"))
                }
                format = type == "aio" ? style.blktapAioType : f
                rest = rest[rest.index(after: colon)...]
            }
            path = String(rest)
        }
        var device = DiskDevice.disk
        if let colon = target.firstIndex(of: ":") {
            if target[colon...] == ":cdrom" { device = .cdrom }
            target = String(target[..<colon])
        }
        let src: DiskSource = driver == "phy" ? .block(path.map { DiskBlockSource(dev: $0) }) : .file(path.map { DiskFileSource(file: $0) })
        return .success(
            XenDevices.disk(
                source: src, device: device, driverName: driver, driverType: format, target: target,
                bus: XenDevices.configBus(forTarget: target, hvm: hvm), readonly: mode == "r" || mode == "ro",
                shareable: mode == "w!" || mode == "!"))
    }
}
