import Foundation
import Schema

/// QEMU's `key=value,key=value` option syntax. A comma inside a value is written `,,`;
/// the first item may be a bare value whose key is implied (`-net nic,…`, `-vnc :1,…`).
public struct QemuOptionList: Equatable, Sendable {
    public struct Item: Equatable, Sendable {
        public var key: String?
        public var value: String
    }
    public var items: [Item]

    public init(_ items: [Item] = []) { self.items = items }

    /// Parses an option string. With `impliedKey`, a leading item without `=` gets that key.
    public init(parsing text: String) {
        var items: [Item] = []
        var current = ""
        var chars = Array(text)[...]
        var parts: [String] = []
        while let c = chars.popFirst() {
            if c == "," {
                if chars.first == "," {
                    chars.removeFirst()
                    current.append(",")
                } else {
                    parts.append(current)
                    current = ""
                }
            } else {
                current.append(c)
            }
        }
        parts.append(current)
        for part in parts {
            if let eq = part.firstIndex(of: "=") {
                items.append(Item(key: String(part[..<eq]), value: String(part[part.index(after: eq)...])))
            } else {
                items.append(Item(key: nil, value: part))
            }
        }
        self.items = items
    }

    /// The value of `key`, or of a bare item when `key` is nil.
    public func value(_ key: String) -> String? {
        items.last { $0.key == key }?.value
    }

    public var bare: [String] { items.filter { $0.key == nil }.map(\.value) }
    public var firstBare: String? { items.first.flatMap { $0.key == nil ? $0.value : nil } }

    public mutating func append(_ key: String?, _ value: String?) {
        if let value { items.append(Item(key: key, value: value)) }
    }

    public mutating func append(flag value: String) { items.append(Item(key: nil, value: value)) }

    /// The string QEMU parses back to the same items.
    public var rendered: String {
        items.map { item in
            let v = Self.escape(item.value)
            return item.key.map { "\($0)=\(v)" } ?? v
        }.joined(separator: ",")
    }

    public static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: ",", with: ",,")
    }
}

/// A JSON object argument (`-device '{"driver":"virtio-blk-pci",…}'`), kept in key order.
public struct QemuJSONObject: Equatable, Sendable {
    public enum Value: Equatable, Sendable {
        case string(String)
        case int(Int64)
        case bool(Bool)
        case object(QemuJSONObject)
        case array([Value])
    }
    public var members: [(String, Value)]

    public init(_ members: [(String, Value)] = []) { self.members = members }

    public static func == (a: QemuJSONObject, b: QemuJSONObject) -> Bool {
        a.members.count == b.members.count
            && zip(a.members, b.members).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    }

    public subscript(key: String) -> Value? { members.last { $0.0 == key }?.1 }

    public func string(_ key: String) -> String? {
        switch self[key] {
        case .string(let s)?: s
        case .int(let i)?: String(i)
        case .bool(let b)?: b ? "on" : "off"
        default: nil
        }
    }

    public func int(_ key: String) -> Int64? {
        switch self[key] {
        case .int(let i)?: i
        case .string(let s)?: Int64(s)
        default: nil
        }
    }

    public func bool(_ key: String) -> Bool? {
        switch self[key] {
        case .bool(let b)?: b
        case .string("on")?, .string("yes")?, .string("true")?: true
        case .string("off")?, .string("no")?, .string("false")?: false
        default: nil
        }
    }

    public func object(_ key: String) -> QemuJSONObject? {
        if case .object(let o)? = self[key] { return o }
        return nil
    }

    public mutating func set(_ key: String, _ value: Value?) {
        guard let value else { return }
        members.removeAll { $0.0 == key }
        members.append((key, value))
    }

    public mutating func set(_ key: String, _ value: String?) { set(key, value.map(Value.string)) }
    public mutating func set(_ key: String, _ value: Int?) { set(key, value.map { Value.int(Int64($0)) }) }
    public mutating func set(_ key: String, _ value: Bool?) { set(key, value.map(Value.bool)) }

    /// Compact JSON as libvirt writes it.
    public var rendered: String {
        "{" + members.map { "\(Self.quote($0.0)):\(Self.render($0.1))" }.joined(separator: ",") + "}"
    }

    private static func render(_ v: Value) -> String {
        switch v {
        case .string(let s): quote(s)
        case .int(let i): String(i)
        case .bool(let b): b ? "true" : "false"
        case .object(let o): o.rendered
        case .array(let a): "[" + a.map(render).joined(separator: ",") + "]"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    out += "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count)
                        + String(u.value, radix: 16)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    /// Parses a JSON object argument; nil when `text` is not a JSON object.
    public init?(parsing text: String) {
        guard let object = QemuJSONReader.object(text) else { return nil }
        self = object
    }

    public func array(_ key: String) -> [Value]? {
        if case .array(let a)? = self[key] { return a }
        return nil
    }
}
