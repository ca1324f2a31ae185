import Foundation

/// A grammar for a run of ordinary devices (`<devices>` holding any number of disks, NICs, …
/// and none of the singletons), derived from `devices.rng` when loaded, never kept as a
/// second copy. `StreamingDomainCheck` validates a large domain's devices in batches with it.
///
/// Why a separate grammar: libxml2 checks a `zeroOrMore` it has not compiled to an automaton
/// by keeping a state per child seen so far and comparing each new one with all of them, so
/// the plain grammar is quadratic in the number of devices (300,000 disks took 233 s and
/// 1.4 GB). It compiles an element's content only when that content has no `<interleave>`
/// and no ancestor's has one; `<devices>` is an interleave (its singletons — emulator,
/// memballoon, … — may come anywhere) and so is `<domain>`. Here `<devices>` is the start
/// element and holds only the repeatable choice, so libxml2 compiles it and checks a batch
/// in linear time. The singletons stay with the rest of the document, which the plain
/// grammar checks.
struct DeviceListGrammar {
    static let rng = "http://relaxng.org/ns/structure/1.0"

    struct Unexpected: Error {
        let reason: String
    }

    /// The grammar's text.
    let text: String
    /// Element names of the devices that may appear at most once (`emulator`, `memballoon`, …).
    let singletons: Set<String>

    /// `directory` holds domain.rng and the files it includes.
    init(schemaDirectory directory: String) throws {
        let domain = try Self.load(directory + "/domain.rng")
        let includes = domain.elements.filter { $0.localName == "include" }.compactMap { $0.attribute("href") }
        guard !includes.isEmpty else { throw Unexpected(reason: "domain.rng includes nothing") }
        var singletonNames: Set<String> = []
        var ordinary: XMLElement?
        for href in includes {
            let grammar = try Self.load(directory + "/" + href)
            guard let define = grammar.elements.first(where: { $0.localName == "define" && $0.attribute("name") == "devices" })
            else { continue }
            guard let element = define.elements.first, element.localName == "element",
                let interleave = element.elements.first, interleave.localName == "interleave"
            else { throw Unexpected(reason: "the devices define is not an element holding an interleave") }
            for part in interleave.elements {
                switch part.localName {
                case "optional" where part.elements.count == 1:
                    singletonNames.insert(try Self.elementName(part.elements[0], in: grammar))
                case "zeroOrMore" where part.elements.count == 1 && ordinary == nil:
                    ordinary = part.elements[0]
                default:
                    throw Unexpected(reason: "devices holds a \(part.localName) this rewrite does not know")
                }
            }
        }
        guard let ordinary else { throw Unexpected(reason: "no devices define with one zeroOrMore") }
        var out = """
            <grammar xmlns="\(Self.rng)" datatypeLibrary="http://www.w3.org/2001/XMLSchema-datatypes">

            """
        for href in includes { out += "<include href=\"\(Self.escape(directory + "/" + href))\"/>\n" }
        out += "<start><element name=\"devices\"><zeroOrMore>\(XMLWriter.format(ordinary))</zeroOrMore></element></start>\n"
        text = out + "</grammar>\n"
        singletons = singletonNames
    }

    /// The name of the element a singleton pattern stands for: an `<element name>` or a
    /// `<ref>` to a define in the same file that is one.
    private static func elementName(_ pattern: XMLElement, in grammar: XMLElement) throws -> String {
        var pattern = pattern
        if pattern.localName == "ref", let name = pattern.attribute("name"),
            let define = grammar.elements.first(where: { $0.localName == "define" && $0.attribute("name") == name }),
            define.elements.count == 1
        {
            pattern = define.elements[0]
        }
        guard pattern.localName == "element", let name = pattern.attribute("name") else {
            throw Unexpected(reason: "a singleton device that is not one named element")
        }
        return name
    }

    private static func load(_ path: String) throws -> XMLElement {
        guard let data = FileManager.default.contents(atPath: path) else { throw Unexpected(reason: "cannot read \(path)") }
        return try XMLDocument.parse(Array(data), fileName: path).root
    }

    private static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "<", with: "&lt;")
    }
}
