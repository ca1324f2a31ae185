import Foundation

/// The domain grammar rewritten for documents with many devices, with the same verdicts.
///
/// libxml2 checks a `zeroOrMore` it has not compiled to an automaton by keeping a state per
/// child seen so far and comparing each new one with all of them: quadratic in the number of
/// devices (300,000 disks took 233 s and 1.4 GB). It compiles an element's content only when
/// the content has no `<interleave>` and every ancestor's content is compiled too; `<devices>`
/// is an interleave (its singletons — emulator, memballoon, … — may come anywhere among the
/// devices) and `<domain>` is one as well. This grammar states `<devices>` as the same
/// language without interleave — ordinary devices, and each singleton at most once, as a
/// state machine over the set of singletons seen (2^k defines) — and adds to `start` an
/// element no document can match (its attribute's pattern is empty) whose content is
/// `<devices>`, a compilable ancestor, so libxml2 compiles it. Validation becomes linear.
///
/// Compiling this grammar costs about 0.2 s more than the plain one (libxml2 copies the
/// device choice into every state), so the validator uses it only for large documents.
/// It is derived from `devices.rng` when loaded, never kept as a second copy.
enum LargeDomainGrammar {
    static let rng = "http://relaxng.org/ns/structure/1.0"

    struct Unexpected: Error {
        let reason: String
    }

    /// The grammar's text; `directory` holds domain.rng and the files it includes.
    static func text(schemaDirectory directory: String) throws -> String {
        let domain = try load(directory + "/domain.rng")
        let includes = domain.elements.filter { $0.localName == "include" }.compactMap { $0.attribute("href") }
        guard !includes.isEmpty else { throw Unexpected(reason: "domain.rng includes nothing") }
        var devicesFile: String?
        var singletons: [XMLElement] = []
        var ordinary: XMLElement?
        for href in includes {
            let grammar = try load(directory + "/" + href)
            guard let define = grammar.elements.first(where: { $0.localName == "define" && $0.attribute("name") == "devices" })
            else { continue }
            guard let element = define.elements.first, element.localName == "element",
                let interleave = element.elements.first, interleave.localName == "interleave"
            else { throw Unexpected(reason: "the devices define is not an element holding an interleave") }
            for part in interleave.elements {
                switch part.localName {
                case "optional" where part.elements.count == 1: singletons.append(part.elements[0])
                case "zeroOrMore" where part.elements.count == 1 && ordinary == nil: ordinary = part.elements[0]
                default: throw Unexpected(reason: "devices holds a \(part.localName) this rewrite does not know")
                }
            }
            devicesFile = href
        }
        guard let devicesFile, let ordinary, singletons.count <= 8 else {
            throw Unexpected(reason: "no devices define with one zeroOrMore and at most 8 singletons")
        }
        let all = (1 << singletons.count) - 1
        var out = """
            <grammar xmlns="\(rng)" datatypeLibrary="http://www.w3.org/2001/XMLSchema-datatypes">

            """
        for href in includes {
            out += "<include href=\"\(escape(directory + "/" + href))\""
            if href == devicesFile {
                out += "><define name=\"devices\"><element name=\"devices\"><ref name=\"vkDevices0\"/></element></define></include>\n"
            } else {
                out += "/>\n"
            }
        }
        out += """
            <start><choice><ref name="domain"/>
            <element name="compile-anchor" ns="urn:x-virtkit:never">
            <attribute name="never"><data type="string"><param name="pattern">[a-[a]]</param></data></attribute>
            <ref name="devices"/></element></choice></start>
            <define name="vkOrdinaryDevice">\(XMLWriter.format(ordinary))</define>

            """
        for seen in 0...all {
            out += "<define name=\"vkDevices\(seen)\"><zeroOrMore><ref name=\"vkOrdinaryDevice\"/></zeroOrMore>"
            let next = singletons.indices.filter { seen & (1 << $0) == 0 }
            if !next.isEmpty {
                out += "<optional><choice>"
                for i in next {
                    out += "<group>\(XMLWriter.format(singletons[i]))<ref name=\"vkDevices\(seen | 1 << i)\"/></group>"
                }
                out += "</choice></optional>"
            }
            out += "</define>\n"
        }
        return out + "</grammar>\n"
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
