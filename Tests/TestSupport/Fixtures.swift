import Foundation
import Schema

/// Where the tests find their inputs: the repository's `Tests/fixtures` and the shared
/// specification folder `../shared` beside the repository (absent on some machines).
public enum Fixtures {
    /// The repository root, found from this file's location.
    public static let repoRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }  // Tests/TestSupport/Fixtures.swift
        return url
    }()

    public static var fixtures: URL { repoRoot.appendingPathComponent("Tests/fixtures") }

    public static var schemas: URL { repoRoot.appendingPathComponent("schemas") }

    /// `../shared/conformance` relative to the repository root.
    public static var conformance: URL {
        repoRoot.deletingLastPathComponent().appendingPathComponent("shared/conformance")
    }

    /// Whether libvirt's conformance pairs are beside the repository. Under `CI=true` they
    /// must be: a CI run that silently skipped the conformance suites would pass on less.
    public static var hasConformance: Bool {
        let present = FileManager.default.fileExists(atPath: conformance.appendingPathComponent("score.py").path)
        if !present && ProcessInfo.processInfo.environment["CI"] == "true" {
            fatalError("CI=true, but \(conformance.path) is missing: the conformance suites cannot be skipped in CI")
        }
        return present
    }

    /// Files under `folder` (recursively) whose names end in `suffix`, sorted. A folder that
    /// is missing or holds no such file stops the run: parameterized tests over it would
    /// otherwise pass with zero cases.
    public static func files(in folder: URL, suffix: String) -> [URL] {
        var found: [URL] = []
        if let e = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) {
            for case let url as URL in e where url.lastPathComponent.hasSuffix(suffix) { found.append(url) }
        }
        if found.isEmpty {
            fatalError("fixture folder \(folder.path) is missing or holds no *\(suffix) files")
        }
        return found.sorted { $0.path < $1.path }
    }

    /// A path relative to the repository root (or to `../shared`), for readable test names.
    public static func relative(_ url: URL) -> String {
        let base = repoRoot.deletingLastPathComponent().path + "/"
        return url.path.hasPrefix(base) ? String(url.path.dropFirst(base.count)) : url.path
    }

    public static func read(_ url: URL) -> String {
        (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }
}

/// The conformance corpus' semantic comparison: both sides become a multiset of facts and the
/// pair scores the F1 of the overlap (as `../shared/conformance/score.py` does).
public enum Facts {
    public typealias Bag = [String: Int]

    /// Element paths with attributes and trimmed text, `unit='KiB'` on memory sizes left out.
    public static func xml(_ text: String) throws -> Bag {
        let root = try XMLDocument.parse(text, fileName: "-").root
        var bag: Bag = [:]
        func walk(_ e: XMLElement, _ path: String) {
            let name = e.namespaceURI.map { "{\($0)}\(e.localName)" } ?? e.name
            let p = path + "/" + name
            for a in e.attributes {
                if a.name == "unit" && a.value == "KiB" && ["memory", "currentMemory", "maxMemory"].contains(e.name) {
                    continue
                }
                bag[p + "@" + a.name + "=" + a.value.trimmingCharacters(in: .whitespaces), default: 0] += 1
            }
            // ElementTree's `text`: the character data before the first child element.
            var leading = ""
            for child in e.children {
                if case .element = child { break }
                if case .text(let t) = child { leading += t }
            }
            let t = leading.trimmingCharacters(in: .whitespacesAndNewlines)
            if !t.isEmpty { bag[p + "#=" + t, default: 0] += 1 }
            if e.elements.isEmpty && e.attributes.isEmpty && t.isEmpty { bag[p, default: 0] += 1 }
            for c in e.elements { walk(c, p) }
        }
        walk(root, "")
        return bag
    }

    /// QEMU argv facts: environment, binary, and each option with its value.
    public static func argv(_ text: String) -> Bag {
        let words = shellSplit(text.replacingOccurrences(of: "\\\n", with: ""))
        var bag: Bag = [:]
        var i = 0
        while i < words.count, let eq = words[i].firstIndex(of: "="),
            words[i][..<eq].allSatisfy({ $0 == "_" || $0.isLetter || $0.isNumber })
        {
            bag["env/" + words[i], default: 0] += 1
            i += 1
        }
        if i < words.count {
            bag["binary=" + words[i], default: 0] += 1
            i += 1
        }
        while i < words.count {
            let w = words[i]
            if w.hasPrefix("-") && i + 1 < words.count && !words[i + 1].hasPrefix("-") {
                bag[w + " " + words[i + 1], default: 0] += 1
                i += 2
            } else {
                bag[w, default: 0] += 1
                i += 1
            }
        }
        return bag
    }

