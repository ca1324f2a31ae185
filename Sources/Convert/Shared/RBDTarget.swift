import Schema

/// Ceph RBD disks in QEMU's `-drive file=` syntax, which xl disk targets use as well:
/// `rbd:pool/image[@snap]:auth_supported=none:mon_host=host\:port\;host2\:port`,
/// where `\` escapes the option separators `:` and `;`.
enum RBDTarget {
    /// Reads a target. `strict` refuses options virtkit does not know (xl, where a typo
    /// should not pass silently); a QEMU command line keeps going.
    static func parse(_ target: String, strict: Bool = true) -> Result<NetworkDiskSource, SpecError> {
        guard target.hasPrefix("rbd:") else { return .failure(SpecError("not an rbd target")) }
        let fields = split(String(target.dropFirst(4)), on: ":")
        guard let image = fields.first, !image.isEmpty else {
            return .failure(SpecError("rbd target '\(target)' names no image"))
        }
        var src = NetworkDiskSource()
        src.protocol = "rbd"
        let name = unescape(image)
        if let at = name.firstIndex(of: "@") {
            src.name = String(name[..<at])
            src.snapshot = NameAttribute(String(name[name.index(after: at)...]))
        } else {
            src.name = name
        }
        for option in fields.dropFirst() {
            guard let eq = option.firstIndex(of: "=") else {
                return .failure(SpecError("malformed rbd option '\(option)'"))
            }
            let key = String(option[..<eq])
            let value = String(option[option.index(after: eq)...])
            switch key {
            case "mon_host":
                // Hosts are separated by `;`, escaped or not.
                for host in hostList(value) where !host.isEmpty {
                    src.hosts.append(parseHost(unescape(host)))
                }
            case "id":
                // The key itself never travels in domain XML: libvirt refers to a ceph secret.
                src.auth = SecretReference.auth(username: unescape(value), type: "ceph")
            case "conf":
                var c = NetworkDiskSource.ConfigFile()
                c.file = unescape(value)
                src.config = c
            case "auth_supported", "key", "keyring":
                // No secret can be expressed here; none means no authentication.
                break
            default:
                if strict { return .failure(SpecError("unsupported rbd option '\(key)'")) }
            }
        }
        return .success(src)
    }

    /// The target for an RBD network disk.
    static func format(_ src: NetworkDiskSource) -> Result<String, SpecError> {
        guard src.protocol == "rbd" else {
            return .failure(SpecError("network disk protocol '\(src.protocol ?? "")' is not rbd"))
        }
        guard let name = src.name, !name.isEmpty else { return .failure(SpecError("rbd disk without a name")) }
        if name.contains(":") { return .failure(SpecError("':' not allowed in RBD source volume name '\(name)'")) }
        var out = "rbd:" + escape(name)
        if let snap = src.snapshot?.name { out += "@" + escape(snap) }
        out += ":auth_supported=none"
        if !src.hosts.isEmpty {
            let hosts = src.hosts.map { h -> String in
                var s = h.name ?? ""
                if s.contains(":") { s = "[" + s + "]" }
                if let port = h.port { s += ":" + port }
                return escape(s)
            }
            out += ":mon_host=" + hosts.joined(separator: "\\;")
        }
        if let conf = src.config?.file { out += ":conf=" + escape(conf) }
        return .success(out)
    }

    /// `mon_host` entries: separated by `;`, which QEMU's syntax also accepts escaped.
    private static func hostList(_ s: String) -> [String] {
        var parts: [String] = []
        var cur = ""
        var escaped = false
        for c in s {
            if escaped {
                if c == ";" {
                    parts.append(cur)
                    cur = ""
                } else {
                    cur.append("\\")
                    cur.append(c)
                }
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else if c == ";" {
                parts.append(cur)
                cur = ""
            } else {
                cur.append(c)
            }
        }
        parts.append(cur)
        return parts
    }

    /// Splits on an unescaped separator, keeping escapes for the caller.
    private static func split(_ s: String, on sep: Character) -> [String] {
        var parts: [String] = []
        var cur = ""
        var escaped = false
        for c in s {
            if escaped {
                cur.append(c)
                escaped = false
            } else if c == "\\" {
                cur.append(c)
                escaped = true
            } else if c == sep {
                parts.append(cur)
                cur = ""
            } else {
                cur.append(c)
            }
        }
        parts.append(cur)
        return parts
    }

    private static func unescape(_ s: String) -> String {
        var out = ""
        var escaped = false
        for c in s {
            if !escaped && c == "\\" {
                escaped = true
                continue
            }
            out.append(c)
            escaped = false
        }
        return out
    }

    private static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            if c == ":" || c == ";" || c == "\\" { out.append("\\") }
            out.append(c)
        }
        return out
    }

    /// `name`, `name:port` or `[v6addr]:port`.
    private static func parseHost(_ s: String) -> DiskSourceHost {
        var h = DiskSourceHost()
        if s.hasPrefix("["), let close = s.firstIndex(of: "]") {
            h.name = String(s[s.index(after: s.startIndex)..<close])
            let tail = s[s.index(after: close)...]
            if tail.hasPrefix(":") { h.port = String(tail.dropFirst()) }
        } else if let colon = s.lastIndex(of: ":") {
            h.name = String(s[..<colon])
            h.port = String(s[s.index(after: colon)...])
        } else {
            h.name = s
        }
        return h
    }
}
