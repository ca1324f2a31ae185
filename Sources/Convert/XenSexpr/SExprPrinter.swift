/// Prints an `SExpr` in xend's compact style: `(vm (name 'demo')(memory 400)(image (hvm …)))`.
///
/// Quoted atoms escape `\` and `'` with a backslash, which xend and libvirt both read back.
/// Control characters (a newline in a path, say) cannot be written so that every reader
/// agrees on them, so they are refused rather than passed through.
public enum SExprPrinter {
    public struct UnprintableAtom: Error, Sendable, Equatable {
        public var value: String
    }

    public static func print(_ expr: SExpr) throws(UnprintableAtom) -> String {
        var out = ""
        try write(expr, into: &out)
        return out
    }

    private static func write(_ expr: SExpr, into out: inout String) throws(UnprintableAtom) {
        switch expr.kind {
        case .atom(let s, let quoted):
            out += try atom(s, quoted: quoted)
        case .list(let items):
            out += "("
            var previousWasList = false
            for (i, item) in items.enumerated() {
                // A space after the head and around atoms; sibling lists sit side by side.
                if i > 0 && !(previousWasList && item.isList) { out += " " }
                try write(item, into: &out)
                previousWasList = item.isList
            }
            out += ")"
        }
    }

    private static func atom(_ s: String, quoted: Bool) throws(UnprintableAtom) -> String {
        if s.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw UnprintableAtom(value: s)
        }
        if !quoted && isBareSafe(s) { return s }
        var q = "'"
        for ch in s {
            if ch == "'" || ch == "\\" { q.append("\\") }
            q.append(ch)
        }
        return q + "'"
    }

    /// Bare atoms must not contain anything the tokenizer treats specially.
    static func isBareSafe(_ s: String) -> Bool {
        !s.isEmpty
            && !s.unicodeScalars.contains {
                $0 == " " || $0 == "(" || $0 == ")" || $0 == "'" || $0 == "\"" || $0 == "\\"
                    || $0.properties.isWhitespace
            }
    }
}