    /// A plain POSIX-shell word split (quotes and backslashes), independent of the code under test.
    static func shellSplit(_ s: String) -> [String] {
        var words: [String] = []
        var cur = ""
        var inWord = false
        var quote: Character?
        var it = Array(s)[...]
        while let c = it.popFirst() {
            if let q = quote {
                if c == q { quote = nil } else if q == "\"" && c == "\\", let n = it.popFirst() { cur.append(n) } else { cur.append(c) }
            } else if c == "'" || c == "\"" {
                quote = c
                inWord = true
            } else if c == "\\", let n = it.popFirst() {
                cur.append(n)
                inWord = true
            } else if c.isWhitespace {
                if inWord { words.append(cur) }
                cur = ""
                inWord = false
            } else {
                cur.append(c)
                inWord = true
            }
        }
        if inWord { words.append(cur) }
        return words
    }

    /// xm/xl config facts, line-based as the scorer reads them.

    public static func cfg(_ text: String) throws -> Bag {
        let quoteThenHash = try Regex(#"['"][^'"]*#"#)
        var joined: [String] = []
        var buf = ""
        var depth = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = String(rawLine)
            if line.firstMatch(of: quoteThenHash) == nil, let hash = line.firstIndex(of: "#") {
                line = String(line[..<hash])
            }
            let stripped = line.trimmingCharacters(in: .whitespaces)
            if stripped.isEmpty && depth == 0 { continue }
            buf += " " + stripped
            depth += line.filter { $0 == "[" }.count - line.filter { $0 == "]" }.count
            if depth <= 0 {
                joined.append(buf.trimmingCharacters(in: .whitespaces))
                buf = ""
                depth = 0
            }
        }
        var facts: Bag = [:]
        for stmt in joined {
            guard let eq = stmt.firstIndex(of: "=") else { continue }
            let key = stmt[..<eq].trimmingCharacters(in: .whitespaces)
            let value = String(stmt[stmt.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("[") {
                let inner: Substring
                if let close = value.lastIndex(of: "]") {
                    inner = value[value.index(after: value.startIndex)..<close]
                } else {
                    inner = value.dropFirst()
                }
                for item in try listItems(String(inner)) {
                    for (i, part) in item.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
                        let part = part.trimmingCharacters(in: .whitespaces)
                        if let eq = part.firstIndex(of: "=") {
                            let k = part[..<eq].trimmingCharacters(in: .whitespaces)
                            let v = part[part.index(after: eq)...].trimmingCharacters(in: .whitespaces)
                            facts["\(key)[]/\(k)=\(v)", default: 0] += 1
                        } else if !part.isEmpty {
                            facts["\(key)[]/#\(i)=\(part)", default: 0] += 1
                        }
                    }
                }
            } else {
                facts["\(key)=\(unquote(value))", default: 0] += 1
            }
        }
        return facts
    }

    private static func listItems(_ inner: String) throws -> [String] {
        let pattern = try Regex(#""""(.*?)"""|'''(.*?)'''|"([^"]*)"|'([^']*)'"#)
        return inner.matches(of: pattern).map { m in
            (1..<m.output.count).compactMap { m.output[$0].substring.map(String.init) }.joined()
        }
    }

    private static func unquote(_ value: String) -> String {
        for q in ["\"\"\"", "'''", "\"", "'"] where value.count >= 2 * q.count && value.hasPrefix(q) && value.hasSuffix(q) {
            return String(value.dropFirst(q.count).dropLast(q.count))
        }
        return value
    }

    /// S-expression facts: each list is a path, its atoms the value. A tokenizer of its own,
    /// independent of the converter's parser, as score.py's.
    public static func sexpr(_ text: String) -> Bag {
        var tokens: [String] = []
        var chars = Array(text.replacingOccurrences(of: "\\\n", with: ""))[...]
        while let c = chars.first {
            if c.isWhitespace {
                chars.removeFirst()
            } else if c == "(" || c == ")" {
                tokens.append(String(c))
                chars.removeFirst()
            } else if c == "'" || c == "\"" {
                chars.removeFirst()
                var atom = ""
                while let d = chars.popFirst(), d != c {
                    if d == "\\", let e = chars.popFirst() { atom.append(e) } else { atom.append(d) }
                }
                tokens.append("\u{1}" + atom)  // marks a quoted atom, never a parenthesis
            } else {
                var atom = ""
                while let d = chars.first, !d.isWhitespace, d != "(", d != ")" {
                    atom.append(d)
                    chars.removeFirst()
                }
                tokens.append(atom)
            }
        }
        indirect enum Node { case atom(String), list([Node]) }
        var stack: [[Node]] = [[]]
        for t in tokens {
            if t == "(" {
                stack.append([])
            } else if t == ")" {
                guard stack.count > 1 else { continue }
                let node = stack.removeLast()
                stack[stack.count - 1].append(.list(node))
            } else {
                stack[stack.count - 1].append(.atom(t.hasPrefix("\u{1}") ? String(t.dropFirst()) : t))
            }
        }
        var bag: Bag = [:]
        func walk(_ items: [Node], _ path: String) {
            guard let first = items.first else { return }
            var head = "?"
            if case .atom(let a) = first { head = a }
            let p = path + "/" + head
            var atoms: [String] = []
            var lists: [[Node]] = []
            for item in items.dropFirst() {
                switch item {
                case .atom(let a): atoms.append(a)
                case .list(let l): lists.append(l)
                }
            }
            if !atoms.isEmpty { bag[p + "=" + atoms.joined(separator: " "), default: 0] += 1 }
            if atoms.isEmpty && lists.isEmpty { bag[p, default: 0] += 1 }
            for l in lists { walk(l, p) }
        }
        for top in stack[0] { if case .list(let l) = top { walk(l, "") } }
        return bag
    }

    /// Facts of a native file of `format`.
    public static func native(_ format: String, _ text: String) throws -> Bag {
        switch format {
        case "xen-sxpr": sexpr(text)
        case "qemu-argv": argv(text)
        default: try cfg(text)
        }
    }

    public static func f1(_ expected: Bag, _ got: Bag) -> Double {
        var inter = 0
        for (k, v) in expected { inter += min(v, got[k] ?? 0) }
        let total = expected.values.reduce(0, +) + got.values.reduce(0, +)
        return total == 0 ? 1 : 2 * Double(inter) / Double(total)
    }

    /// Facts in `a` but not in `b`, for failure messages.
    public static func missing(_ a: Bag, from b: Bag) -> [String] {
        a.compactMap { k, v in v > (b[k] ?? 0) ? k : nil }.sorted()
    }
}

/// Runs the built `virtkit` binary, as a user would.
public enum VirtKitCLI {
    /// `.build/<config>/virtkit` beside the running test bundle, or $VIRTKIT_BIN.
    public static var binary: String {
        if let b = ProcessInfo.processInfo.environment["VIRTKIT_BIN"] { return b }
        let exe = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        var dir = exe.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("virtkit").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir.deleteLastPathComponent()
        }
        return Fixtures.repoRoot.appendingPathComponent(".build/debug/virtkit").path
    }

    public struct Result {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    public static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String]? = nil) throws -> Result {
        try run(arguments, stdinBytes: stdin.map { Array($0.utf8) }, environment: environment)
    }

    /// The same with raw bytes on standard input (text that is not UTF-8, for instance).
    public static func run(_ arguments: [String], stdinBytes: [UInt8]?, environment: [String: String]? = nil) throws -> Result {
        let r = try Spawn.run(binary, arguments, stdin: stdinBytes, environment: environment)
        return Result(status: r.status, stdout: r.stdout, stderr: r.stderr)
    }
}

/// Finds what a decoded model did not type: non-empty `XMLUnknown`s, by path.
public enum ModelCoverage {
    public static func untyped(in value: Any, path: String = "") -> [String] {
        if let u = value as? XMLUnknown {
            var found: [String] = u.attributes.map { "\(path)@\($0.name)" }
            found += u.elements.map { "\(path)/\($0.name)" }
            found += u.children.compactMap { if case .text(let t) = $0 { "\(path)#text(\(t))" } else { nil } }
            return found
        }
        var found: [String] = []
        let mirror = Mirror(reflecting: value)
        for child in mirror.children {
            let label = child.label.map { mirror.displayStyle == .enum ? "[\($0)]" : "." + $0 } ?? ""
            found += untyped(in: child.value, path: path + label)
        }
        return found
    }
}
