import Schema

/// Typed access to a parsed config with errors that point at the offending line. It notes
/// which settings were consulted so the rest can be reported as ignored.
struct XenConfigReading {
    let config: XenConfig
    let fileName: String
    private let consulted = ConsultedNames()

    init(config: XenConfig, fileName: String) {
        self.config = config
        self.fileName = fileName
    }

    /// A setting's value, noting that it was looked at.
    func value(_ name: String) -> XenConfigValue? {
        consulted.names.insert(name)
        return config[name]
    }

    /// Warnings for settings no reader looked at, in file order.
    func ignoredSettings(besides handled: Set<String>) -> [String] {
        var seen = Set<String>()
        var out: [String] = []
        for e in config.entries where !consulted.names.contains(e.name) && !handled.contains(e.name) {
            guard seen.insert(e.name).inserted else { continue }
            out.append("line \(e.line): setting '\(e.name)' is not supported and was ignored")
        }
        return out
    }

    func fail(_ line: Int, _ message: String) -> Diagnostic {
        Diagnostic(file: fileName, line: max(line, 1), message: message)
    }

    func line(_ name: String) -> Int { config.entry(name)?.line ?? 1 }

    /// A string setting; a number is accepted as its text.
    func string(_ name: String) throws(Diagnostic) -> String? {
        guard let v = value(name) else { return nil }
        guard let t = v.text else { throw fail(v.line, "config value \(name) was not a string") }
        return t
    }

    /// A string setting that must be written as a string.
    func strictString(_ name: String) throws(Diagnostic) -> String? {
        guard let v = value(name) else { return nil }
        guard let s = v.string else { throw fail(v.line, "config value \(name) was not a string") }
        return s
    }

    /// An unsigned number, written bare or quoted.
    func number(_ name: String) throws(Diagnostic) -> UInt64? {
        guard let v = value(name) else { return nil }
        guard let t = v.text, let n = UInt64(t) else {
            throw fail(v.line, "config value \(name) was malformed")
        }
        return n
    }

    /// A signed number, written bare or quoted.
    func integer(_ name: String) throws(Diagnostic) -> Int? {
        guard let v = value(name) else { return nil }
        guard let t = v.text, let n = Int(t) else {
            throw fail(v.line, "config value \(name) was malformed")
        }
        return n
    }

    /// A switch: a number (non-zero is on) or the string "1".
    func bool(_ name: String) throws(Diagnostic) -> Bool? {
        guard let v = value(name) else { return nil }
        switch v.kind {
        case .number(let n):
            guard let i = Int(n) else { throw fail(v.line, "config value \(name) was malformed") }
            return i != 0
        case .string(let s): return s == "1"
        case .list: throw fail(v.line, "config value \(name) was malformed")
        }
    }

    /// The strings of a list setting with their lines; a lone string counts as a list of one.
    func strings(_ name: String) throws(Diagnostic) -> [(String, Int)] {
        guard let v = value(name) else { return [] }
        switch v.kind {
        case .list(let items):
            var out: [(String, Int)] = []
            for item in items {
                guard let s = item.string else {
                    throw fail(item.line, "config value \(name) holds something other than strings")
                }
                out.append((s, item.line))
            }
            return out
        case .string(let s): return [(s, v.line)]
        case .number: throw fail(v.line, "config value \(name) was not a list")
        }
    }
}

/// The names consulted while reading; a reference so copies of a reading share it.
private final class ConsultedNames {
    var names = Set<String>()
}

/// `key=value,key=value` device specs (vif, vfb, channel…): the pairs in order. Items without
/// `=` are returned with a nil value.
enum XenKeyValueSpec {
    static func pairs(_ spec: String) -> [(key: String, value: String?)] {
        spec.split(separator: ",", omittingEmptySubsequences: true).map { part in
            let item = part.trimmingCharacters(in: " \t")
            guard let eq = item.firstIndex(of: "=") else { return (item, nil) }
            return (String(item[..<eq]), String(item[item.index(after: eq)...]))
        }
    }

    static func value(_ key: String, in pairs: [(key: String, value: String?)]) -> String? {
        pairs.last { $0.key == key }?.value ?? nil
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String { String(self).trimmingCharacters(in: set) }
}
