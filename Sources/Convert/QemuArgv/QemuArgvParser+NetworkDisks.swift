import Schema

/// Network disk sources written as `-drive file=` URIs and `-blockdev` nodes.
extension ArgvParse {
    /// nbd:, rbd:, sheepdog:, iscsi://, gluster://, nbd://, http(s):// and friends.
    func networkSource(_ uri: String) -> NetworkDiskSource? {
        var s = NetworkDiskSource()
        if uri.hasPrefix("nbd:") && !uri.hasPrefix("nbd://") && !uri.hasPrefix("nbd+") {
            s.protocol = "nbd"
            var rest = Substring(uri.dropFirst(4))
            var h = DiskSourceHost()
            if rest.hasPrefix("unix:") {
                rest = rest.dropFirst(5)
                let parts = rest.split(separator: ":", maxSplits: 1)
                h.transport = "unix"
                h.socket = parts.first.map(String.init)
                rest = parts.count > 1 ? parts[1] : ""
            } else {
                let parts = rest.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
                h.name = parts.first.map(String.init)
                h.port = parts.count > 1 ? String(parts[1]) : nil
                rest = parts.count > 2 ? parts[2] : ""
            }
            if rest.hasPrefix("exportname=") { s.name = String(rest.dropFirst("exportname=".count)) }
            s.hosts = [h]
            return s
        }
        if uri.hasPrefix("rbd:"), case .success(var rbd) = RBDTarget.parse(uri, strict: false) {
            // Monitors can come from the environment instead (CEPH_ARGS=-m host:port,…).
            if rbd.hosts.isEmpty, let cephArgs = environment.first(where: { $0.0 == "CEPH_ARGS" })?.1,
                let m = cephArgs.range(of: "-m ")
            {
                let list = cephArgs[m.upperBound...].prefix { !$0.isWhitespace }
                rbd.hosts = list.split(separator: ",").map { entry in
                    var h = DiskSourceHost()
                    let (host, port) = splitHostPort(String(entry))
                    h.name = host
                    h.port = port
                    return h
                }
            }
            return rbd
        }
        if uri.hasPrefix("sheepdog:") {
            s.protocol = "sheepdog"
            let parts = uri.dropFirst(9).split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            if parts.count == 3 {
                var h = DiskSourceHost()
                h.name = String(parts[0])
                h.port = String(parts[1])
                s.hosts = [h]
                s.name = String(parts[2])
            } else {
                s.name = parts.map(String.init).joined(separator: ":")
            }
            return s
        }
        guard let schemeEnd = uri.range(of: "://") else { return nil }
        let scheme = String(uri[..<schemeEnd.lowerBound])
        let baseScheme = scheme.split(separator: "+").first.map(String.init) ?? scheme
        guard ["nbd", "iscsi", "gluster", "http", "https", "ftp", "ftps", "tftp", "ssh", "sheepdog"].contains(baseScheme)
        else { return nil }
        s.protocol = baseScheme
        var rest = String(uri[schemeEnd.upperBound...])
        var query = ""
        if let q = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: q)...])
            rest = String(rest[..<q])
        }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        var authority = String(rest[..<slash])
        let path = slash < rest.endIndex ? String(rest[rest.index(after: slash)...]) : ""
        if let at = authority.lastIndex(of: "@") {
            let user = authority[..<at].split(separator: ":").first.map(String.init)
            authority = String(authority[authority.index(after: at)...])
            s.auth = SecretReference.auth(username: user, type: baseScheme == "iscsi" ? "iscsi" : baseScheme)
        }
        var h = DiskSourceHost()
        if scheme.hasSuffix("+unix") {
            h.transport = "unix"
            h.socket = query.hasPrefix("socket=") ? String(query.dropFirst(7)) : nil
        } else {
            let (host, port) = splitHostPort(authority)
            h.name = host
            h.port = port
        }
        s.hosts = [h]
        if !path.isEmpty { s.name = path }
        // An iSCSI name always carries its LUN, as libvirt writes it.
        if baseScheme == "iscsi", let name = s.name, !name.contains("/") { s.name = name + "/0" }
        return s
    }

    /// A `-blockdev` storage node of a network protocol.
    func networkSource(blockdev node: QemuJSONObject) -> NetworkDiskSource {
        var s = NetworkDiskSource()
        let driver = node.string("driver") ?? ""
        s.protocol = driver
        func host(_ o: QemuJSONObject) -> DiskSourceHost {
            var h = DiskSourceHost()
            if o.string("type") == "unix" {
                h.transport = "unix"
                h.socket = o.string("path")
            } else {
                h.name = o.string("host")
                h.port = o.string("port")
            }
            return h
        }
        switch driver {
        case "nbd":
            if let server = node.object("server") { s.hosts = [host(server)] }
            s.name = node.string("export")
        case "iscsi":
            var h = DiskSourceHost()
            let (hostName, port) = splitHostPort(node.string("portal") ?? "")
            h.name = hostName
            h.port = port
            s.hosts = [h]
            let lun = node.int("lun") ?? 0
            s.name = (node.string("target") ?? "") + "/\(lun)"
        case "rbd", "gluster":
            if driver == "rbd" {
                s.name = (node.string("pool") ?? "") + "/" + (node.string("image") ?? "")
                if let snap = node.string("snapshot") {
                    var n = NameAttribute()
                    n.name = snap
                    s.snapshot = n
                }
                if let user = node.string("user") {
                    s.auth = SecretReference.auth(username: user, type: "ceph")
                }
                if let conf = node.string("conf") {
                    var c = NetworkDiskSource.ConfigFile()
                    c.file = conf
                    s.config = c
                }
            } else {
                s.name = (node.string("volume") ?? "") + "/" + (node.string("path") ?? "")
            }
            s.hosts = (node.array("server") ?? []).compactMap { v in
                if case .object(let o) = v { return host(o) }
                return nil
            }
        case "ssh":
            if let server = node.object("server") { s.hosts = [host(server)] }
            s.name = node.string("path")
        default:
            if let url = node.string("url"), let parsed = networkSource(url) { return parsed }
        }
        return s
    }

    /// `host:port`, `[v6::addr]:port`, or a bare host.
    func splitHostPort(_ s: String) -> (String, String?) {
        if s.hasPrefix("["), let close = s.firstIndex(of: "]") {
            let host = String(s[s.index(after: s.startIndex)..<close])
            let rest = s[s.index(after: close)...]
            return (host, rest.hasPrefix(":") ? String(rest.dropFirst()) : nil)
        }
        if let colon = s.lastIndex(of: ":"), s.filter({ $0 == ":" }).count == 1 {
            return (String(s[..<colon]), String(s[s.index(after: colon)...]))
        }
        return (s, nil)
    }

    /// The user in `iscsi://user:secret@host/…`, as an auth element (the secret itself is
    /// not kept in domain XML).
    func credentials(_ uri: String) -> DiskAuth? {
        networkSource(uri)?.auth
    }
}
