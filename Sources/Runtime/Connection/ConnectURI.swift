import Foundation

/// A libvirt connection URI: `driver[+transport]://[user@][host][:port]/[path][?params]`.
/// Query parameters are URI-escaped `name=value` pairs joined by `&` (or `;`).
public struct ConnectURI: Sendable, Equatable, CustomStringConvertible {
    /// `qemu`, `test`, …
    public var driver: String
    /// `unix`, `tcp`, `tls`, `ssh`, `ext`, `libssh`, `libssh2`; nil when none was written.
    public var transport: String?
    public var user: String?
    public var host: String?
    public var port: Int?
    /// Always starts with `/` (`/system`, `/default`, `/tmp/node.xml`), or is empty.
    public var path: String
    /// In the order written, decoded.
    public var parameters: [(name: String, value: String)]
    /// The text it was parsed from.
    public let text: String

    public static let transports: Set<String> = ["unix", "tcp", "tls", "ssh", "ext", "libssh", "libssh2"]

    public static func == (a: ConnectURI, b: ConnectURI) -> Bool { a.text == b.text }

    public var description: String { text }

    /// The first value of a parameter.
    public func parameter(_ name: String) -> String? {
        parameters.first { $0.name == name }?.value
    }

    /// A URI with no transport and no host runs the driver in this process.
    public var isLocal: Bool { transport == nil && (host ?? "").isEmpty }

    public init(_ text: String) throws(VirtError) {
        self.text = text
        func bad(_ why: String) -> VirtError { VirtError(.invalidArg, "cannot parse URI '\(text)': \(why)") }
        guard let sep = text.range(of: "://") else {
            throw bad("expected driver[+transport]://[user@][host][:port]/[path][?params]")
        }
        let scheme = String(text[..<sep.lowerBound])
        var rest = Substring(text[sep.upperBound...])
        let schemeParts = scheme.split(separator: "+", maxSplits: 1, omittingEmptySubsequences: false)
        let driver = String(schemeParts[0])
        guard let first = driver.unicodeScalars.first, first.properties.isLowercase || first.properties.isUppercase,
            driver.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == ".") })
        else {
            throw bad("driver name '\(driver)' must start with a letter and hold only letters, digits, '-' and '.'")
        }
        self.driver = driver.lowercased()
        if schemeParts.count == 2 {
            let t = String(schemeParts[1]).lowercased()
            guard Self.transports.contains(t) else {
                throw bad("unknown transport '\(t)' (one of \(Self.transports.sorted().joined(separator: ", ")))")
            }
            transport = t
        }
        if rest.contains("#") { throw bad("fragments (#…) have no meaning here") }
        var query = ""
        if let q = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: q)...])
            rest = rest[..<q]
        }
        let authority: Substring
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            path = try Self.decode(String(rest[slash...]), what: "path", in: text)
        } else {
            authority = rest
            path = ""
        }
        var hostPort = authority
        if let at = authority.lastIndex(of: "@") {
            user = try Self.decode(String(authority[..<at]), what: "user name", in: text)
            hostPort = authority[authority.index(after: at)...]
        }
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw bad("unclosed '[' in an IPv6 address") }
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let after = hostPort[hostPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw bad("unexpected text after ']'") }
                port = try Self.port(String(after.dropFirst()), in: text)
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = String(hostPort[..<colon])
            port = try Self.port(String(hostPort[hostPort.index(after: colon)...]), in: text)
        } else if !hostPort.isEmpty {
            host = String(hostPort)
        }
        if let h = host {
            if h.isEmpty {
                host = nil
            } else if h.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7f || "/\\?#@".unicodeScalars.contains($0) }) {
                throw bad("host name '\(h)' holds characters a host name cannot")
            }
        }
        var params: [(String, String)] = []
        if !query.isEmpty {
            for pair in query.split(whereSeparator: { $0 == "&" || $0 == ";" }) where !pair.isEmpty {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = try Self.decode(String(kv[0]), what: "parameter name", in: text)
                let value = kv.count == 2 ? try Self.decode(String(kv[1]), what: "parameter value", in: text) : ""
                if name.isEmpty { throw bad("a parameter without a name") }
                params.append((name, value))
            }
        }
        parameters = params
    }

    private static func port(_ s: String, in text: String) throws(VirtError) -> Int? {
        if s.isEmpty { return nil }
        guard let p = Int(s), s.allSatisfy(\.isASCII), (1...65535).contains(p) else {
            throw VirtError(.invalidArg, "cannot parse URI '\(text)': port '\(s)' is not a number from 1 to 65535")
        }
        return p
    }

    /// Percent-decoding; a `%` not followed by two hex digits, or bytes that are not UTF-8,
    /// are refused rather than guessed at.
    static func decode(_ s: String, what: String, in text: String) throws(VirtError) -> String {
        guard s.contains("%") else { return s }
        var out: [UInt8] = []
        var bytes = Array(s.utf8)[...]
        while let b = bytes.popFirst() {
            if b == UInt8(ascii: "%") {
                guard bytes.count >= 2, let hi = hex(bytes[bytes.startIndex]), let lo = hex(bytes[bytes.startIndex + 1])
                else {
                    throw VirtError(.invalidArg, "cannot parse URI '\(text)': bad %-escape in the \(what)")
                }
                out.append(hi << 4 | lo)
                bytes = bytes.dropFirst(2)
            } else {
                out.append(b)
            }
        }
        guard let decoded = String(validating: out, as: UTF8.self) else {
            throw VirtError(.invalidArg, "cannot parse URI '\(text)': the \(what) is not UTF-8 once decoded")
        }
        return decoded
    }

    private static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Escapes a value for a query string.
    public static func escape(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~/")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    /// The URI a command uses: `--connect`, else `VIRTKIT_DEFAULT_URI`, else
    /// `VIRSH_DEFAULT_CONNECT_URI`, else `qemu:///system` for root and `qemu:///session`
    /// for everyone else.
    public static func choose(explicit: String?, environment: [String: String], isRoot: Bool) -> String {
        if let e = explicit, !e.isEmpty { return e }
        for key in ["VIRTKIT_DEFAULT_URI", "VIRSH_DEFAULT_CONNECT_URI"] {
            if let v = environment[key], !v.isEmpty { return v }
        }
        return isRoot ? "qemu:///system" : "qemu:///session"
    }
}
