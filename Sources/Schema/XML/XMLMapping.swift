/// Something that converts to and from one element: models, and the enums that stand for a
/// whole element whose shape depends on an attribute (graphics, addresses).
public protocol XMLElementConvertible: Equatable, Sendable {
    init(element: XMLElement)
    func element(named name: String, namespaceURI: String?) -> XMLElement
}

extension XMLElementConvertible {
    public func element(named name: String) -> XMLElement {
        element(named: name, namespaceURI: nil)
    }
}

/// Every XMLModel converts through its mapping.
extension XMLModel {
    public typealias Field = XMLField<Self>
}

/// The one declaration of how a model maps to its element. Fields run in order: their order
/// is the order attributes and children are written in.
///
/// Sendable by construction: built once, never mutated, and its closures capture only key
/// paths and strings.
public struct XMLMapping<Root>: @unchecked Sendable {
    let fields: [XMLField<Root>]
    public init(@XMLFieldBuilder<Root> _ fields: () -> [XMLField<Root>]) {
        self.fields = fields()
    }
}

@resultBuilder
public enum XMLFieldBuilder<Root> {
    public static func buildExpression(_ f: XMLField<Root>) -> [XMLField<Root>] { [f] }
    public static func buildBlock(_ parts: [XMLField<Root>]...) -> [XMLField<Root>] {
        parts.flatMap { $0 }
    }
}

/// One mapped attribute, text or child: a decoder and an encoder made from the same arguments.
public struct XMLField<Root> {
    let decode: (inout Root, inout XMLReader) -> Void
    let encode: (Root, inout XMLBuilder) -> Void

    public init(
        decode: @escaping (inout Root, inout XMLReader) -> Void,
        encode: @escaping (Root, inout XMLBuilder) -> Void
    ) {
        self.decode = decode
        self.encode = encode
    }

    /// An attribute holding a value; absent or unparsable leaves the field nil.
    public static func attribute<V: XMLValue>(_ name: String, _ kp: WritableKeyPath<Root, V?>) -> Self {
        Self(
            decode: { root, reader in
                if let raw = reader.peekAttribute(name), let v = V(xmlValue: raw) {
                    root[keyPath: kp] = v
                    reader.claimAttribute(name)
                }
            },
            encode: { root, b in b.attribute(name, root[keyPath: kp]?.xmlValue) })
    }

    /// The element's own character data (`<type arch='x86_64'>hvm</type>`).
    public static func text<V: XMLValue>(_ kp: WritableKeyPath<Root, V?>) -> Self {
        Self(
            decode: { root, reader in
                if let raw = reader.peekText(), let v = V(xmlValue: raw) {
                    root[keyPath: kp] = v
                    reader.claimText()
                }
            },
            encode: { root, b in
                if let v = root[keyPath: kp] { b.text(v.xmlValue) }
            })
    }

    /// A single child element (the first one; any further ones stay unknown).
    public static func element<M: XMLElementConvertible>(
        _ name: String, _ kp: WritableKeyPath<Root, M?>, namespace: XMLNamespace? = nil
    ) -> Self {
        Self(
            decode: { root, reader in
                if let (i, e) = reader.unclaimedChildren(named: name, namespaceURI: namespace?.uri).first {
                    root[keyPath: kp] = M(element: e)
                    reader.claimChild(at: i)
                }
            },
            encode: { root, b in
                if let m = root[keyPath: kp] {
                    b.child(m.element(named: namespace?.qualify(name) ?? name, namespaceURI: namespace?.uri))
                }
            })
    }

    /// Every child element of that name, in order.
    public static func elements<M: XMLElementConvertible>(
        _ name: String, _ kp: WritableKeyPath<Root, [M]>, namespace: XMLNamespace? = nil
    ) -> Self {
        Self(
            decode: { root, reader in
                for (i, e) in reader.unclaimedChildren(named: name, namespaceURI: namespace?.uri) {
                    root[keyPath: kp].append(M(element: e))
                    reader.claimChild(at: i)
                }
            },
            encode: { root, b in
                for m in root[keyPath: kp] {
                    b.child(m.element(named: namespace?.qualify(name) ?? name, namespaceURI: namespace?.uri))
                }
            })
    }

