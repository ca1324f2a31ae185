import CLibXML2

/// libxml2 reports a problem inside an interleave (any device under `<devices>`) at the
/// interleave's element, often with the message of whichever alternative it tried last. To
/// name what is really wrong, the reported element is checked on its own against its own
/// definition, then taken apart: the child or attribute whose removal makes it valid is the
/// culprit. So "element ip: invalid value '192.168.122.300' for attribute address" instead
/// of "element devices: Extra element devices in interleave".
final class Pinpointer {
    private let schemaDirectory: String
    private let entry: String
    /// Element name → the defines whose content is exactly that element.
    private let defines: [String: [String]]
    private var compiled: [String: RelaxNGSchema?] = [:]

    init(schemaDirectory: String, entry: String) {
        self.schemaDirectory = schemaDirectory
        self.entry = entry
        self.defines = Self.elementDefines(in: schemaDirectory)
    }

    /// Replaces coarse diagnostics by the precise ones found below them. `document` checks
    /// the whole (possibly modified) document when an element has no definition of its own.
    func refine(
        _ diagnostics: [Diagnostic], in doc: xmlDocPtr, fileName: String, document: @escaping () -> [Diagnostic]
    ) -> [Diagnostic] {
        guard let root = xmlDocGetRootElement(doc) else { return diagnostics }
        var refined: [Diagnostic] = []
        for d in diagnostics {
            guard let element = d.element, let node = find(root, name: element, line: d.line) else {
                refined.append(d)
                continue
            }
            if d.message.contains("Extra element \(element) in interleave"), let first = earlierSibling(of: node),
                validOnItsOwn(node, fileName: fileName) != false
            {
                refined.append(
                    Diagnostic(
                        file: fileName, line: d.line, element: element,
                        message: "duplicate <\(element)>: it may appear only once here (first on line \(xmlGetLineNo(first)))"))
                continue
            }
            refined.append(contentsOf: locate(node, fileName: fileName, document: document) ?? [d])
        }
        return refined
    }

    /// The culprit inside `node`, or nil when `node` is valid on its own (then the problem is
    /// where it stands, and libxml2's message says so).
    private func locate(_ node: xmlNodePtr, fileName: String, document: @escaping () -> [Diagnostic]) -> [Diagnostic]? {
        let schemas = (defines[name(node)] ?? []).compactMap(schema(for:))
        let check: () -> [Diagnostic]
        if schemas.isEmpty {
            check = document
        } else {
            check = {
                var first: [Diagnostic]?
                for s in schemas {
                    let p = s.validate(node: node, fileName: fileName)
                    if p.isEmpty { return [] }
                    if first == nil { first = p }
                }
                return first ?? []
            }
        }
        let base = check()
        if base.isEmpty { return nil }
        if let culprit = narrow(node, check: check, fileName: fileName, depth: 0) { return [culprit] }
        // Nothing removable makes it valid: something required is missing or malformed.
        let located = base.filter { $0.line >= Int(xmlGetLineNo(node)) }
        if elementChildren(node).isEmpty, let text = textContent(node), !text.isEmpty {
            // A leaf whose attributes are fine: its text is what is wrong.
            let detail = located.first?.message ?? ""
            let vague = ["Error validating", "Extra element", "failed to validate"].contains { detail.contains($0) }
            return [
                Diagnostic(
                    file: fileName, line: Int(xmlGetLineNo(node)), element: name(node),
                    message: "invalid value '\(text)'" + (vague || detail.isEmpty ? "" : " (\(detail))"))
            ]
        }
        if located.isEmpty { return base }
        // Several bad children (no single removal helps): name each one's own problem.
        var deeper: [Diagnostic] = []
        for d in located {
            guard let element = d.element, let child = find(node, name: element, line: d.line), child != node,
                let inner = locate(child, fileName: fileName, document: document)
            else {
                deeper.append(d)
                continue
            }
            for i in inner where !deeper.contains(i) { deeper.append(i) }
        }
        return deeper
    }

    /// Finds the child or attribute of `node` whose removal makes `check` pass.
    private func narrow(_ node: xmlNodePtr, check: () -> [Diagnostic], fileName: String, depth: Int) -> Diagnostic? {
        // Later children first: of two duplicates, the second is the one out of place.
        for child in elementChildren(node).reversed() {
            let fixed = without(child) { check().isEmpty }
            if fixed, let first = earlierSibling(of: child), validOnItsOwn(child, fileName: fileName) != false {
                return Diagnostic(
                    file: fileName, line: Int(xmlGetLineNo(child)), element: name(child),
                    message: "duplicate <\(name(child))>: it may appear only once here (first on line \(xmlGetLineNo(first)))")
            }
            if fixed {
                if depth < 4, let inner = narrow(child, check: check, fileName: fileName, depth: depth + 1) {
                    return inner
                }
                return Diagnostic(
                    file: fileName, line: Int(xmlGetLineNo(child)), element: name(child),
                    message: "not valid inside <\(name(node))>\(describeAttributes(child))")
            }
            // A required child can still carry the bad value in one of its attributes.
            if let attr = attributes(child).first(where: { a in without(a) { check().isEmpty } }) {
                return attributeProblem(attr, of: child, fileName: fileName)
            }
        }
        if let attr = attributes(node).first(where: { a in without(a) { check().isEmpty } }) {
            return attributeProblem(attr, of: node, fileName: fileName)
        }
        return nil
    }

