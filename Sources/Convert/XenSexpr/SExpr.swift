/// One node of an xend S-expression: an atom or a parenthesised list, with the line it
/// started on so readers can point at the offending node.
///
/// xend writes a setting as a list whose head atom names it: `(memory 400)`,
/// `(image (hvm (kernel '/usr/lib/xen/boot/hvmloader')))`. The helpers below navigate
/// that shape by head names.
public struct SExpr: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// An atom. `quoted` records (or asks for) the quoted spelling; it carries no meaning.
        case atom(String, quoted: Bool)
        case list([SExpr])
    }

    public var kind: Kind
    /// 1-based source line (0 for nodes built in code).
    public var line: Int

    public init(_ kind: Kind, line: Int = 0) {
        self.kind = kind
        self.line = line
    }

    /// Equality is structural: source lines and quoting style do not change what a node says.
    public static func == (a: SExpr, b: SExpr) -> Bool {
        switch (a.kind, b.kind) {
        case (.atom(let x, _), .atom(let y, _)): x == y
        case (.list(let x), .list(let y)): x == y
        default: false
        }
    }

    // MARK: Building

    /// A quoted string atom (`'value'`), as xend prints names and paths.
    public static func string(_ value: String) -> SExpr { SExpr(.atom(value, quoted: true)) }

    /// A bare atom (`400`, `c`, `ioemu`); the printer still quotes it when it must.
    public static func symbol(_ value: String) -> SExpr { SExpr(.atom(value, quoted: false)) }

    public static func list(_ items: [SExpr]) -> SExpr { SExpr(.list(items)) }

    /// `(name value)` with a quoted value.
    public static func pair(_ name: String, _ value: String) -> SExpr {
        .list([.symbol(name), .string(value)])
    }

    /// `(name value)` with a bare value.
    public static func bare(_ name: String, _ value: String) -> SExpr {
        .list([.symbol(name), .symbol(value)])
    }

    /// `(name child child …)`.
    public static func node(_ name: String, _ children: [SExpr]) -> SExpr {
        .list([.symbol(name)] + children)
    }

    // MARK: Reading

    public var atom: String? {
        if case .atom(let s, _) = kind { return s }
        return nil
    }

    public var items: [SExpr] {
        if case .list(let l) = kind { return l }
        return []
    }

    public var isList: Bool {
        if case .list = kind { return true }
        return false
    }

    /// The head atom of a list: the setting's name.
    public var head: String? { items.first?.atom }

    /// Everything after the head.
    public var arguments: ArraySlice<SExpr> { items.dropFirst() }

    /// Sub-lists after the head, in order.
    public var children: [SExpr] { arguments.filter(\.isList) }

    /// The first child list called `name`.
    public func child(_ name: String) -> SExpr? {
        children.first { $0.head == name }
    }

    /// All child lists called `name`.
    public func children(_ name: String) -> [SExpr] {
        children.filter { $0.head == name }
    }

    /// Follows child names separated by `/` (`image/hvm/kernel`), starting below this node.
    public func lookup(_ path: String) -> SExpr? {
        var node = self
        for part in path.split(separator: "/") {
            guard let next = node.child(String(part)) else { return nil }
            node = next
        }
        return node
    }

    /// The atom right after the head (`400` in `(memory 400)`); nil when the setting is
    /// absent, empty (`(bootloader )`) or holds a list.
    public var value: String? { arguments.first?.atom }

    /// `value` of the node at `path`.
    public func value(at path: String) -> String? { lookup(path)?.value }

    /// True when a node exists at `path`, even an empty one.
    public func has(_ path: String) -> Bool { lookup(path) != nil }
}
