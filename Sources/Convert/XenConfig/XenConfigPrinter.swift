/// Writes a `XenConfig` as `name = value` lines, lists as `[ "a", "b" ]`.
///
/// Strings are quoted so that the dialect's readers get back exactly the same text:
/// - xm: no escapes exist (libvirt), yet xm itself runs the file as Python, which does read
///   backslash escapes, so a backslash is refused; the quote character the value does not
///   contain is used, and triple quotes when it has both.
/// - xl: double quotes, with `\`, `"` and control characters escaped as libxlu expects.
/// Control characters (a newline in a path) are refused for xm.
public enum XenConfigPrinter {
    public struct Unwritable: Error, Sendable, Equatable {
        public var name: String
        public var value: String
        public var reason: String
    }

    public static func print(_ config: XenConfig, dialect: XenConfigDialect) throws(Unwritable) -> String {
        var out = ""
        for entry in config.entries {
            out += entry.name + " = "
            out += try value(entry.value, name: entry.name, dialect: dialect)
            out += "\n"
        }
        return out
    }

    static func value(_ v: XenConfigValue, name: String, dialect: XenConfigDialect) throws(Unwritable) -> String {
        switch v.kind {
        case .number(let n): return n
        case .string(let s): return try quote(s, name: name, dialect: dialect)
        case .list(let items):
            if items.isEmpty { return "[  ]" }
            var parts: [String] = []
            for item in items { parts.append(try value(item, name: name, dialect: dialect)) }
            return "[ " + parts.joined(separator: ", ") + " ]"
        }
    }

    static func quote(_ s: String, name: String, dialect: XenConfigDialect) throws(Unwritable) -> String {
        switch dialect {
        case .xl:
            var q = "\""
            for u in s.unicodeScalars {
                switch u {
                case "\\", "\"": q += "\\" + String(u)
                case "\n": q += "\\n"
                case "\t": q += "\\t"
                case "\r": q += "\\r"
                case _ where u.value < 0x20 || u.value == 0x7F:
                    let hex = String(u.value, radix: 16)
                    q += "\\x" + (hex.count < 2 ? "0" + hex : hex)
                default: q.unicodeScalars.append(u)
                }
            }
            return q + "\""
        case .xm:
            if s.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                throw Unwritable(name: name, value: s, reason: "it contains a control character")
            }
            if s.contains("\\") {
                throw Unwritable(
                    name: name, value: s,
                    reason: "xm reads a backslash as an escape and libvirt does not, so it cannot be written safely")
            }
            if !s.contains("\"") { return "\"" + s + "\"" }
            if !s.contains("'") { return "'" + s + "'" }
            if s.contains("\"\"\"") || s.hasSuffix("\"") {
                throw Unwritable(
                    name: name, value: s, reason: "it mixes both quote characters in a way no quoting can hold")
            }
            return "\"\"\"" + s + "\"\"\""
        }
    }
}
