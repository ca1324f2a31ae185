import Foundation

/// The daemon's settings, read from a file in libvirtd.conf's syntax: `key = value` lines,
/// values an integer, a double-quoted string or a bracketed list of strings (which may run
/// over several lines), `#` comments. Only keys virtkit acts on are accepted; an unknown
/// key or a value of the wrong kind is an error naming the file and line, so a typo never
/// silently leaves a default (say, an open TCP port) in place.
public struct DaemonConfig: Sendable, Equatable {
    public var listenTLS = true
    public var listenTCP = false
    public var tlsPort = 16514
    public var tcpPort = 16509
    public var listenAddress = "0.0.0.0"
    public var tlsNoVerifyCertificate = false
    public var tlsNoVerifyAddress = false
    public var keyFile = "/etc/pki/libvirt/private/serverkey.pem"
    public var certFile = "/etc/pki/libvirt/servercert.pem"
    public var caFile = "/etc/pki/CA/cacert.pem"
    public var crlFile: String?
    /// nil: not checked. Empty: nobody is admitted.
    public var tlsAllowedDNList: [String]?
    public var tlsAllowedIPList: [String]?
    public var unixSocketDir: String?
    public var unixSocketROPerms: mode_t = 0o777
    public var unixSocketRWPerms: mode_t = 0o700
    public var maxClients = 5000
    public var maxClientRequests = 5
    public var keepaliveInterval = 5
    public var keepaliveCount = 5

