import Foundation

/// Validates documents the way virt-xml-validate does, plus virtkit's semantic checks:
/// root element picks the schema unless one is forced, each schema is compiled once.
public final class Validator {
    public let schemaDirectory: String
    private var compiled: [SchemaKind: RelaxNGSchema] = [:]
    private var pinpointers: [SchemaKind: Pinpointer] = [:]

    public init(schemaDirectory: String) {
        self.schemaDirectory = schemaDirectory
    }

    /// A validator using the schemas `SchemaLocator` finds.
    public convenience init() throws(Diagnostic) {
        guard let dir = SchemaLocator.directory() else {
            throw Diagnostic(
                file: "schemas", line: 0,
                message: "cannot find the schema folder (set VIRTKIT_SCHEMA_DIR to the folder holding domain.rng)")
        }
        self.init(schemaDirectory: dir)
    }

    /// From this many children of `<devices>` on, a domain is checked with
    /// `LargeDomainGrammar` (linear, but 0.2 s more to compile): where the plain grammar's
    /// quadratic cost overtakes that (about 15,000 devices), with room to spare.
    public static let largeDomainDevices = 10_000

    static func deviceCount(_ root: XMLElement) -> Int {
        root.elements.first { $0.name == "devices" }?.elements.count ?? 0
    }

    private var largeDomain: RelaxNGSchema?

    /// The domain grammar for documents with many devices (same verdicts, linear time).
    public func largeDomainSchema() throws(Diagnostic) -> RelaxNGSchema {
        if let largeDomain { return largeDomain }
        let text: String
        do {
            text = try LargeDomainGrammar.text(schemaDirectory: schemaDirectory)
        } catch {
            throw Diagnostic(file: schemaDirectory + "/devices.rng", line: 0, message: "cannot derive the large-document grammar: \(error)")
        }
        let s = try RelaxNGSchema(path: schemaDirectory + "/domain.rng (large documents)", source: text)
        largeDomain = s
        return s
    }

    public func schema(_ kind: SchemaKind) throws(Diagnostic) -> RelaxNGSchema {
        if let s = compiled[kind] { return s }
        let s = try RelaxNGSchema(path: schemaDirectory + "/" + kind.fileName)
        compiled[kind] = s
        return s
    }

    /// Every problem in `bytes`; empty means valid. Malformed XML and unknown roots come back
    /// as diagnostics too.
    public func validate(_ bytes: [UInt8], fileName: String, kind forced: SchemaKind? = nil) throws(Diagnostic)
        -> [Diagnostic]
    {
        let doc: XMLDocument
        do {
            doc = try XMLDocument.parse(bytes, fileName: fileName)
        } catch {
            return [error]
        }
        let root = doc.root
        guard let kind = forced ?? SchemaKind(rootElement: root.name) else {
            return [
                Diagnostic(
                    file: fileName, line: root.line, element: root.name,
                    message: "unknown root element; expected domain, network or capabilities (or pass --schema)")
            ]
        }
        let large = kind == .domain && root.name == "domain" && Self.deviceCount(root) >= Self.largeDomainDevices
        let grammar = try large ? largeDomainSchema() : schema(kind)
        var problems = grammar.validate(doc)
        // Pinpointing re-validates pieces with the plain grammar, quadratic on a large document.
        if !problems.isEmpty && !large {
            let p = pinpointers[kind] ?? Pinpointer(schemaDirectory: schemaDirectory, entry: kind.fileName)
            pinpointers[kind] = p
            problems = p.refine(problems, in: doc.doc, fileName: fileName) { grammar.validate(doc) }
        }
        if !problems.isEmpty || root.name != kind.rootElement { return problems }
        switch kind {
        case .domain: return SemanticChecks.check(Domain(element: root), file: fileName)
        case .network: return SemanticChecks.check(Network(element: root), file: fileName)
        case .capabilities: return []
        }
    }
}