    /// A child that only carries text: `<name>demo</name>`.
    public static func textElement<V: XMLValue>(_ name: String, _ kp: WritableKeyPath<Root, V?>) -> Self {
        Self(
            decode: { root, reader in
                if let (i, e) = reader.unclaimedChildren(named: name).first, e.isTextOnly,
                    let v = V(xmlValue: e.text)
                {
                    root[keyPath: kp] = v
                    reader.claimChild(at: i)
                }
            },
            encode: { root, b in
                if let v = root[keyPath: kp] {
                    b.child(XMLElement(name, children: [.text(v.xmlValue)]))
                }
            })
    }

    /// Repeated text-only children: `<machine>pc</machine><machine>q35</machine>`.
    public static func textElements<V: XMLValue>(_ name: String, _ kp: WritableKeyPath<Root, [V]>) -> Self {
        Self(
            decode: { root, reader in
                for (i, e) in reader.unclaimedChildren(named: name) where e.isTextOnly {
                    if let v = V(xmlValue: e.text) {
                        root[keyPath: kp].append(v)
                        reader.claimChild(at: i)
                    }
                }
            },
            encode: { root, b in
                for v in root[keyPath: kp] {
                    b.child(XMLElement(name, children: [.text(v.xmlValue)]))
                }
            })
    }

    /// An empty marker element: `<readonly/>`, `<acpi/>`.
    public static func flag(_ name: String, _ kp: WritableKeyPath<Root, Bool>) -> Self {
        Self(
            decode: { root, reader in
                if let (i, e) = reader.unclaimedChildren(named: name).first, e.isBare {
                    root[keyPath: kp] = true
                    reader.claimChild(at: i)
                }
            },
            encode: { root, b in
                if root[keyPath: kp] { b.child(XMLElement(name)) }
            })
    }

    /// Writes the tag attribute of a union decoded by `union(tag:payload:)`; it is a field of
    /// its own so the attribute can come first while the payload sits among the children.
    public static func unionTag<U: XMLTaggedUnion>(_ tag: String, _ kp: WritableKeyPath<Root, U?>) -> Self {
        Self(
            decode: { _, _ in },
            encode: { root, b in b.attribute(tag, root[keyPath: kp]?.tag) })
    }

    /// A union chosen by an attribute of this element (`type`) whose payload is one child
    /// element (`source`): disk and interface sources, hostdev sources.
    public static func union<U: XMLTaggedUnion>(
        tag: String, payload: String, _ kp: WritableKeyPath<Root, U?>
    ) -> Self {
        Self(
            decode: { root, reader in
                let tagValue = reader.peekAttribute(tag)
                let found = reader.unclaimedChildren(named: payload).first
                guard tagValue != nil || found != nil else { return }
                root[keyPath: kp] = U(tag: tagValue, payload: found?.1)
                if tagValue != nil { reader.claimAttribute(tag) }
                if let (i, _) = found { reader.claimChild(at: i) }
            },
            encode: { root, b in
                if let p = root[keyPath: kp]?.payload(named: payload) { b.child(p) }
            })
    }
}


/// A namespace a model maps elements in, with the prefix libvirt writes it with.
public struct XMLNamespace: Sendable, Equatable {
    public let prefix: String
    public let uri: String
    public init(prefix: String, uri: String) {
        self.prefix = prefix
        self.uri = uri
    }
    func qualify(_ name: String) -> String { "\(prefix):\(name)" }

    public static let qemu = XMLNamespace(prefix: "qemu", uri: "http://libvirt.org/schemas/domain/qemu/1.0")
}

/// A model for elements virtkit carries but does not interpret: everything is `unknown`.
public struct OpaqueElement: XMLModel {
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<OpaqueElement> {}
}
