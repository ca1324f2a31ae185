/// A UUID as libvirt accepts it: 32 hex digits, dashed (8-4-4-4-12) or not. It is always
/// written in the dashed, lower-case form.
public struct UUIDValue: XMLValue, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(xmlValue: String) {
        let s = xmlValue.trimmingWhitespace()
        let chars = Array(s.utf8)
        var hex: [UInt8] = []
        if chars.count == 36 {
            for (i, c) in chars.enumerated() {
                if [8, 13, 18, 23].contains(i) {
                    guard c == UInt8(ascii: "-") else { return nil }
                } else {
                    hex.append(c)
                }
            }
        } else if chars.count == 32 {
            hex = chars
        } else {
            return nil
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        var i = 0
        while i < 32 {
            guard let hi = hexDigit(hex[i]), let lo = hexDigit(hex[i + 1]) else { return nil }
            bytes.append(hi << 4 | lo)
            i += 2
        }
        self.bytes = bytes
    }

    public init(bytes: [UInt8]) {
        precondition(bytes.count == 16)
        self.bytes = bytes
    }

    /// A random (version 4) UUID, for guests whose native config names none.
    public static func random() -> UUIDValue {
        var g = SystemRandomNumberGenerator()
        var b = (0..<16).map { _ in UInt8.random(in: 0...255, using: &g) }
        b[6] = (b[6] & 0x0f) | 0x40
        b[8] = (b[8] & 0x3f) | 0x80
        return UUIDValue(bytes: b)
    }

    public var xmlValue: String {
        var s = ""
        for (i, b) in bytes.enumerated() {
            if [4, 6, 8, 10].contains(i) { s += "-" }
            s += hexByte(b)
        }
        return s
    }

    /// The 32-digit form xend uses.
    public var compact: String { bytes.map(hexByte).joined() }

    public var description: String { xmlValue }
}

func hexDigit(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
    default: nil
    }
}

func hexByte(_ b: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(b >> 4)], digits[Int(b & 0xf)]])
}
