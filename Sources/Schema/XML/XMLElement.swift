/// A plain, immutable-by-value XML tree: what libxml2 parsed, detached from libxml2's
/// memory so models can keep pieces of it (unknown elements) for as long as they like.
public struct XMLElement: Sendable {
    /// The name as written, with its prefix (`qemu:commandline`).
    public var name: String
    /// The namespace the element is in, if any.
    public var namespaceURI: String?
    public var attributes: [XMLAttribute]
    /// `xmlns` / `xmlns:p` declarations made on this element, in document order.
    public var namespaceDeclarations: [XMLNamespaceDeclaration]
    public var children: [XMLNode]
    /// 1-based line of the start tag in the source document (0 for built elements).
    public var line: Int

    public init(
        _ name: String,
        namespaceURI: String? = nil,
        attributes: [XMLAttribute] = [],
        namespaceDeclarations: [XMLNamespaceDeclaration] = [],
        children: [XMLNode] = [],
        line: Int = 0
    ) {
        self.name = name
        self.namespaceURI = namespaceURI
        self.attributes = attributes
        self.namespaceDeclarations = namespaceDeclarations
        self.children = children
        self.line = line
    }

    /// The name without its prefix.
    public var localName: String {
        guard let colon = name.firstIndex(of: ":") else { return name }
        return String(name[name.index(after: colon)...])
    }

    public func attribute(_ name: String) -> String? {
        attributes.first { $0.name == name }?.value
    }

    public var elements: [XMLElement] {
        children.compactMap { if case .element(let e) = $0 { e } else { nil } }
    }

    public func elements(named name: String) -> [XMLElement] {
        elements.filter { $0.name == name && $0.namespaceURI == nil }
    }

    public func element(named name: String) -> XMLElement? {
        elements(named: name).first
    }

    /// Concatenated character data of the direct children.
    public var text: String {
        var s = ""
        for child in children {
            if case .text(let t) = child { s += t }
        }
        return s
    }

    /// True when the element has neither attributes nor element children nor non-blank text.
    public var isBare: Bool {
        attributes.isEmpty && namespaceDeclarations.isEmpty
            && children.allSatisfy { node in
                if case .text(let t) = node { return t.allSatisfy(\.isWhitespace) }
                return false
            }
    }

    /// True when the element carries only text (no attributes, no element children).
    public var isTextOnly: Bool {
        attributes.isEmpty && namespaceDeclarations.isEmpty
            && children.allSatisfy { if case .text = $0 { true } else { false } }
    }
}

/// Equality ignores source line numbers: two trees are equal when they say the same thing.
extension XMLElement: Equatable {
    public static func == (a: XMLElement, b: XMLElement) -> Bool {
        a.name == b.name && a.namespaceURI == b.namespaceURI && a.attributes == b.attributes
            && a.namespaceDeclarations == b.namespaceDeclarations && a.children == b.children
    }
}

public struct XMLAttribute: Equatable, Sendable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

public struct XMLNamespaceDeclaration: Equatable, Sendable {
    /// nil for a default namespace declaration (`xmlns='…'`).
    public var prefix: String?
    public var uri: String
    public init(prefix: String?, uri: String) {
        self.prefix = prefix
        self.uri = uri
    }
}

public enum XMLNode: Equatable, Sendable {
    case element(XMLElement)
    case text(String)
    case comment(String)
}

extension XMLElement {
    /// Adds to this element an `xmlns:p` declaration for every prefixed namespace used below
    /// it and declared nowhere on the way, as libvirt does on the root (`xmlns:qemu`).
    public mutating func declareMissingNamespaces() {
        var declared = Set(namespaceDeclarations.compactMap(\.prefix))
        var missing: [XMLNamespaceDeclaration] = []
        func visit(_ e: XMLElement, _ inherited: Set<String>) {
            let scope = inherited.union(e.namespaceDeclarations.compactMap(\.prefix))
            if let uri = e.namespaceURI, let colon = e.name.firstIndex(of: ":") {
                let prefix = String(e.name[..<colon])
                if !scope.contains(prefix) && !declared.contains(prefix) {
                    declared.insert(prefix)
                    missing.append(XMLNamespaceDeclaration(prefix: prefix, uri: uri))
                }
            }
            for child in e.elements { visit(child, scope) }
        }
        visit(self, [])
        namespaceDeclarations += missing
    }
}
