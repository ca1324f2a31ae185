import CLibXML2

/// A document parsed by libxml2. It keeps libxml2's tree alive for RelaxNG validation and
/// hands out a detached Swift tree for the models.
public final class XMLDocument {
    /// The name used in diagnostics (a path, or `-` for standard input).
    public let fileName: String
    let doc: xmlDocPtr

    init(fileName: String, doc: xmlDocPtr) {
        self.fileName = fileName
        self.doc = doc
    }

    deinit { xmlFreeDoc(doc) }

    /// The root element as a Swift tree.
    public lazy var root: XMLElement = {
        guard let node = xmlDocGetRootElement(doc) else { return XMLElement("") }
        return XMLDocument.convert(node)
    }()

    /// Parses `bytes` with network access, DTD loading and entity substitution all off.
    /// Any DOCTYPE is refused before libxml2 reads its internal subset, which shuts out
    /// external entities (XXE) and entity-expansion bombs alike: libvirt documents never
    /// need one.
    public static func parse(_ bytes: [UInt8], fileName: String) throws(Diagnostic) -> XMLDocument {
        libxmlInit
        guard let ctxt = xmlNewParserCtxt() else {
            throw Diagnostic(file: fileName, line: 0, message: "cannot allocate an XML parser")
        }
        defer { xmlFreeParserCtxt(ctxt) }
        ctxt.pointee.sax.pointee.internalSubset = refuseDoctype
        let options = Int32(
            XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue
                | XML_PARSE_BIG_LINES.rawValue | XML_PARSE_NOCDATA.rawValue)
        let doc: xmlDocPtr? = bytes.withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: max(buf.count, 1)) { p in
                xmlCtxtReadMemory(ctxt, p, Int32(buf.count), fileName, nil, options)
            }
        }
        if ctxt.pointee._private == doctypeSentinel {
            if let doc { xmlFreeDoc(doc) }
            throw Diagnostic(
                file: fileName, line: Int(ctxt.pointee.input?.pointee.line ?? 0), element: nil,
                message: "DOCTYPE declarations are not allowed (entities and external DTDs are refused)")
        }
        guard let doc, ctxt.pointee.wellFormed != 0 else {
            if let doc { xmlFreeDoc(doc) }
            var line = 0
            var message = "document is not well-formed XML"
            if let err = xmlCtxtGetLastError(ctxt) {
                line = Int(err.pointee.line)
                if let m = err.pointee.message {
                    message = String(cString: m).trimmingTrailingWhitespace()
                }
            }
            if bytes.isEmpty { message = "document is empty" }
            throw Diagnostic(file: fileName, line: line, message: message)
        }
        guard xmlDocGetRootElement(doc) != nil else {
            xmlFreeDoc(doc)
            throw Diagnostic(file: fileName, line: 1, message: "document has no root element")
        }
        return XMLDocument(fileName: fileName, doc: doc)
    }

    public static func parse(_ text: String, fileName: String) throws(Diagnostic) -> XMLDocument {
        try parse(Array(text.utf8), fileName: fileName)
    }

    /// A libxml2 element and everything below it as a Swift tree.
    static func convert(_ node: xmlNodePtr) -> XMLElement {
        let local = String(cString: node.pointee.name)
        var name = local
        var uri: String?
        if let ns = node.pointee.ns {
            if let prefix = ns.pointee.prefix { name = String(cString: prefix) + ":" + local }
            if let href = ns.pointee.href { uri = String(cString: href) }
        }
        var element = XMLElement(name, namespaceURI: uri, line: Int(xmlGetLineNo(node)))
        var decl = node.pointee.nsDef
        while let d = decl {
            element.namespaceDeclarations.append(
                XMLNamespaceDeclaration(
                    prefix: d.pointee.prefix.map { String(cString: $0) },
                    uri: d.pointee.href.map { String(cString: $0) } ?? ""))
            decl = d.pointee.next
        }
        var attr = node.pointee.properties
        while let a = attr {
            var attrName = String(cString: a.pointee.name)
            if let ns = a.pointee.ns, let prefix = ns.pointee.prefix {
                attrName = String(cString: prefix) + ":" + attrName
            }
            var value = ""
            var child = a.pointee.children
            while let c = child {
                if let content = c.pointee.content { value += String(cString: content) }
                child = c.pointee.next
            }
            element.attributes.append(XMLAttribute(attrName, value))
            attr = a.pointee.next
        }
        var child = node.pointee.children
        while let c = child {
            switch c.pointee.type {
            case XML_ELEMENT_NODE:
                element.children.append(.element(convert(c)))
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                let text = c.pointee.content.map { String(cString: $0) } ?? ""
                // libxml2 may split text around entity references; keep one text run.
                if case .text(let previous)? = element.children.last {
                    element.children[element.children.count - 1] = .text(previous + text)
                } else {
                    element.children.append(.text(text))
                }
            case XML_COMMENT_NODE:
                element.children.append(.comment(c.pointee.content.map { String(cString: $0) } ?? ""))
            default:
                break  // processing instructions carry nothing libvirt documents use
            }
            child = c.pointee.next
        }
        // Between elements, blank text is indentation, not content: drop it so a tree and its
        // re-indented output compare equal.
        if element.children.contains(where: { if case .element = $0 { true } else { false } }) {
            element.children.removeAll { node in
                if case .text(let t) = node { return t.allSatisfy(\.isWhitespace) }
                return false
            }
        }
        return element
    }
}

/// Marks a parser context whose document tried to declare a DOCTYPE.
nonisolated(unsafe) private let doctypeSentinel = UnsafeMutableRawPointer(bitPattern: 0x5eed)

private let refuseDoctype: internalSubsetSAXFunc = { ctx, _, _, _ in
    guard let ctx else { return }
    let ctxt = ctx.assumingMemoryBound(to: xmlParserCtxt.self)
    ctxt.pointee._private = doctypeSentinel
    xmlStopParser(ctxt)
}

/// libxml2 wants one global initialisation before use from several threads.
let libxmlInit: Void = {
    xmlInitParser()
}()

extension String {
    func trimmingTrailingWhitespace() -> String {
        var s = Substring(self)
        while let last = s.last, last.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
