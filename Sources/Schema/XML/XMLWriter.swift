/// Formats trees the way libvirt prints them: two-space indent, single-quoted attributes,
/// empty elements self-closed, text-only elements on one line, no XML declaration.
/// Formatting a parsed tree and parsing the result gives the same tree (idempotent).
public enum XMLWriter {
    public static func format(_ element: XMLElement) -> String {
        var out = ""
        write(element, indent: 0, into: &out)
        return out
    }

    static func write(_ e: XMLElement, indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        out += pad
        out += "<"
        out += e.name
        for ns in e.namespaceDeclarations {
            out += ns.prefix.map { " xmlns:\($0)='" } ?? " xmlns='"
            escape(ns.uri, into: &out, attribute: true)
            out += "'"
        }
        for a in e.attributes {
            out += " \(a.name)='"
            escape(a.value, into: &out, attribute: true)
            out += "'"
        }
        let significant = e.children.filter { node in
            if case .text(let t) = node { return !t.allSatisfy(\.isWhitespace) }
            return true
        }
        if significant.isEmpty {
            out += "/>\n"
            return
        }
        if significant.allSatisfy({ if case .text = $0 { true } else { false } }) {
            // Text-only content is kept byte for byte: leading blanks can matter (cmdline).
            out += ">"
            escape(e.text, into: &out, attribute: false)
            out += "</\(e.name)>\n"
            return
        }
        out += ">\n"
        for child in significant {
            switch child {
            case .element(let c):
                write(c, indent: indent + 2, into: &out)
            case .text(let t):
                out += pad + "  "
                escape(t.trimmingWhitespace(), into: &out, attribute: false)
                out += "\n"
            case .comment(let c):
                out += pad + "  <!--" + c + "-->\n"
            }
        }
        out += pad + "</\(e.name)>\n"
    }

    static func escape(_ s: String, into out: inout String, attribute: Bool) {
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "'": out += "&apos;"
            case "\"": out += "&quot;"
            case "\n" where attribute: out += "&#10;"
            case "\r": out += "&#13;"
            case "\t" where attribute: out += "&#9;"
            default: out.unicodeScalars.append(scalar)
            }
        }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
