/// One value of an /etc/xen config file: a string, a number (kept as written) or a list,
/// with the line it starts on.
public struct XenConfigValue: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case string(String)
        case number(String)
        case list([XenConfigValue])
    }

    public var kind: Kind
    public var line: Int

    public init(_ kind: Kind, line: Int = 0) {
        self.kind = kind
        self.line = line
    }

    /// Equality ignores source lines.
    public static func == (a: XenConfigValue, b: XenConfigValue) -> Bool { a.kind == b.kind }

    public static func string(_ s: String) -> XenConfigValue { XenConfigValue(.string(s)) }
    public static func number(_ n: Int) -> XenConfigValue { XenConfigValue(.number(String(n))) }
    public static func number(_ n: UInt64) -> XenConfigValue { XenConfigValue(.number(String(n))) }
    public static func list(_ items: [XenConfigValue]) -> XenConfigValue { XenConfigValue(.list(items)) }
    public static func strings(_ items: [String]) -> XenConfigValue { .list(items.map { .string($0) }) }

    public var string: String? {
        if case .string(let s) = kind { return s }
        return nil
    }

    public var list: [XenConfigValue]? {
        if case .list(let l) = kind { return l }
        return nil
    }

    /// The text of a string or number, as the xm/xl tools accept either for most settings.
    public var text: String? {
        switch kind {
        case .string(let s), .number(let s): s
        case .list: nil
        }
    }
}

/// `name = value` with the line the setting starts on.
public struct XenConfigEntry: Sendable, Equatable {
    public var name: String
    public var value: XenConfigValue
    public var line: Int

    public init(name: String, value: XenConfigValue, line: Int = 0) {
        self.name = name
        self.value = value
        self.line = line
    }

    /// Equality ignores source lines.
    public static func == (a: XenConfigEntry, b: XenConfigEntry) -> Bool {
        a.name == b.name && a.value == b.value
    }
}

/// A whole config file: its settings in order. A name set twice takes its last value, as
/// both Python (xm) and libxlu (xl) do.
public struct XenConfig: Sendable, Equatable {
    public var entries: [XenConfigEntry] = []

    public init(entries: [XenConfigEntry] = []) { self.entries = entries }

    public func entry(_ name: String) -> XenConfigEntry? { entries.last { $0.name == name } }
    public subscript(_ name: String) -> XenConfigValue? { entry(name)?.value }

    /// Sets `name`, replacing an earlier value in place or appending.
    public mutating func set(_ name: String, _ value: XenConfigValue) {
        if let i = entries.firstIndex(where: { $0.name == name }) {
            entries[i].value = value
        } else {
            entries.append(XenConfigEntry(name: name, value: value))
        }
    }

    public mutating func set(_ name: String, _ s: String) { set(name, .string(s)) }
    public mutating func set(_ name: String, _ n: Int) { set(name, .number(n)) }
}
