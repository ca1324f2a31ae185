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
        let (target, device) = XendDiskSpelling.readTarget(String(fields[1]))
        guard !target.isEmpty else { return .failure(SpecError("bad disk spec '\(spec)': no target device")) }
        var driver = "phy"
        var format: String? = style.defaultDiskFormat
        var path: String?
        if !source.isEmpty {
            switch XendDiskSpelling.readSource(source, defaultDriver: "phy", aioFormat: style.blktapAioType) {
            case .success(let s):
                driver = s.driver
                // Only a blktap source names its format; other drivers keep the toolstack's default.
                if driver == "tap" || driver == "tap2" { format = s.format }
                path = s.path
            case .failure(let e):
                return .failure(SpecError("bad disk spec '\(spec)': \(e.message)"))
            }
        }
        let src: DiskSource = driver == "phy" ? .block(path.map { DiskBlockSource(dev: $0) }) : .file(path.map { DiskFileSource(file: $0) })
        let mode = XendDiskSpelling.readMode(String(fields[2]))
        return .success(
            XenDevices.disk(
                source: src, device: device, driverName: driver, driverType: format, target: target,
                bus: XenDevices.configBus(forTarget: target, hvm: hvm), readonly: mode.readonly,
                shareable: mode.shareable))
    }
}
