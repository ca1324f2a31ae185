/// A typed view of one XML element. A model declares its mapping once (`xml`), and that one
/// declaration drives both decoding and encoding. What the mapping does not claim (unknown
/// attributes, elements, text, comments) is kept in `unknown` and written back, so passing a
/// document through virtkit never loses configuration.
///
/// Decoding never fails: a value that does not parse (a non-numeric size, say) is left in
/// `unknown` untouched, and the schema, not the model, says whether the document is valid.
public protocol XMLModel: XMLElementConvertible {
    init()
    static var xml: XMLMapping<Self> { get }
    var unknown: XMLUnknown { get set }
}

/// A model that is the root of a document type.
public protocol XMLRootModel: XMLModel {
    static var rootElementName: String { get }
}

/// What a model did not understand about its element, kept verbatim.
public struct XMLUnknown: Sendable {
    public var attributes: [XMLAttribute] = []
    public var namespaceDeclarations: [XMLNamespaceDeclaration] = []
    /// Unknown elements, stray text and comments, in document order.
    public var children: [XMLNode] = []
    /// Source line of the element (0 when built in code); used by semantic checks.
    public var line: Int = 0

    public init() {}

    public var isEmpty: Bool {
        attributes.isEmpty && namespaceDeclarations.isEmpty && children.isEmpty
    }

    public var elements: [XMLElement] {
        children.compactMap { if case .element(let e) = $0 { e } else { nil } }
    }
}

/// Unknown content is part of a model's value; its source line is not.
extension XMLUnknown: Equatable {
    public static func == (a: XMLUnknown, b: XMLUnknown) -> Bool {
        a.attributes == b.attributes && a.namespaceDeclarations == b.namespaceDeclarations
            && a.children == b.children
    }
}

extension XMLModel {
    /// Decodes `element` through the model's mapping.
    public init(element: XMLElement) {
        self.init()
        var reader = XMLReader(element)
        for field in Self.xml.fields { field.decode(&self, &reader) }
        unknown = reader.leftovers()
    }

    /// Encodes the model as an element called `name`.
    public func element(named name: String, namespaceURI: String?) -> XMLElement {
        var builder = XMLBuilder()
        for field in Self.xml.fields { field.encode(self, &builder) }
        var e = XMLElement(
            name, namespaceURI: namespaceURI,
            attributes: builder.attributes + unknown.attributes,
            namespaceDeclarations: unknown.namespaceDeclarations,
            children: builder.children + unknown.children)
        e.line = unknown.line
        return e
    }

    /// The source line of the element this value was decoded from (0 if built in code).
    public var line: Int { unknown.line }
}

extension XMLRootModel {
    /// Parses a whole document whose root must be `rootElementName`.
    public static func parse(_ text: String, fileName: String = "-") throws(Diagnostic) -> Self {
        let doc = try XMLDocument.parse(text, fileName: fileName)
        return try decodeRoot(doc)
    }

    public static func decodeRoot(_ doc: XMLDocument) throws(Diagnostic) -> Self {
        let root = doc.root
        guard root.name == rootElementName, root.namespaceURI == nil else {
            throw Diagnostic(
                file: doc.fileName, line: root.line, element: root.name,
                message: "expected root element <\(rootElementName)>")
        }
        return Self(element: root)
    }

    /// The document in libvirt's formatting, ending with a newline.
    public func formatted() -> String {
        var root = element(named: Self.rootElementName)
        root.declareMissingNamespaces()
        return XMLWriter.format(root)
    }
}

/// Walks one element, handing out attributes and children and remembering which were used.
public struct XMLReader {
    public let element: XMLElement
    private var attributeUsed: [Bool]
    private var childUsed: [Bool]

    init(_ element: XMLElement) {
        self.element = element
        attributeUsed = Array(repeating: false, count: element.attributes.count)
        childUsed = Array(repeating: false, count: element.children.count)
    }

    /// The value of an attribute not yet claimed.
    public func peekAttribute(_ name: String) -> String? {
        for (i, a) in element.attributes.enumerated() where a.name == name && !attributeUsed[i] {
            return a.value
        }
        return nil
    }

    public mutating func claimAttribute(_ name: String) {
        for (i, a) in element.attributes.enumerated() where a.name == name && !attributeUsed[i] {
            attributeUsed[i] = true
            return
        }
    }

    /// Unclaimed child elements called `name` (no namespace unless `namespaceURI` is given),
    /// with their child index so callers can claim them.
    public func unclaimedChildren(named name: String, namespaceURI: String? = nil) -> [(Int, XMLElement)] {
        var found: [(Int, XMLElement)] = []
        for (i, node) in element.children.enumerated() where !childUsed[i] {
            if case .element(let e) = node, e.namespaceURI == namespaceURI,
                namespaceURI == nil ? e.name == name : e.localName == name
            {
                found.append((i, e))
            }
        }
        return found
    }

    public mutating func claimChild(at index: Int) { childUsed[index] = true }

    /// The element's character data, when it has no element children of its own.
    public func peekText() -> String? {
        var text = ""
        for (i, node) in element.children.enumerated() {
            switch node {
            case .text(let t): if !childUsed[i] { text += t }
            case .element: return nil
            case .comment: continue
            }
        }
        return text
    }

    public mutating func claimText() {
        for (i, node) in element.children.enumerated() {
            if case .text = node { childUsed[i] = true }
        }
    }

    /// Everything no field claimed. Whitespace between elements is layout, not content.
    func leftovers() -> XMLUnknown {
        var u = XMLUnknown()
        u.line = element.line
        u.namespaceDeclarations = element.namespaceDeclarations
        for (i, a) in element.attributes.enumerated() where !attributeUsed[i] {
            u.attributes.append(a)
        }
        for (i, node) in element.children.enumerated() where !childUsed[i] {
            if case .text(let t) = node, t.allSatisfy(\.isWhitespace) { continue }
            u.children.append(node)
        }
        return u
    }
}

/// Collects what fields encode, attributes and children separately so each keeps field order.
public struct XMLBuilder {
    public var attributes: [XMLAttribute] = []
    public var children: [XMLNode] = []
    public init() {}

    public mutating func attribute(_ name: String, _ value: String?) {
        if let value { attributes.append(XMLAttribute(name, value)) }
    }

    public mutating func child(_ element: XMLElement) { children.append(.element(element)) }

    public mutating func text(_ text: String) { children.append(.text(text)) }
}
