import CLibXML2

/// A RelaxNG grammar compiled once by libxml2 and reused for every document.
///
/// Not thread-safe: libxml2's validation contexts are per thread, so use one schema per
/// thread (the CLI validates sequentially).
public final class RelaxNGSchema {
    private let schema: xmlRelaxNGPtr
    public let path: String

    /// Compiles the grammar at `path`; includes resolve relative to it. Network access is
    /// refused for includes as for documents.
    public convenience init(path: String) throws(Diagnostic) {
        try self.init(path: path, source: nil)
    }

    /// A grammar given as text (`source`), named `path` in diagnostics. Includes in it must
    /// use absolute paths.
    init(path: String, source: String?) throws(Diagnostic) {
        libxmlInit
        noNetworkLoader
        self.path = path
        let parserContext: xmlRelaxNGParserCtxtPtr?
        // libxml2 keeps a memory grammar's buffer (it parses it later, in xmlRelaxNGParse):
        // the buffer must outlive the parse, so it is ours to free afterwards, not an
        // array's storage whose lifetime ends with its last use.
        var buffer: UnsafeMutableBufferPointer<CChar>?
        defer { buffer?.deallocate() }
        if let source {
            let bytes = Array(source.utf8CString)
            let owned = UnsafeMutableBufferPointer<CChar>.allocate(capacity: bytes.count)
            _ = owned.initialize(from: bytes)
            buffer = owned
            parserContext = xmlRelaxNGNewMemParserCtxt(owned.baseAddress, Int32(bytes.count - 1))
        } else {
            parserContext = xmlRelaxNGNewParserCtxt(path)
        }
        guard let pctxt = parserContext else {
            throw Diagnostic(file: path, line: 0, message: "cannot read RelaxNG schema")
        }
        defer { xmlRelaxNGFreeParserCtxt(pctxt) }
        let sink = ErrorSink()
        let box = Unmanaged.passUnretained(sink).toOpaque()
        xmlRelaxNGSetParserStructuredErrors(pctxt, { ctx, err in
            guard let ctx, let err else { return }
            Unmanaged<ErrorSink>.fromOpaque(ctx).takeUnretainedValue().add(err.pointee)
        }, box)
        guard let compiled = xmlRelaxNGParse(pctxt) else {
            let first = sink.errors.first
            throw Diagnostic(
                file: first?.file ?? path, line: first?.line ?? 0,
                message: "invalid RelaxNG schema: " + (first?.message ?? "unknown error"))
        }
        schema = compiled
    }

    deinit { xmlRelaxNGFree(schema) }

    /// Validates a parsed document. Returns the problems in document order; libxml2's
    /// unlocated messages ("Extra element os in interleave") are folded into the located
    /// diagnostic that follows them, so every diagnostic has a line and an element.
    public func validate(_ document: XMLDocument) -> [Diagnostic] {
        validate(doc: document.doc, fileName: document.fileName)
    }

    /// Validates one element of a document on its own (a copy keeps its line numbers).
    func validate(node: xmlNodePtr, fileName: String) -> [Diagnostic] {
        guard let copyDoc = xmlNewDoc("1.0") else { return [] }
        defer { xmlFreeDoc(copyDoc) }
        guard let copy = xmlDocCopyNode(node, copyDoc, 1) else { return [] }
        xmlDocSetRootElement(copyDoc, copy)
        return validate(doc: copyDoc, fileName: fileName, rootLine: Int(xmlGetLineNo(node)))
    }

    /// Validates a libxml2 document; a problem libxml2 does not locate is put on the root
    /// element (at `rootLine`, else the root's own line).
    func validate(doc: xmlDocPtr, fileName: String, rootLine: Int? = nil) -> [Diagnostic] {
        guard let vctxt = xmlRelaxNGNewValidCtxt(schema) else {
            return [Diagnostic(file: fileName, line: 0, message: "cannot allocate validator")]
        }
        defer { xmlRelaxNGFreeValidCtxt(vctxt) }
        let sink = ErrorSink()
        xmlRelaxNGSetValidStructuredErrors(vctxt, { ctx, err in
            guard let ctx, let err else { return }
            Unmanaged<ErrorSink>.fromOpaque(ctx).takeUnretainedValue().add(err.pointee)
        }, Unmanaged.passUnretained(sink).toOpaque())
        let rc = xmlRelaxNGValidateDoc(vctxt, doc)
        if rc == 0 { return [] }
        var result: [Diagnostic] = []
        var pending: [String] = []
        for e in sink.errors {
            if e.line > 0, let element = e.element {
                let reason = (pending + [e.message]).joined(separator: "; ")
                result.append(Diagnostic(file: fileName, line: e.line, element: element, message: reason))
                pending = []
            } else {
                pending.append(e.message)
            }
        }
        if !pending.isEmpty || result.isEmpty {
            let root = xmlDocGetRootElement(doc)
            result.append(
                Diagnostic(
                    file: fileName, line: rootLine ?? root.map { Int(xmlGetLineNo($0)) } ?? 0,
                    element: root.map { String(cString: $0.pointee.name) },
                    message: pending.isEmpty ? "document does not match the schema" : pending.joined(separator: "; ")))
        }
        return result
    }
}

/// Collects libxml2's structured errors during one call.
private final class ErrorSink {
    struct Entry {
        var file: String?
        var line: Int
        var element: String?
        var message: String
    }
    var errors: [Entry] = []

    func add(_ e: xmlError) {
        var element: String?
        if let node = e.node?.assumingMemoryBound(to: xmlNode.self), node.pointee.type == XML_ELEMENT_NODE {
            element = String(cString: node.pointee.name)
            if let ns = node.pointee.ns, let prefix = ns.pointee.prefix {
                element = String(cString: prefix) + ":" + element!
            }
        }
        let message = e.message.map { String(cString: $0).trimmingTrailingWhitespace() } ?? "error"
        errors.append(Entry(file: e.file.map { String(cString: $0) }, line: Int(e.line), element: element, message: message))
    }
}

/// Replaces libxml2's entity loader, once, with one that never opens network URLs.
let noNetworkLoader: Void = {
    xmlSetExternalEntityLoader(xmlNoNetExternalEntityLoader)
}()
