import Schema

/// Reads xend S-expression text into an `SExpr`.
///
/// Grammar: lists in parentheses; atoms either bare (up to blank or parenthesis) or quoted
/// with `'` or `"`, where a backslash takes the next character literally (xend's own
/// escaping of `'` and `\`). A backslash at the end of a line joins the next line with
/// nothing in between, as libvirt's test data wraps long lines.
public struct SExprParser {
    private let bytes: [UInt8]
    private let fileName: String
    private var pos = 0
    private var line = 1
    private var depth = 0
    public private(set) var warnings: [String] = []

    public init(_ text: String, fileName: String) {
        bytes = Array(text.utf8)
        self.fileName = fileName
    }

    /// Parses exactly one top-level expression (blank space around it is allowed).
    public static func parse(_ text: String, fileName: String) throws(Diagnostic) -> SExpr {
        var p = SExprParser(text, fileName: fileName)
        return try p.document()
    }

    /// Parses one top-level expression and reports what was tolerated.
    public mutating func document() throws(Diagnostic) -> SExpr {
        skipBlanks()
        guard pos < bytes.count else { throw error("empty input: expected an S-expression") }
        let root = try expression()
        skipBlanks()
        let surplusLine = line
        var surplus = 0
        while pos < bytes.count && bytes[pos] == UInt8(ascii: ")") {
            surplus += 1
            pos += 1
            skipBlanks()
        }
        if pos < bytes.count {
            throw error("unexpected text after the end of the S-expression")
        }
        if surplus > 0 {
            warnings.append(
                "line \(surplusLine): ignored \(surplus) surplus ')' after the end of the S-expression")
        }
        return root
    }

    private func error(_ message: String, line: Int? = nil) -> Diagnostic {
        Diagnostic(file: fileName, line: line ?? self.line, message: message)
    }

    /// The byte at `pos` after skipping line continuations (backslash-newline).
    private mutating func skipContinuations() {
        while pos + 1 < bytes.count, bytes[pos] == UInt8(ascii: "\\"), isNewline(bytes[pos + 1]) {
            pos += 1
            consumeNewline()
        }
    }

    private func isNewline(_ c: UInt8) -> Bool { c == 0x0A || c == 0x0D }

    /// Consumes one newline (LF, CR or CRLF) at `pos`.
    private mutating func consumeNewline() {
        if bytes[pos] == 0x0D, pos + 1 < bytes.count, bytes[pos + 1] == 0x0A { pos += 1 }
        pos += 1
        line += 1
    }

    private mutating func skipBlanks() {
        while true {
            skipContinuations()
            guard pos < bytes.count else { return }
            let c = bytes[pos]
            if isNewline(c) {
                consumeNewline()
            } else if c == 0x20 || c == 0x09 || c == 0x0B || c == 0x0C {
                pos += 1
            } else {
                return
            }
        }
    }

    private mutating func expression() throws(Diagnostic) -> SExpr {
        skipBlanks()
        guard pos < bytes.count else { throw error("unexpected end of input") }
        let start = line
        switch bytes[pos] {
        case UInt8(ascii: "("):
            pos += 1
            depth += 1
            defer { depth -= 1 }
            var items: [SExpr] = []
            while true {
                skipBlanks()
                guard pos < bytes.count else {
                    guard depth == 1 else {
                        throw error(
                            "unbalanced parentheses: '(' opened here is never closed", line: start)
                    }
                    warnings.append(
                        "line \(start): the outermost '(' is never closed; closed at the end of input")
                    return SExpr(.list(items), line: start)
                }
                if bytes[pos] == UInt8(ascii: ")") {
                    pos += 1
                    return SExpr(.list(items), line: start)
                }
                items.append(try expression())
            }
        case UInt8(ascii: ")"):
            throw error("unbalanced parentheses: ')' without a matching '('")
        case UInt8(ascii: "'"), UInt8(ascii: "\""):
            return SExpr(.atom(try quoted(), quoted: true), line: start)
        default:
            return SExpr(.atom(bare(), quoted: false), line: start)
        }
    }

    private mutating func quoted() throws(Diagnostic) -> String {
        let quote = bytes[pos]
        let start = line
        pos += 1
        var out: [UInt8] = []
        while true {
            skipContinuations()
            guard pos < bytes.count else {
                throw error("unterminated quoted string", line: start)
            }
            let c = bytes[pos]
            if c == quote {
                pos += 1
                return String(decoding: out, as: UTF8.self)
            }
            if c == UInt8(ascii: "\\") {
                pos += 1
                guard pos < bytes.count else {
                    throw error("unterminated quoted string", line: start)
                }
                if isNewline(bytes[pos]) {
                    out.append(bytes[pos])
                    consumeNewline()
                } else {
                    out.append(bytes[pos])
                    pos += 1
                }
                continue
            }
            if isNewline(c) {
                out.append(c)
                consumeNewline()
                continue
            }
            out.append(c)
            pos += 1
        }
    }

    private mutating func bare() -> String {
        var out: [UInt8] = []
        while true {
            skipContinuations()
            guard pos < bytes.count else { break }
            let c = bytes[pos]
            if c == UInt8(ascii: "(") || c == UInt8(ascii: ")") || c == 0x20 || c == 0x09
                || c == 0x0B || c == 0x0C || isNewline(c)
            {
                break
            }
            out.append(c)
            pos += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
