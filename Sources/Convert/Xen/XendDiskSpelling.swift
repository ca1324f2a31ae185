import Schema

/// How xend spells a disk, in S-expressions (`(uname 'tap:aio:/img')(dev 'hda:cdrom')(mode 'r')`)
/// and in xm configs (`tap:aio:/img,hda:cdrom,r`) alike: the source as DRIVER:[TYPE:]PATH, the
/// target with its `:cdrom` (and, for xend before 3.0.3, `ioemu:`) decorations, and the
/// access mode. One reading and one writing of each, shared by xen-sxpr and xen-xm.
enum XendDiskSpelling {
    /// A source read back: driver (`phy`, `file`, `tap`, `tap2`, …), the format a blktap
    /// type stands for, and the path.
    struct Source {
        var driver: String
        var format: String?
        var path: String

        var diskSource: DiskSource {
            driver == "phy" ? .block(DiskBlockSource(dev: path)) : .file(DiskFileSource(file: path))
        }
    }

    /// `DRIVER:[TYPE:]PATH`; `defaultDriver` when the text has no driver (xm takes a bare
    /// path as `phy:`), else a missing driver is an error. `aioFormat` is what blktap's
    /// `aio` type reads as (the toolstack's default format).
    static func readSource(_ text: String, defaultDriver: String?, aioFormat: String?) -> Result<Source, SpecError> {
        var rest = Substring(text)
        let driver: String
        if let colon = rest.firstIndex(of: ":") {
            driver = String(rest[..<colon])
            rest = rest[rest.index(after: colon)...]
        } else if let defaultDriver {
            driver = defaultDriver
        } else {
            return .failure(SpecError("cannot parse vbd filename '\(text)', missing driver name"))
        }
        var format: String?
        if driver == "tap" || driver == "tap2" {
            guard let colon = rest.firstIndex(of: ":") else {
                return .failure(SpecError("cannot parse vbd filename '\(text)', missing driver type"))
            }
            let type = String(rest[..<colon])
            guard let f = XenDiskFormats.format(forBlktapType: type) else {
                return .failure(SpecError("unknown driver type '\(type)' in '\(text)'"))
            }
            format = type == "aio" ? aioFormat : f
            rest = rest[rest.index(after: colon)...]
        }
        return .success(Source(driver: driver, format: format, path: String(rest)))
    }

    /// The source as xend wants it, nil for a drive without media. A block device named
    /// without its folder is under /dev. `networkRefusal` is the format's word for disks it
    /// cannot carry at all.
    static func writeSource(_ disk: Disk, _ v: XenDomainView, networkRefusal: String) throws(Diagnostic) -> String? {
        guard let path = disk.sourcePath else {
            if case .network? = disk.source {
                throw v.fail(networkRefusal, element: "disk", line: disk.line)
            }
            return nil
        }
        if let driver = disk.driver?.name.map({ $0 == "qemu" ? "file" : $0 }) {
            if driver == "tap" || driver == "tap2" {
                return "\(driver):\(XenDiskFormats.blktapType(forFormat: disk.driver?.type)):\(path)"
            }
            return "\(driver):\(path)"
        }
        switch disk.source {
        case .block?: return path.hasPrefix("/") ? "phy:\(path)" : "phy:/dev/\(path)"
        case .file?, .other?: return "file:\(path)"
        default:
            throw v.fail("unsupported disk type '\(disk.source?.tag ?? "")'", element: "disk", line: disk.line)
        }
    }

    /// `[ioemu:]TARGET[:cdrom|:disk]` → the target and the device kind.
    static func readTarget(_ text: String) -> (target: String, device: DiskDevice) {
        var target = Substring(text)
        if target.hasPrefix("ioemu:") { target = target.dropFirst(6) }
        var device = DiskDevice.disk
        if let colon = target.lastIndex(of: ":") {
            if target[colon...] == ":cdrom" { device = .cdrom }
            target = target[..<colon]
        }
        return (String(target), device)
    }

    /// `r` and `ro` are read-only; a trailing `!` (`w!`) lets other guests write the disk too.
    static func readMode(_ mode: String) -> (readonly: Bool, shareable: Bool) {
        (mode == "r" || mode == "ro", mode.hasSuffix("!"))
    }

    static func writeMode(_ disk: Disk) -> String {
        disk.readonly ? "r" : disk.shareable ? "w!" : "w"
    }
}
