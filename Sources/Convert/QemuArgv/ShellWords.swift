import Schema

/// Splitting and quoting the way a POSIX shell does, for the subset a command line uses.
public enum ShellWords {
    /// A word and the line it started on.
    public struct Word: Equatable, Sendable {
        public var text: String
        public var line: Int
    }

    /// Splits `text` into words. A backslash-newline joins lines with nothing in between (as
    /// libvirt's fixtures use it); quotes must balance.
    public static func split(_ text: String, fileName: String) throws(Diagnostic) -> [Word] {
        var words: [Word] = []
        var current = ""
        var inWord = false
        var wordLine = 1
        var line = 1
        var quote: Character?
        var quoteLine = 1
        var chars = Array(text)[...]
        func finish() {
            if inWord { words.append(Word(text: current, line: wordLine)) }
            current = ""
            inWord = false
        }
        func begin() {
            if !inWord {
                inWord = true
                wordLine = line
            }
        }
        while let c = chars.popFirst() {
            if let q = quote {
                if c == "\\" && chars.first == "\n" {
                    // libvirt's fixtures split long words inside quotes too; join them.
                    chars.removeFirst()
                    line += 1
                } else if c == q {
                    quote = nil
                } else if q == "\"" && c == "\\", let next = chars.first,
                    ["\"", "\\", "$", "`", "\n"].contains(next)
                {
                    chars.removeFirst()
                    if next == "\n" { line += 1 } else { current.append(next) }
                } else {
                    if c == "\n" { line += 1 }
                    current.append(c)
                }
                continue
            }
            switch c {
            case "\\":
                guard let next = chars.popFirst() else {
                    begin()
                    current.append(c)
                    continue
                }
                if next == "\n" {
                    line += 1  // continuation: joins with nothing in between
                } else {
                    begin()
                    current.append(next)
                }
            case "'", "\"":
                begin()
                quote = c
                quoteLine = line
            case " ", "\t", "\r":
                finish()
            case "\n":
                finish()
                line += 1
            case "#" where !inWord:
                // A comment runs to the end of the line, as in a shell script.
                while let n = chars.first, n != "\n" { chars.removeFirst() }
            default:
                begin()
                current.append(c)
            }
        }
        if quote != nil {
            throw Diagnostic(file: fileName, line: quoteLine, message: "unbalanced quote \(quote!) in command line")
        }
        finish()
        return words
    }

    /// Quotes a word for a POSIX shell: unchanged when safe, else single-quoted.
    public static func quote(_ word: String) -> String {
        if word.isEmpty { return "''" }
        let safe = word.unicodeScalars.allSatisfy { s in
            switch s {
            case "a"..."z", "A"..."Z", "0"..."9": true
            case "-", "_", ".", "/", ":", ",", "=", "+", "@", "%": true
            default: false
            }
        }
        if safe { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        var result = ""
        var rest = Substring(self)
        while let range = rest.range(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}

extension Substring {
    func range(of target: String) -> Range<Index>? {
        guard !target.isEmpty else { return nil }
        var i = startIndex
        while i < endIndex {
            if self[i...].hasPrefix(target) {
                return i..<index(i, offsetBy: target.count)
            }
            i = index(after: i)
        }
        return nil
    }
}
