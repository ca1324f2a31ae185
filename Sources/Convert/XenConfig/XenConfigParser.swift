import Schema

/// The string rules of the two config dialects.
public enum XenConfigDialect: Sendable {
    /// xm configs as libvirt reads them: quotes delimit, nothing is escaped.
    case xm
    /// xl.cfg as libxlu reads it: a backslash escapes the next character (`\"`, `\\`, `\n`…).
    case xl
}

/// Reads /etc/xen-style config text: `name = value` statements ended by a newline or `;`,
/// where a value is a string (`"…"`, `'…'`, or triple-quoted over several lines), a number,
/// or a `[ … ]` list of values that may span lines and hold comments. `#` starts a comment.
public struct XenConfigParser {
    private let bytes: [UInt8]
    private let fileName: String
    private let dialect: XenConfigDialect
    private var pos = 0
    private var line = 1

    public init(_ text: String, fileName: String, dialect: XenConfigDialect) {
        bytes = Array(text.utf8)
        self.fileName = fileName
        self.dialect = dialect
    }

    public static func parse(_ text: String, fileName: String, dialect: XenConfigDialect)
        throws(Diagnostic) -> XenConfig
    {
        var p = XenConfigParser(text, fileName: fileName, dialect: dialect)
        return try p.file()
    }

    private func error(_ message: String, line: Int? = nil) -> Diagnostic {
        Diagnostic(file: fileName, line: line ?? self.line, message: message)
    }

    private var current: UInt8? { pos < bytes.count ? bytes[pos] : nil }

