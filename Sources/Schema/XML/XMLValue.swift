/// A value that lives in an attribute or in an element's text.
///
/// `init?(xmlValue:)` accepts only what formats back to equivalent text, so a value that would
/// change on the way through (`007`, `12abc`) is left to `XMLUnknown` instead and written back
/// byte for byte.
public protocol XMLValue: Equatable, Sendable {
    init?(xmlValue: String)
    var xmlValue: String { get }
}

extension String: XMLValue {
    public init?(xmlValue: String) { self = xmlValue }
    public var xmlValue: String { self }
}

/// Decimal integers as libvirt writes them: optional sign, no leading zeros, blanks around
/// them tolerated (libvirt reads numbers through XPath, which trims).
private func canonicalDecimal(_ raw: String) -> Substring? {
    let s = Substring(raw.trimmingWhitespace())
    var digits = s
    if digits.first == "-" { digits = digits.dropFirst() }
    guard !digits.isEmpty, digits.allSatisfy({ $0 >= "0" && $0 <= "9" }) else { return nil }
    if digits.count > 1 && digits.first == "0" { return nil }
    return s
}

extension Int: XMLValue {
    public init?(xmlValue: String) {
        guard let s = canonicalDecimal(xmlValue), let v = Int(s) else { return nil }
        self = v
    }
    public var xmlValue: String { String(self) }
}

extension UInt: XMLValue {
    public init?(xmlValue: String) {
        guard let s = canonicalDecimal(xmlValue), let v = UInt(s) else { return nil }
        self = v
    }
    public var xmlValue: String { String(self) }
}

extension UInt64: XMLValue {
    public init?(xmlValue: String) {
        guard let s = canonicalDecimal(xmlValue), let v = UInt64(s) else { return nil }
        self = v
    }
    public var xmlValue: String { String(self) }
}

/// A closed set of names from libvirt's vocabulary, plus `other` for anything else so the
/// model stays lossless and the schema decides what is valid.
///
/// Conforming enums list their names once in `xmlNames`; the `other(String)` case satisfies
/// the `other` requirement.
public protocol XMLEnum: XMLValue, Hashable {
    static var xmlNames: [(Self, String)] { get }
    static func other(_ value: String) -> Self
}

extension XMLEnum {
    public init(xmlValue: String) {
        for (value, name) in Self.xmlNames where name == xmlValue {
            self = value
            return
        }
        self = .other(xmlValue)
    }

    public var xmlValue: String {
        for (value, name) in Self.xmlNames where value == self { return name }
        // Only `other(String)` is missing from the table; its payload is the text.
        return Mirror(reflecting: self).children.first?.value as? String ?? ""
    }

    /// True for a name from the table, false for `other`.
    public var isKnown: Bool { Self.xmlNames.contains { $0.0 == self } }
}

/// libvirt's yes/no attributes.
public enum YesNo: XMLEnum {
    case yes, no
    case other(String)
    public static let xmlNames: [(YesNo, String)] = [(.yes, "yes"), (.no, "no")]

    public init(_ flag: Bool) { self = flag ? .yes : .no }
    public var bool: Bool? { self == .yes ? true : self == .no ? false : nil }
}

/// libvirt's on/off attributes.
public enum OnOff: XMLEnum {
    case on, off
    case other(String)
    public static let xmlNames: [(OnOff, String)] = [(.on, "on"), (.off, "off")]

    public init(_ flag: Bool) { self = flag ? .on : .off }
    public var bool: Bool? { self == .on ? true : self == .off ? false : nil }
}
