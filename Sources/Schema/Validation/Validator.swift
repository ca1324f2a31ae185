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

    /// From this size on, a domain document is validated as a stream (`StreamingDomainCheck`):
    /// a quarter of a MiB holds a few thousand devices, where the whole-document check's
    /// quadratic cost starts to show (about 0.1 s), and streaming costs one more grammar
    /// compile (about 10 ms). Smaller documents keep the whole-document check, whose
    /// diagnostics are pinpointed more precisely.
    public static let streamingBytes = 256 * 1024

    /// How a document is checked: `automatic` picks by size; the others force one way (the
    /// tests hold both ways to the same verdicts).
    public enum Strategy: Sendable {
        case automatic, whole, streamed
    }

    private var streaming: StreamingDomainCheck?

    func streamingCheck() throws(Diagnostic) -> StreamingDomainCheck {
        if let streaming { return streaming }
        let grammar: DeviceListGrammar
        do {
            grammar = try DeviceListGrammar(schemaDirectory: schemaDirectory)
        } catch {
            throw Diagnostic(file: schemaDirectory + "/devices.rng", line: 0, message: "cannot derive the device-list grammar: \(error)")
        }
        let list = try RelaxNGSchema(path: schemaDirectory + "/devices.rng (device lists)", source: grammar.text)
        let check = StreamingDomainCheck(domain: try schema(.domain), deviceList: list, singletons: grammar.singletons)
        streaming = check
        return check
    }

    public func schema(_ kind: SchemaKind) throws(Diagnostic) -> RelaxNGSchema {
        if let s = compiled[kind] { return s }
        let s = try RelaxNGSchema(path: schemaDirectory + "/" + kind.fileName)
        compiled[kind] = s
        return s
    }

    /// Every problem in `bytes`; empty means valid. Malformed XML and unknown roots come back
    /// as diagnostics too.
    public func validate(
        _ bytes: [UInt8], fileName: String, kind forced: SchemaKind? = nil, strategy: Strategy = .automatic
    ) throws(Diagnostic) -> [Diagnostic] {
        let stream =
            switch strategy {
            case .automatic: bytes.count >= Self.streamingBytes
            case .whole: false
            case .streamed: true
            }
        // A document the stream does not take (another root, not well-formed) is checked whole.
        if stream && (forced == nil || forced == .domain),
            let problems = try streamingCheck().validate(bytes, fileName: fileName)
        {
            return problems
        }
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
        let grammar = try schema(kind)
        var problems = grammar.validate(doc)
        if !problems.isEmpty {
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