    /// Whether `node` passes its own definition (nil: it has none). A second element that is
    /// itself invalid is not a duplicate: its own problem is the one to name.
    private func validOnItsOwn(_ node: xmlNodePtr, fileName: String) -> Bool? {
        let schemas = (defines[name(node)] ?? []).compactMap(schema(for:))
        if schemas.isEmpty { return nil }
        return schemas.contains { $0.validate(node: node, fileName: fileName).isEmpty }
    }

    private func attributeProblem(_ attr: xmlAttrPtr, of node: xmlNodePtr, fileName: String) -> Diagnostic {
        let value = attributeValue(attr)
        return Diagnostic(
            file: fileName, line: Int(xmlGetLineNo(node)), element: name(node),
            message: "invalid value '\(value)' for attribute \(String(cString: attr.pointee.name))")
    }

    /// Runs `body` with `child` taken out of the tree, then puts it back where it was.
    private func without(_ child: xmlNodePtr, _ body: () -> Bool) -> Bool {
        guard let parent = child.pointee.parent else { return false }
        let next = child.pointee.next
        xmlUnlinkNode(child)
        let result = body()
        if let next { xmlAddPrevSibling(next, child) } else { xmlAddChild(parent, child) }
        return result
    }

    private func without(_ attr: xmlAttrPtr, _ body: () -> Bool) -> Bool {
        let node = UnsafeMutableRawPointer(attr).assumingMemoryBound(to: xmlNode.self)
        guard let parent = attr.pointee.parent else { return false }
        xmlUnlinkNode(node)
        let result = body()
        xmlAddChild(parent, node)  // attributes go back to the property list
        return result
    }

    private func elementChildren(_ node: xmlNodePtr) -> [xmlNodePtr] {
        var out: [xmlNodePtr] = []
        var c = node.pointee.children
        while let n = c {
            if n.pointee.type == XML_ELEMENT_NODE { out.append(n) }
            c = n.pointee.next
        }
        return out
    }

    private func attributes(_ node: xmlNodePtr) -> [xmlAttrPtr] {
        var out: [xmlAttrPtr] = []
        var a = node.pointee.properties
        while let p = a {
            out.append(p)
            a = p.pointee.next
        }
        return out
    }

    private func attributeValue(_ attr: xmlAttrPtr) -> String {
        var value = ""
        var t = attr.pointee.children
        while let n = t {
            if let c = n.pointee.content { value += String(cString: c) }
            t = n.pointee.next
        }
        return value
    }

    private func describeAttributes(_ node: xmlNodePtr) -> String {
        let attrs = attributes(node).map { "\(String(cString: $0.pointee.name))='\(attributeValue($0))'" }
        return attrs.isEmpty ? "" : " (" + attrs.joined(separator: " ") + ")"
    }

    private func name(_ node: xmlNodePtr) -> String { String(cString: node.pointee.name) }

    private func textContent(_ node: xmlNodePtr) -> String? {
        var text = ""
        var c = node.pointee.children
        while let n = c {
            if n.pointee.type == XML_TEXT_NODE, let content = n.pointee.content { text += String(cString: content) }
            c = n.pointee.next
        }
        return text.trimmingWhitespace()
    }

    private func earlierSibling(of node: xmlNodePtr) -> xmlNodePtr? {
        var p = node.pointee.prev
        while let s = p {
            if s.pointee.type == XML_ELEMENT_NODE && name(s) == name(node) && s.pointee.ns == node.pointee.ns {
                return s
            }
            p = s.pointee.prev
        }
        return nil
    }

    private func schema(for define: String) -> RelaxNGSchema? {
        if let s = compiled[define] { return s }
        let text = """
            <grammar xmlns="http://relaxng.org/ns/structure/1.0">
              <include href="\(schemaDirectory)/\(entry)"><start><ref name="\(define)"/></start></include>
            </grammar>
            """
        let s = try? RelaxNGSchema(path: "\(entry)#\(define)", source: text)
        compiled[define] = s
        return s
    }

    private func find(_ node: xmlNodePtr, name wanted: String, line: Int) -> xmlNodePtr? {
        var qualified = name(node)
        if let ns = node.pointee.ns, let prefix = ns.pointee.prefix { qualified = String(cString: prefix) + ":" + qualified }
        if qualified == wanted && Int(xmlGetLineNo(node)) == line { return node }
        for c in elementChildren(node) {
            if let hit = find(c, name: wanted, line: line) { return hit }
        }
        return nil
    }

    /// Reads the grammars (with libxml2, like any document) for defines that are exactly one
    /// element: `<define name="memorydev"><element name="memory">…`.
    private static func elementDefines(in dir: String) -> [String: [String]] {
        var map: [String: [String]] = [:]
        let files = [
            "basictypes.rng", "networkcommon.rng", "domaincommon.rng", "cpu.rng", "devices.rng", "network.rng",
            "capability.rng",
        ]
        for file in files {
            guard let data = try? readFile(dir + "/" + file),
                let doc = try? XMLDocument.parse(data, fileName: file)
            else { continue }
            for define in doc.root.elements where define.localName == "define" {
                guard let name = define.attribute("name"), define.attribute("combine") == nil,
                    define.elements.count == 1, let element = define.elements.first,
                    element.localName == "element", let elementName = element.attribute("name")
                else { continue }
                map[elementName, default: []].append(name)
            }
        }
        return map
    }
}

func readFile(_ path: String) throws -> [UInt8] {
    guard let f = fopen(path, "rb") else { throw Diagnostic(file: path, line: 0, message: errnoText()) }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&buf, 1, buf.count, f)
        if n <= 0 { break }
        bytes += buf[..<n]
    }
    return bytes
}
