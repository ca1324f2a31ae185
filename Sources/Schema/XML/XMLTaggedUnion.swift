/// The tags of a union, declared once: a case per variant the model knows, spelled as XML
/// spells it (the raw value).
public protocol XMLUnionTag: RawRepresentable<String>, CaseIterable, Hashable, Sendable {}

/// A union decided by a tag attribute (`type`), with an optional payload element: disk and
/// interface sources (the payload is `<source>`), addresses (`XMLAttributeUnion`: the
/// payload is the rest of the element itself).
///
/// A union names its tags once, in `Tag`, and maps them to its cases in exhaustive
/// switches (`init(known:payload:)` one way, `knownTag` and `payloadModel` the other), so a
/// variant left out of either direction does not compile; `XMLTaggedUnionTests` holds every
/// union to `Self(known: t).knownTag == t` for each tag, which catches a tag mapped to the
/// wrong case. A tag the model does not know (or none) is kept verbatim, with its payload,
/// by the case `init(unknown:payload:)` makes.
public protocol XMLTaggedUnion: Equatable, Sendable {
    associatedtype Tag: XMLUnionTag
    /// The case for a tag the model knows, its payload read from `payload` (nil: absent).
    init(known tag: Tag, payload: XMLElement?)
    /// The case that keeps an unknown tag, or none, and its payload as written.
    init(unknown tag: String?, payload: XMLElement?)
    /// This case's tag; nil for the case that keeps an unknown one.
    var knownTag: Tag? { get }
    /// The tag the kept-verbatim case carries; nil for every other case.
    var unknownTag: String? { get }
    /// The payload as its model; nil when there is none.
    var payloadModel: (any XMLElementConvertible)? { get }
}

extension XMLTaggedUnion {
    public init(tag: String?, payload: XMLElement?) {
        if let known = tag.flatMap(Tag.init(rawValue:)) {
            self.init(known: known, payload: payload)
        } else {
            self.init(unknown: tag, payload: payload)
        }
    }

    /// The tag as written in XML.
    public var tag: String? { knownTag?.rawValue ?? unknownTag }

    /// The payload as an element called `name`.
    public func payload(named name: String) -> XMLElement? { payloadModel?.element(named: name) }
}

/// A union whose tag is an attribute of the element itself and whose payload is the rest
/// of that element: `<address type='pci' bus='0x00' slot='0x03'/>`.
public protocol XMLAttributeUnion: XMLTaggedUnion, XMLElementConvertible {
    /// The attribute holding the tag.
    static var tagAttribute: String { get }
}

extension XMLAttributeUnion {
    public init(element: XMLElement) {
        var rest = element
        rest.attributes.removeAll { $0.name == Self.tagAttribute }
        self.init(tag: element.attribute(Self.tagAttribute), payload: rest)
    }

    public func element(named name: String, namespaceURI: String?) -> XMLElement {
        var e = payloadModel?.element(named: name, namespaceURI: namespaceURI) ?? XMLElement(name, namespaceURI: namespaceURI)
        if let tag { e.attributes.insert(XMLAttribute(Self.tagAttribute, tag), at: 0) }
        return e
    }
}
