/// Reads the JSON of QEMU's object arguments (`-device '{…}'`, `-blockdev`, `-netdev`,
/// `-object`) into a `QemuJSONObject`, members in the order written.
///
/// Our own reader rather than JSONDecoder: the argument is user input to `domxml-from-native`
/// and is read back after every `domxml-to-native`, and decoding through `Decodable`
/// (one `try?` per candidate type for every value, then a second pass over the text for
/// the key order JSONDecoder's dictionaries lose) was a tenth of a whole conversion.
///
/// Strict JSON (RFC 8259) with a nesting limit. Values the model has no case for — `null`,
/// numbers that are not integers an `Int64` holds — are dropped from their object or array,
/// as before; a key given twice keeps its first place and its last value.
struct QemuJSONReader {
    private let bytes: [UInt8]
    private var at = 0
    /// Objects and arrays nest at most this deep: the input is untrusted, and each level is
    /// a frame of this recursive reader.
    static let maxDepth = 64

    private enum Parsed {
        case value(QemuJSONObject.Value)
        /// Valid JSON the model does not carry.
        case dropped
    }

    private struct Malformed: Error {}

    /// The object `text` holds; nil unless it is exactly one JSON object, starting at its
    /// first byte (QEMU tells JSON from `key=value` lists by the leading `{`).
    static func object(_ text: String) -> QemuJSONObject? {
        guard text.utf8.first == UInt8(ascii: "{") else { return nil }
        var reader = QemuJSONReader(bytes: Array(text.utf8))
        guard let value = try? reader.value(depth: 0), case .value(.object(let object)) = value else { return nil }
        reader.skipSpace()
        return reader.at == reader.bytes.count ? object : nil
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private var next: UInt8? { at < bytes.count ? bytes[at] : nil }

    private mutating func skipSpace() {
        while let b = next, b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { at += 1 }
    }

    private mutating func expect(_ b: UInt8) throws(Malformed) {
        skipSpace()
        guard next == b else { throw Malformed() }
        at += 1
    }

    private mutating func literal(_ word: String) throws(Malformed) {
        for b in word.utf8 {
            guard next == b else { throw Malformed() }
            at += 1
        }
    }

    private mutating func value(depth: Int) throws(Malformed) -> Parsed {
        skipSpace()
        switch next {
        case UInt8(ascii: "{")?:
            guard depth < Self.maxDepth else { throw Malformed() }
            at += 1
            var object = QemuJSONObject()
            // Where each key sits, so that a repeated key is found without a scan (the text
            // is untrusted: a scan per key would be quadratic in it).
            var place: [String: Int] = [:]
            skipSpace()
            if next == UInt8(ascii: "}") {
                at += 1
                return .value(.object(object))
            }
            while true {
                skipSpace()
                let key = try string()
                try expect(UInt8(ascii: ":"))
                if case .value(let v) = try value(depth: depth + 1) {
                    if let i = place[key] {
                        object.members[i].1 = v
                    } else {
                        place[key] = object.members.count
                        object.members.append((key, v))
                    }
                }
                skipSpace()
                guard let b = next else { throw Malformed() }
                at += 1
                if b == UInt8(ascii: "}") { return .value(.object(object)) }
                guard b == UInt8(ascii: ",") else { throw Malformed() }
            }
        case UInt8(ascii: "[")?:
            guard depth < Self.maxDepth else { throw Malformed() }
            at += 1
            var items: [QemuJSONObject.Value] = []
            skipSpace()
            if next == UInt8(ascii: "]") {
                at += 1
                return .value(.array(items))
            }
            while true {
                if case .value(let v) = try value(depth: depth + 1) { items.append(v) }
                skipSpace()
                guard let b = next else { throw Malformed() }
                at += 1
                if b == UInt8(ascii: "]") { return .value(.array(items)) }
                guard b == UInt8(ascii: ",") else { throw Malformed() }
            }
        case UInt8(ascii: "\"")?:
            return .value(.string(try string()))
        case UInt8(ascii: "t")?:
            try literal("true")
            return .value(.bool(true))
        case UInt8(ascii: "f")?:
            try literal("false")
            return .value(.bool(false))
        case UInt8(ascii: "n")?:
            try literal("null")
            return .dropped
        default:
            return try number()
        }
    }

    private mutating func number() throws(Malformed) -> Parsed {
        let start = at
        func digits(_ r: inout QemuJSONReader) -> Int {
            let from = r.at
            while let b = r.next, b >= 0x30 && b <= 0x39 { r.at += 1 }
            return r.at - from
        }
        if next == UInt8(ascii: "-") { at += 1 }
        let first = next
        let whole = digits(&self)
        // No leading zeros, as JSON says.
        guard whole > 0, !(first == UInt8(ascii: "0") && whole > 1) else { throw Malformed() }
        var integral = true
        if next == UInt8(ascii: ".") {
            at += 1
            guard digits(&self) > 0 else { throw Malformed() }
            integral = false
        }
        if next == UInt8(ascii: "e") || next == UInt8(ascii: "E") {
            at += 1
            if next == UInt8(ascii: "+") || next == UInt8(ascii: "-") { at += 1 }
            guard digits(&self) > 0 else { throw Malformed() }
            integral = false
        }
        let text = String(decoding: bytes[start..<at], as: UTF8.self)
        if integral, let i = Int64(text) { return .value(.int(i)) }
        // 2.0 or 1e3 still name an integer.
        if let d = Double(text), d == d.rounded(), let i = Int64(exactly: d) { return .value(.int(i)) }
        return .dropped
    }

    private mutating func string() throws(Malformed) -> String {
        guard next == UInt8(ascii: "\"") else { throw Malformed() }
        at += 1
        var out: [UInt8] = []
        while true {
            guard let b = next else { throw Malformed() }
            at += 1
            switch b {
            case UInt8(ascii: "\""):
                // The bytes came from a String, so they are UTF-8 already.
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let e = next else { throw Malformed() }
                at += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        // A surrogate pair: the low half must follow.
                        try literal("\\u")
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw Malformed() }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw Malformed() }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default: throw Malformed()
                }
            default:
                // Control characters must be escaped.
                guard b >= 0x20 else { throw Malformed() }
                out.append(b)
            }
        }
    }

    private mutating func hex4() throws(Malformed) -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard let b = next else { throw Malformed() }
            at += 1
            let d: UInt8
            switch b {
            case 0x30...0x39: d = b - 0x30
            case 0x41...0x46: d = b - 0x41 + 10
            case 0x61...0x66: d = b - 0x61 + 10
            default: throw Malformed()
            }
            v = v << 4 | UInt32(d)
        }
        return v
    }
}