    public init() {}

    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public var file: String
        public var line: Int
        public var message: String
        public var description: String { "\(file):\(line): \(message)" }
    }

    public static func load(path: String) throws -> DaemonConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ParseError(file: path, line: 0, message: "cannot read: \(error.localizedDescription)")
        }
        return try parse(text, file: path)
    }

    enum Value {
        case int(Int)
        case string(String)
        case list([String])
    }

    public static func parse(_ text: String, file: String) throws(ParseError) -> DaemonConfig {
        var config = DaemonConfig()
        var seen = Set<String>()
        for (key, value, line) in try entries(text, file: file) {
            func fail(_ m: String) -> ParseError { ParseError(file: file, line: line, message: "\(key): \(m)") }
            if !seen.insert(key).inserted { throw fail("set more than once") }
            func flag() throws(ParseError) -> Bool {
                guard case .int(let v) = value, v == 0 || v == 1 else { throw fail("expected 0 or 1") }
                return v == 1
            }
            func string() throws(ParseError) -> String {
                guard case .string(let s) = value else { throw fail("expected a quoted string") }
                return s
            }
            func int(_ range: ClosedRange<Int>) throws(ParseError) -> Int {
                guard case .int(let v) = value, range.contains(v) else {
                    throw fail("expected a number from \(range.lowerBound) to \(range.upperBound)")
                }
                return v
            }
            func list() throws(ParseError) -> [String] {
                guard case .list(let l) = value else { throw fail("expected a list of quoted strings") }
                return l
            }
            func port() throws(ParseError) -> Int {
                let s = try string()
                guard let p = Int(s), s.allSatisfy(\.isASCII), (1...65535).contains(p) else {
                    throw fail("'\(s)' is not a port number")
                }
                return p
            }
            func perms() throws(ParseError) -> mode_t {
                let s = try string()
                guard s.hasPrefix("0"), let v = mode_t(s, radix: 8), v <= 0o777 else {
                    throw fail("'\(s)' is not an octal mode such as \"0770\"")
                }
                return v
            }
            func authNone() throws(ParseError) {
                let s = try string()
                guard s == "none" else { throw fail("only \"none\" is supported (no SASL or polkit here), not '\(s)'") }
            }
            func path() throws(ParseError) -> String {
                let s = try string()
                guard s.isEmpty || s.hasPrefix("/") else { throw fail("'\(s)' is not an absolute path") }
                return s
            }
            switch key {
            case "listen_tls": config.listenTLS = try flag()
            case "listen_tcp": config.listenTCP = try flag()
            case "tls_port": config.tlsPort = try port()
            case "tcp_port": config.tcpPort = try port()
            case "listen_addr":
                let s = try string()
                guard !s.isEmpty else { throw fail("must not be empty") }
                config.listenAddress = s
            case "tls_no_verify_certificate": config.tlsNoVerifyCertificate = try flag()
            case "tls_no_verify_address": config.tlsNoVerifyAddress = try flag()
            case "key_file": config.keyFile = try path()
            case "cert_file": config.certFile = try path()
            case "ca_file": config.caFile = try path()
            case "crl_file":
                let p = try path()
                config.crlFile = p.isEmpty ? nil : p
            case "tls_allowed_dn_list": config.tlsAllowedDNList = try list()
            case "tls_allowed_ip_list": config.tlsAllowedIPList = try list()
            case "unix_sock_dir":
                let p = try path()
                guard !p.isEmpty else { throw fail("must not be empty") }
                config.unixSocketDir = p
            case "unix_sock_ro_perms": config.unixSocketROPerms = try perms()
            case "unix_sock_rw_perms": config.unixSocketRWPerms = try perms()
            case "auth_tcp", "auth_tls", "auth_unix_ro", "auth_unix_rw": try authNone()
            case "max_clients": config.maxClients = try int(1...1_000_000)
            case "max_client_requests": config.maxClientRequests = try int(1...1000)
            case "keepalive_interval": config.keepaliveInterval = try int(-1...3600)
            case "keepalive_count": config.keepaliveCount = try int(0...1000)
            default:
                throw ParseError(file: file, line: line, message: "unknown setting '\(key)'")
            }
        }
        return config
    }

    /// The `key = value` entries with the line each starts on.
    static func entries(_ text: String, file: String) throws(ParseError) -> [(String, Value, Int)] {
        var out: [(String, Value, Int)] = []
        let chars = Array(text.unicodeScalars)
        var i = 0
        var line = 1
        func err(_ m: String) -> ParseError { ParseError(file: file, line: line, message: m) }
        func skipBlank(newlines: Bool) {
            while i < chars.count {
                let c = chars[i]
                if c == "#" {
                    while i < chars.count, chars[i] != "\n" { i += 1 }
                } else if c == " " || c == "\t" || c == "\r" {
                    i += 1
                } else if c == "\n" && newlines {
                    line += 1
                    i += 1
                } else {
                    return
                }
            }
        }
        func quoted() throws(ParseError) -> String {
            let quote = chars[i]
            i += 1
            var s = String.UnicodeScalarView()
            while i < chars.count, chars[i] != quote {
                if chars[i] == "\n" { throw err("string not closed on its line") }
                s.append(chars[i])
                i += 1
            }
            guard i < chars.count else { throw err("string not closed") }
            i += 1
            return String(s)
        }
        while true {
            skipBlank(newlines: true)
            guard i < chars.count else { break }
            let start = line
            var key = String.UnicodeScalarView()
            while i < chars.count, chars[i] == "_" || chars[i].properties.isAlphabetic || ("0"..."9").contains(chars[i]) {
                key.append(chars[i])
                i += 1
            }
            if key.isEmpty { throw err("expected a setting name") }
            skipBlank(newlines: false)
            guard i < chars.count, chars[i] == "=" else { throw err("expected '=' after \(String(key))") }
            i += 1
            skipBlank(newlines: false)
            guard i < chars.count else { throw err("expected a value after '='") }
            let value: Value
            switch chars[i] {
            case "\"", "'":
                value = .string(try quoted())
            case "[":
                i += 1
                var items: [String] = []
                while true {
                    skipBlank(newlines: true)
                    guard i < chars.count else { throw err("list not closed") }
                    if chars[i] == "]" {
                        i += 1
                        break
                    }
                    guard chars[i] == "\"" || chars[i] == "'" else { throw err("list items must be quoted strings") }
                    items.append(try quoted())
                    skipBlank(newlines: true)
                    if i < chars.count, chars[i] == "," { i += 1 }
                }
                value = .list(items)
            default:
                var digits = String.UnicodeScalarView()
                while i < chars.count, chars[i] == "-" || ("0"..."9").contains(chars[i]) {
                    digits.append(chars[i])
                    i += 1
                }
                guard let n = Int(String(digits)) else { throw err("\(String(key)): expected a number, a string or a list") }
                value = .int(n)
            }
            skipBlank(newlines: false)
            if i < chars.count, chars[i] != "\n" { throw err("unexpected text after the value of \(String(key))") }
            out.append((String(key), value, start))
        }
        return out
    }
}
