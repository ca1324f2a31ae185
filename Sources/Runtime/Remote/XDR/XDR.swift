import Schema

/// XDR (RFC 4506) as libvirt's remote protocol uses it: big-endian 4-byte units, 8-byte
/// hypers, strings and opaque data padded to 4, optional values as a 0/1 word, arrays as a
/// count. Every length read is checked against its declared maximum (and against what is
/// left of the message) before anything is allocated.
public struct XDRWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    public mutating func int(_ v: Int32) { uint(UInt32(bitPattern: v)) }

    public mutating func uint(_ v: UInt32) {
        bytes.append(UInt8(v >> 24))
        bytes.append(UInt8(v >> 16 & 0xff))
        bytes.append(UInt8(v >> 8 & 0xff))
        bytes.append(UInt8(v & 0xff))
    }

    public mutating func hyper(_ v: Int64) { uhyper(UInt64(bitPattern: v)) }

    public mutating func uhyper(_ v: UInt64) {
        uint(UInt32(v >> 32))
        uint(UInt32(v & 0xffff_ffff))
    }

    public mutating func bool(_ v: Bool) { int(v ? 1 : 0) }

    public mutating func string(_ s: String) { opaque(Array(s.utf8)) }

    /// Variable-length opaque data: count, bytes, padding.
    public mutating func opaque(_ data: [UInt8]) {
        uint(UInt32(data.count))
        fixedOpaque(data)
    }

    /// Fixed-length opaque data (a UUID): bytes and padding, no count.
    public mutating func fixedOpaque(_ data: [UInt8]) {
        bytes += data
        let pad = (4 - data.count % 4) % 4
        if pad > 0 { bytes += Array(repeating: 0, count: pad) }
    }

    public mutating func optional<T>(_ v: T?, _ write: (inout XDRWriter, T) -> Void) {
        if let v {
            int(1)
            write(&self, v)
        } else {
            int(0)
        }
    }

    public mutating func array<T>(_ items: [T], _ write: (inout XDRWriter, T) -> Void) {
        uint(UInt32(items.count))
        for item in items { write(&self, item) }
    }

    public mutating func encode<T: XDRCodable>(_ v: T) { v.encode(to: &self) }

    /// Raw bytes, for frame headers and stream payloads.
    public mutating func raw(_ data: [UInt8]) { bytes += data }
}

/// An XDR decoding failure: the message is malformed.
public struct XDRError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

public struct XDRReader {
    let bytes: [UInt8]
    public private(set) var offset: Int

    public init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    public var remaining: Int { bytes.count - offset }
    public var isAtEnd: Bool { offset >= bytes.count }

    mutating func take(_ n: Int) throws(XDRError) -> ArraySlice<UInt8> {
        guard n >= 0, n <= remaining else {
            throw XDRError("truncated: wanted \(n) bytes, \(remaining) left")
        }
        defer { offset += n }
        return bytes[offset..<(offset + n)]
    }

    public mutating func uint() throws(XDRError) -> UInt32 {
        let b = try take(4)
        let s = b.startIndex
        return UInt32(b[s]) << 24 | UInt32(b[s + 1]) << 16 | UInt32(b[s + 2]) << 8 | UInt32(b[s + 3])
    }

    public mutating func int() throws(XDRError) -> Int32 { Int32(bitPattern: try uint()) }

    public mutating func uhyper() throws(XDRError) -> UInt64 {
        let hi = try uint()
        let lo = try uint()
        return UInt64(hi) << 32 | UInt64(lo)
    }

    public mutating func hyper() throws(XDRError) -> Int64 { Int64(bitPattern: try uhyper()) }

    public mutating func bool() throws(XDRError) -> Bool { try int() != 0 }

    /// A count, checked against `max` and against the bytes left (each item takes at least
    /// `minimumItemSize` bytes), so a hostile count never reaches an allocation.
    mutating func count(max: Int, minimumItemSize: Int = 1) throws(XDRError) -> Int {
        let n = Int(try uint())
        guard n <= max else { throw XDRError("count \(n) exceeds the maximum \(max)") }
        guard n * Swift.max(1, minimumItemSize) <= remaining else {
            throw XDRError("count \(n) exceeds what the message holds")
        }
        return n
    }

    public mutating func opaque(max: Int) throws(XDRError) -> [UInt8] {
        let n = try count(max: max)
        return try fixedOpaque(n)
    }

    public mutating func fixedOpaque(_ n: Int) throws(XDRError) -> [UInt8] {
        let data = Array(try take(n))
        let pad = (4 - n % 4) % 4
        if pad > 0 { _ = try take(pad) }
        return data
    }

    public mutating func string(max: Int) throws(XDRError) -> String {
        let data = try opaque(max: max)
        guard let s = String(validating: data, as: UTF8.self) else { throw XDRError("string is not UTF-8") }
        return s
    }

    public mutating func optional<T>(_ read: (inout XDRReader) throws(XDRError) -> T) throws(XDRError) -> T? {
        switch try uint() {
        case 0: return nil
        case 1: return try read(&self)
        case let v: throw XDRError("optional flag \(v) is neither 0 nor 1")
        }
    }

    public mutating func array<T>(max: Int, minimumItemSize: Int = 4, _ read: (inout XDRReader) throws(XDRError) -> T)
        throws(XDRError) -> [T]
    {
        let n = try count(max: max, minimumItemSize: minimumItemSize)
        var out: [T] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try read(&self)) }
        return out
    }

    public mutating func decode<T: XDRCodable>(_ type: T.Type = T.self) throws(XDRError) -> T { try T(xdr: &self) }

    /// What is left, raw (stream payloads).
    public mutating func rest() -> [UInt8] {
        defer { offset = bytes.count }
        return Array(bytes[offset...])
    }
}

/// A type with one XDR form, written and read by the same declaration.
public protocol XDRCodable: Sendable {
    init(xdr: inout XDRReader) throws(XDRError)
    func encode(to w: inout XDRWriter)
}

/// No payload (`void`).
public struct XDRVoid: XDRCodable, Equatable {
    public init() {}
    public init(xdr: inout XDRReader) throws(XDRError) {}
    public func encode(to w: inout XDRWriter) {}
}

/// Limits of libvirt's remote protocol (remote_protocol.x, virnetprotocol.x).
public enum RemoteLimits {
    /// Header and payload; the length word is not counted.
    public static let messageMax = 33_554_432
    public static let headerSize = 24
    public static let stringMax = 4_194_304
    public static let domainListMax = 16384
    public static let networkListMax = 16384
    public static let authTypeListMax = 20
    public static let vcpuInfoMax = 16384
    public static let cpumapsMax = 8_388_608
    public static let memoryStatsMax = 1024
    public static let snapshotListMax = 16384
    public static let securityModelMax = 257
    public static let securityDOIMax = 257
    public static let securityLabelMax = 4097
    public static let typedParamsMax = 64
    public static let identityParamsMax = 20
    public static let cpuBaselineMax = 256
    public static let domainMessagesMax = 2048
    public static let nodeMaxCells = 1024
    public static let domainInterfaceMax = 2048
    public static let ipAddrMax = 2048
    /// Daemon → client stream chunks, as libvirtd cuts them.
    public static let streamChunk = 262_120
}
