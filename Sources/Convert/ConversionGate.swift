import Foundation
import Schema

/// The last step of every native → XML conversion: what we print must be a domain that our
/// own schema and semantic checks accept. Readers check what they understand; the gate
/// catches what slips through (a relative image path, a mangled machine name, a control
/// character) and names the native line that carried it, so `domxml-from-native` never
/// prints XML that `virtkit validate` would refuse.
public enum ConversionGate {
    /// The converted domain as XML, plus warnings from the semantic checks; throws the
    /// problems, located in the native file, when the XML is not a valid domain.
    public static func domainXML(
        _ domain: Domain, native: String, fileName: String, validator: Validator
    ) throws(DiagnosticList) -> (xml: String, warnings: [Diagnostic]) {
        let xml = domain.formatted()
        let lines = native.split(separator: "\n", omittingEmptySubsequences: false)
        if let bad = xml.unicodeScalars.first(where: { !isXMLChar($0) }) {
            let line = uniqueLine(containing: [String(Character(bad))], in: lines)
            throw DiagnosticList([
                Diagnostic(
                    file: fileName, line: line,
                    message: "a value holds the control character \(codePoint(bad)), which domain XML cannot carry")
            ])
        }
        let problems: [Diagnostic]
        do {
            problems = try validator.validate(Array(xml.utf8), fileName: "converted", kind: .domain)
        } catch {
            throw DiagnosticList([error])
        }
        let errors = problems.filter { $0.severity == .error }
        let warnings = problems.filter { $0.severity == .warning }.map { w in
            Diagnostic(file: fileName, line: 0, message: w.elementAndMessage, severity: .warning)
        }
        guard !errors.isEmpty else { return (xml, warnings) }
        let tree = try? XMLDocument.parse(xml, fileName: "converted").root
        throw DiagnosticList(
            errors.map { d in
                let element = tree.flatMap { find($0, name: d.element, line: d.line) }
                let line = element.map { uniqueLine(containing: values(in: $0), in: lines) } ?? 0
                return Diagnostic(
                    file: fileName, line: line, message: "converts to an invalid domain: " + d.elementAndMessage)
            })
    }

    /// XML 1.0's Char production: tab, newline, carriage return and everything from space up,
    /// except the two non-characters U+FFFE and U+FFFF.
    static func isXMLChar(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x9, 0xA, 0xD: true
        case 0x20...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }

    static func codePoint(_ s: Unicode.Scalar) -> String {
        let hex = String(s.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// Attribute values and text of `element` and everything inside it, longest first: the
    /// longer a value, the less likely it matches a line by chance.
    static func values(in element: XMLElement) -> [String] {
        var found: [String] = []
        func walk(_ e: XMLElement) {
            found += e.attributes.map(\.value)
            let text = e.text.trimmingCharacters(in: .whitespaces)
            if !text.isEmpty { found.append(text) }
            e.elements.forEach(walk)
        }
        walk(element)
        return found.filter { !$0.isEmpty }.sorted { $0.count > $1.count }
    }

    /// The 1-based line of the first value that occurs on exactly one native line; 0 when no
    /// value pins a single line (better no line than a wrong one).
    static func uniqueLine(containing values: [String], in lines: [Substring]) -> Int {
        for value in values {
            let hits = lines.indices.filter { lines[$0].contains(value) }
            if hits.count == 1 { return hits[0] + 1 }
        }
        return 0
    }

    static func find(_ e: XMLElement, name: String?, line: Int) -> XMLElement? {
        if e.name == name && e.line == line { return e }
        for child in e.elements {
            if let hit = find(child, name: name, line: line) { return hit }
        }
        return nil
    }
}

extension Diagnostic {
    /// `element NAME: reason` without the file and line, to re-home a problem elsewhere.
    var elementAndMessage: String {
        element.map { "element \($0): \(message)" } ?? message
    }
}
