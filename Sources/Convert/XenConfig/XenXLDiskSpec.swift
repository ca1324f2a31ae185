import Schema

/// An xl disk spec (Xen's xl-disk-configuration): comma-separated positional parameters
/// `target,format,vdev,access`, `key=value` settings and flags. `target=` takes the rest of
/// the spec, commas included, so writers put it last.
struct XenXLDiskSpec: Equatable {
    var target: String?
    var format: String?
    var vdev: String?
    var access: String?
    var devtype: String?
    var backendtype: String?

    static let positional = ["target", "format", "vdev", "access"]

    /// Target prefixes of the xm era: (prefix, backend type, format).
    static let legacyPrefixes: [(String, String?, String?)] = [
        ("phy:", "phy", nil), ("file:", nil, nil), ("tap:", "tap", nil), ("tap2:", "tap", nil),
        ("aio:", nil, "raw"), ("raw:", nil, "raw"), ("qcow:", nil, "qcow"), ("qcow2:", nil, "qcow2"),
        ("vhd:", nil, "vhd"),
    ]

    static func hasLegacyPrefix(_ target: String) -> Bool {
        legacyPrefixes.contains { target.hasPrefix($0.0) }
    }
    static let formats: Set<String> = ["raw", "qcow", "qcow2", "vhd", "qed", "empty"]

    /// Settings that may follow a named target.
    static let namedKeys = [
        "format", "vdev", "access", "devtype", "backendtype", "backend", "script", "discard",
        "no-discard", "direct-io-safe",
    ]

    /// The comma in `text` that starts another `key=` setting, if any.
    static func namedSettingStart(in text: Substring) -> Substring.Index? {
        var i = text.startIndex
        while let comma = text[i...].firstIndex(of: ",") {
            let after = text[text.index(after: comma)...].drop(while: { $0 == " " || $0 == "\t" })
            if namedKeys.contains(where: { after.hasPrefix($0 + "=") }) { return comma }
            i = text.index(after: comma)
        }
        return nil
    }

    static func parse(_ spec: String) -> Result<XenXLDiskSpec, SpecError> {
        var s = XenXLDiskSpec()
        var assigned = Set<String>()
        var nextPositional = 0
        var rest = Substring(spec)

        func set(_ key: String, _ value: String) -> SpecError? {
            guard !assigned.contains(key) else { return SpecError("'\(key)' is given twice in disk spec '\(spec)'") }
            assigned.insert(key)
            // An empty value means the default.
            let v: String? = value.isEmpty ? nil : value
            switch key {
            case "target": s.target = v
            case "format": s.format = v
            case "vdev": s.vdev = v
            case "access": s.access = v
            case "devtype": s.devtype = v
            case "backendtype": s.backendtype = v
            // Accepted and not modelled: the backend domain, hotplug script, cache hints.
            case "backend", "script", "discard", "no-discard", "direct-io-safe", "colo-host", "colo-port",
                "colo-export", "active-disk", "hidden-disk", "specification", "trusted", "untrusted":
                break
            default: return SpecError("unknown parameter '\(key)' in disk spec '\(spec)'")
            }
            return nil
        }

        while true {
            let item: Substring
            let last: Bool
            if let comma = rest.firstIndex(of: ",") {
                item = rest[..<comma]
                rest = rest[rest.index(after: comma)...]
                last = false
            } else {
                item = rest
                last = true
            }
            let token = item.drop(while: { $0 == " " || $0 == "\t" })
            if token.hasPrefix("target=") {
                // The named target takes the rest of the spec, commas included, up to a comma
                // that starts another named setting (libvirt's own data puts some after it).
                let valueStart = token.index(token.startIndex, offsetBy: 7)
                let tail = spec[valueStart...]
                let end = XenXLDiskSpec.namedSettingStart(in: tail) ?? tail.endIndex
                if let e = set("target", String(tail[..<end])) { return .failure(e) }
                if end == tail.endIndex { break }
                rest = tail[tail.index(after: end)...]
                continue
            }
            if let eq = token.firstIndex(of: "=") {
                if let e = set(String(token[..<eq]), String(token[token.index(after: eq)...])) { return .failure(e) }
            } else if token == "cdrom" {
                if let e = set("devtype", "cdrom") { return .failure(e) }
            } else if ["discard", "no-discard", "direct-io-safe", "trusted", "untrusted"].contains(String(token)) {
                // Flags virtkit does not model.
            } else {
                while nextPositional < positional.count && assigned.contains(positional[nextPositional]) {
                    nextPositional += 1
                }
                guard nextPositional < positional.count else {
                    if token.isEmpty {
                        if last { break }
                        continue
                    }
                    return .failure(SpecError("too many positional parameters in disk spec '\(spec)'"))
                }
                let key = positional[nextPositional]
                if let e = set(key, String(token)) { return .failure(e) }
                nextPositional += 1
                // A target with a legacy prefix (`phy:`, `tap:aio:`…) names its format itself,
                // so the classic `phy:/dev/vg/lv,xvda,w` goes on with the vdev.
                if key == "target", XenXLDiskSpec.hasLegacyPrefix(String(token)), !assigned.contains("format") {
                    assigned.insert("format")
                }
            }
            if last { break }
        }
        return s.validated(spec)
    }

    private func validated(_ spec: String) -> Result<XenXLDiskSpec, SpecError> {
        var s = self
        guard var vdev = s.vdev else { return .failure(SpecError("disk spec '\(spec)' has no vdev")) }
        // The legacy `hdc:cdrom` spelling of a CD-ROM.
        if vdev.hasSuffix(":cdrom") {
            vdev.removeLast(6)
            s.devtype = "cdrom"
        }
        s.vdev = vdev
        if let f = s.format, !XenXLDiskSpec.formats.contains(f) {
            return .failure(SpecError("unknown disk format '\(f)' in disk spec '\(spec)'"))
        }
        if let a = s.access, !["r", "ro", "w", "rw", "!", "w!"].contains(a) {
            return .failure(SpecError("unknown access '\(a)' in disk spec '\(spec)'"))
        }
        if let d = s.devtype, d != "cdrom" && d != "disk" {
            return .failure(SpecError("unknown devtype '\(d)' in disk spec '\(spec)'"))
        }
        if let b = s.backendtype, !["phy", "qdisk", "tap", "standalone"].contains(b) {
            return .failure(SpecError("unknown backendtype '\(b)' in disk spec '\(spec)'"))
        }
        // Deprecated target prefixes (`phy:`, `tap:aio:`, `qcow2:`…) still name backend and format.
        if var t = s.target {
            var changed = true
            while changed {
                changed = false
                for (prefix, backend, format) in XenXLDiskSpec.legacyPrefixes where t.hasPrefix(prefix) {
                    t.removeFirst(prefix.count)
                    if let backend, s.backendtype == nil { s.backendtype = backend }
                    if let format, s.format == nil { s.format = format }
                    changed = true
                }
            }
            s.target = t.isEmpty ? nil : t
        }
        return .success(s)
    }
}