    private func isBlank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0C || c == 0x0B }
    private func isNewline(_ c: UInt8) -> Bool { c == 0x0A || c == 0x0D }

    private mutating func consumeNewline() {
        if bytes[pos] == 0x0D, pos + 1 < bytes.count, bytes[pos + 1] == 0x0A { pos += 1 }
        pos += 1
        line += 1
    }

    private mutating func skipBlanks() {
        while let c = current, isBlank(c) { pos += 1 }
    }

    private mutating func skipComment() {
        guard current == UInt8(ascii: "#") else { return }
        while let c = current, !isNewline(c) { pos += 1 }
    }

    /// Blanks, comments and newlines, as allowed between list items.
    private mutating func skipSpace() {
        while let c = current {
            if isBlank(c) {
                pos += 1
            } else if isNewline(c) {
                consumeNewline()
            } else if c == UInt8(ascii: "#") {
                skipComment()
            } else {
                return
            }
        }
    }

    private mutating func file() throws(Diagnostic) -> XenConfig {
        var config = XenConfig()
        while true {
            skipSpace()
            while current == UInt8(ascii: ";") {
                pos += 1
                skipSpace()
            }
            guard current != nil else { return config }
            config.entries.append(try statement())
        }
    }

    private func isNameStart(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
            || c == UInt8(ascii: "_")
    }

    private func isNameChar(_ c: UInt8) -> Bool {
        isNameStart(c) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
    }

    private mutating func statement() throws(Diagnostic) -> XenConfigEntry {
        let start = line
        guard let c = current, isNameStart(c) else { throw error("expecting a setting name") }
        let nameStart = pos
        while let c = current, isNameChar(c) { pos += 1 }
        let name = String(decoding: bytes[nameStart..<pos], as: UTF8.self)
        skipBlanks()
        guard current == UInt8(ascii: "=") else { throw error("expecting '=' after '\(name)'") }
        pos += 1
        skipBlanks()
        let value = try self.value(for: name)
        skipBlanks()
        skipComment()
        if let c = current {
            if c == UInt8(ascii: ";") {
                pos += 1
            } else if isNewline(c) {
                consumeNewline()
            } else {
                throw error("expecting a newline or ';' after the value of '\(name)'")
            }
        }
        return XenConfigEntry(name: name, value: value, line: start)
    }

    private mutating func value(for name: String) throws(Diagnostic) -> XenConfigValue {
        let start = line
        guard let c = current, !isNewline(c) else { throw error("expecting a value for '\(name)'") }
        switch c {
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            return XenConfigValue(.string(try string()), line: start)
        case UInt8(ascii: "["):
            pos += 1
            var items: [XenConfigValue] = []
            while true {
                skipSpace()
                guard let c = current else {
                    throw error("list is not closed with ']'", line: start)
                }
                if c == UInt8(ascii: "]") {
                    pos += 1
                    return XenConfigValue(.list(items), line: start)
                }
                items.append(try value(for: name))
                skipSpace()
                if current == UInt8(ascii: ",") {
                    pos += 1
                } else if current != UInt8(ascii: "]") {
                    guard current != nil else { throw error("list is not closed with ']'", line: start) }
                    throw error("expecting ',' or ']' in the list of '\(name)'")
                }
            }
        case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let numberStart = pos
            if c == UInt8(ascii: "-") || c == UInt8(ascii: "+") { pos += 1 }
            guard let d = current, d >= UInt8(ascii: "0") && d <= UInt8(ascii: "9") else {
                throw error("malformed number in the value of '\(name)'")
            }
            while let d = current, isNameChar(d) || d == UInt8(ascii: ".") { pos += 1 }
            return XenConfigValue(.number(String(decoding: bytes[numberStart..<pos], as: UTF8.self)), line: start)
        default:
            throw error("expecting a value for '\(name)' (a quoted string, a number or a [ list ])")
        }
    }

    private func hasPrefix(_ s: String, at i: Int) -> Bool {
        let p = Array(s.utf8)
        return i + p.count <= bytes.count && Array(bytes[i..<(i + p.count)]) == p
    }

    private mutating func string() throws(Diagnostic) -> String {
        let quote = bytes[pos]
        let start = line
        let triple = String(repeating: String(UnicodeScalar(quote)), count: 3)
        if hasPrefix(triple, at: pos) {
            // Python-style triple quotes: may span lines.
            pos += 3
            var out: [UInt8] = []
            while true {
                guard let c = current else { throw error("unterminated string", line: start) }
                if hasPrefix(triple, at: pos) {
                    pos += 3
                    return String(decoding: out, as: UTF8.self)
                }
                if dialect == .xl && c == UInt8(ascii: "\\") {
                    try escape(into: &out, start: start)
                    continue
                }
                if isNewline(c) {
                    out.append(0x0A)
                    consumeNewline()
                    continue
                }
                out.append(c)
                pos += 1
            }
        }
        pos += 1
        var out: [UInt8] = []
        while true {
            guard let c = current, !isNewline(c) else {
                throw error("unterminated string", line: start)
            }
            if c == quote {
                pos += 1
                return String(decoding: out, as: UTF8.self)
            }
            if dialect == .xl && c == UInt8(ascii: "\\") {
                try escape(into: &out, start: start)
                continue
            }
            out.append(c)
            pos += 1
        }
    }

    /// libxlu's escapes: `\"` `\'` `\\`, the C letters, `\xHH` and octal `\NNN`.
    private mutating func escape(into out: inout [UInt8], start: Int) throws(Diagnostic) {
        pos += 1
        guard let c = current, !isNewline(c) else { throw error("unterminated string", line: start) }
        pos += 1
        switch c {
        case UInt8(ascii: "a"): out.append(0x07)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "v"): out.append(0x0B)
        case UInt8(ascii: "x"):
            var digits = ""
            while digits.count < 2, let d = current, let ch = Optional(Character(UnicodeScalar(d))),
                ch.isHexDigit
            {
                digits.append(ch)
                pos += 1
            }
            guard let v = UInt8(digits, radix: 16) else {
                throw error("invalid \\x escape in a string")
            }
            out.append(v)
        case UInt8(ascii: "0")...UInt8(ascii: "7"):
            var digits = String(UnicodeScalar(c))
            while digits.count < 3, let d = current, d >= UInt8(ascii: "0") && d <= UInt8(ascii: "7") {
                digits.append(Character(UnicodeScalar(d)))
                pos += 1
            }
            guard let v = UInt8(digits, radix: 8) else { throw error("invalid octal escape in a string") }
            out.append(v)
        default:
            out.append(c)
        }
    }
}
