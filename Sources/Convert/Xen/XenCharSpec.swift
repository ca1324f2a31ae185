import Schema

/// The character-device strings xend and xm/xl configs share: `pty`, `/dev/ttyS0`,
/// `file:/tmp/log`, `tcp:host:port,server,nowait`, `telnet:…`, `udp:host:port@bindhost:bindport`,
/// `unix:/path,server,nowait`…
enum XenCharSpec {
    /// Reads one spec; nil with a reason when it names no known device type.
    static func parse(_ spec: String) -> Result<CharEndpoint, SpecError> {
        if spec.hasPrefix("/") { return .success(.dev(path: spec)) }
        let prefix: Substring
        let rest: Substring
        if let colon = spec.firstIndex(of: ":") {
            prefix = spec[..<colon]
            rest = spec[spec.index(after: colon)...]
        } else {
            prefix = Substring(spec)
            rest = Substring(spec)
        }
        let telnet = prefix.hasPrefix("telnet")
        let type = telnet ? "tcp" : String(prefix)
        switch type {
        case "pty": return .success(.pty(path: nil))
        case "null": return .success(.null)
        case "stdio": return .success(.stdio)
        case "vc": return .success(.vc)
        case "file": return .success(.file(path: String(rest), append: nil))
        case "pipe": return .success(.pipe(path: String(rest)))
        case "dev": return .success(.dev(path: String(rest)))
        case "tcp":
            guard let colon = rest.firstIndex(of: ":") else {
                return .failure(SpecError("malformed char device string '\(spec)'"))
            }
            let host = rest[..<colon]
            let tail = rest[rest.index(after: colon)...]
            let service = tail.split(separator: ",", maxSplits: 1, omittingEmptySubsequences: false)[0]
            let options = tail.dropFirst(service.count)
            return .success(
                .tcp(
                    host: host.isEmpty ? nil : String(host), service: String(service),
                    listen: options.contains(",server"), telnet: telnet))
        case "udp":
            guard let colon = rest.firstIndex(of: ":") else {
                return .failure(SpecError("malformed char device string '\(spec)'"))
            }
            let host = rest[..<colon]
            let tail = rest[rest.index(after: colon)...]
            guard let at = tail.firstIndex(of: "@") else {
                return .success(
                    .udp(
                        host: host.isEmpty ? nil : String(host), service: String(tail),
                        bindHost: nil, bindService: nil))
            }
            let bind = tail[tail.index(after: at)...]
            guard let bindColon = bind.firstIndex(of: ":") else {
                return .failure(SpecError("malformed char device string '\(spec)'"))
            }
            let bindHost = bind[..<bindColon]
            return .success(
                .udp(
                    host: host.isEmpty ? nil : String(host), service: String(tail[..<at]),
                    bindHost: bindHost.isEmpty ? nil : String(bindHost),
                    bindService: String(bind[bind.index(after: bindColon)...])))
        case "unix":
            let path = rest.split(separator: ",", maxSplits: 1, omittingEmptySubsequences: false)[0]
            let options = rest.dropFirst(path.count)
            return .success(.unix(path: String(path), listen: options.contains(",server")))
        default:
            return .failure(SpecError("unknown chr device type '\(type)'"))
        }
    }

    /// Writes one spec. Values that would change meaning inside the spec (a comma in a
    /// socket path, a colon in a host) are refused.
    static func format(_ endpoint: CharEndpoint) -> Result<String, SpecError> {
        switch endpoint {
        case .pty: return .success("pty")
        case .null: return .success("null")
        case .stdio: return .success("stdio")
        case .vc: return .success("vc")
        case .file(let path, _): return .success("file:" + path)
        case .pipe(let path): return .success("pipe:" + path)
        case .dev(let path): return .success(path)
        case .tcp(let host, let service, let listen, let telnet):
            if let bad = firstUnsafe([host ?? "", service], forbidden: ":,@") { return .failure(bad) }
            let kind = telnet ? "telnet" : "tcp"
            return .success("\(kind):\(host ?? ""):\(service)\(listen ? ",server,nowait" : "")")
        case .udp(let host, let service, let bindHost, let bindService):
            if let bad = firstUnsafe(
                [host ?? "", service, bindHost ?? "", bindService ?? ""], forbidden: ":,@")
            {
                return .failure(bad)
            }
            return .success("udp:\(host ?? ""):\(service)@\(bindHost ?? ""):\(bindService ?? "")")
        case .unix(let path, let listen):
            if let bad = firstUnsafe([path], forbidden: ",") { return .failure(bad) }
            return .success("unix:\(path)\(listen ? ",server,nowait" : "")")
        case .spicevmc, .spiceport, .other:
            return .failure(SpecError("unsupported character device type for Xen"))
        }
    }

    private static func firstUnsafe(_ parts: [String], forbidden: String) -> SpecError? {
        for p in parts where p.contains(where: { forbidden.contains($0) }) {
            return SpecError("'\(p)' cannot be written in a Xen character device string")
        }
        return nil
    }
}

/// Why a native device string could not be read or written.
struct SpecError: Error, Sendable {
    var message: String
    init(_ message: String) { self.message = message }
}
