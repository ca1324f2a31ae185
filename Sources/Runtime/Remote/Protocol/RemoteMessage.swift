/// One frame of libvirt's remote protocol: a 4-byte length (counting itself), a 24-byte
/// header, then the body (XDR for calls, replies and events; raw bytes for stream data).
public struct RemoteMessage: Sendable, Equatable {
    public enum Kind: Int32, Sendable {
        case call = 0, reply, message, stream, callWithFDs, replyWithFDs, streamHole
    }

    public enum Status: Int32, Sendable {
        case ok = 0, error, `continue`
    }

    public var program: UInt32
    public var version: UInt32
    public var procedure: Int32
    public var kind: Kind
    public var serial: UInt32
    public var status: Status
    public var body: [UInt8]

    public init(
        program: UInt32 = RemoteProgram.remote, version: UInt32 = 1, procedure: Int32, kind: Kind, serial: UInt32,
        status: Status = .ok, body: [UInt8] = []
    ) {
        self.program = program
        self.version = version
        self.procedure = procedure
        self.kind = kind
        self.serial = serial
        self.status = status
        self.body = body
    }

    /// The whole frame, length word included.
    public func encoded() -> [UInt8] {
        var w = XDRWriter(capacity: 28 + body.count)
        w.uint(UInt32(4 + RemoteLimits.headerSize + body.count))
        w.uint(program)
        w.uint(version)
        w.int(procedure)
        w.int(kind.rawValue)
        w.uint(serial)
        w.int(status.rawValue)
        w.raw(body)
        return w.bytes
    }

    /// Parses header and body (the length word already taken off). A header that does not
    /// parse means the peer does not speak the protocol: the caller closes the connection.
    public init(frame: [UInt8]) throws(XDRError) {
        guard frame.count >= RemoteLimits.headerSize else {
            throw XDRError("frame of \(frame.count) bytes is shorter than a header")
        }
        var r = XDRReader(frame)
        program = try r.uint()
        version = try r.uint()
        procedure = try r.int()
        let k = try r.int()
        guard let kind = Kind(rawValue: k) else { throw XDRError("unknown message type \(k)") }
        self.kind = kind
        serial = try r.uint()
        let s = try r.int()
        guard let status = Status(rawValue: s) else { throw XDRError("unknown message status \(s)") }
        self.status = status
        body = r.rest()
    }

    /// The reply to this call, same program, version, procedure and serial.
    public func reply(status: Status = .ok, body: [UInt8] = []) -> RemoteMessage {
        RemoteMessage(
            program: program, version: version, procedure: procedure, kind: .reply, serial: serial, status: status,
            body: body)
    }
}

public enum RemoteProgram {
    /// The libvirt API (remote_protocol.x).
    public static let remote: UInt32 = 0x2000_8086
    /// Keepalive PING (1) / PONG (2) (virkeepaliveprotocol.x).
    public static let keepalive: UInt32 = 0x6b65_6570
    public static let keepalivePing: Int32 = 1
    public static let keepalivePong: Int32 = 2
}

/// `remote_error`: a failed call's reply body (and a failed stream's).
public struct RemoteErrorBody: XDRCodable, Equatable {
    public var code: Int32
    public var domain: Int32
    public var message: String?
    public var level: Int32
    public var str1: String?
    public var str2: String?
    public var str3: String?
    public var int1: Int32
    public var int2: Int32

    public init(_ e: VirtError) {
        code = e.code.rawValue
        domain = e.domain.rawValue
        message = e.message
        level = 2
        str1 = "%s"
        str2 = e.message
        str3 = nil
        int1 = -1
        int2 = -1
    }

    public init(xdr r: inout XDRReader) throws(XDRError) {
        code = try r.int()
        domain = try r.int()
        message = try r.optional { (r) throws(XDRError) in try r.string(max: RemoteLimits.stringMax) }
        level = try r.int()
        // The domain and network it was about: libvirtd never fills them; skip if present.
        _ = try r.optional { (r) throws(XDRError) in try RemoteDomain(xdr: &r) }
        str1 = try r.optional { (r) throws(XDRError) in try r.string(max: RemoteLimits.stringMax) }
        str2 = try r.optional { (r) throws(XDRError) in try r.string(max: RemoteLimits.stringMax) }
        str3 = try r.optional { (r) throws(XDRError) in try r.string(max: RemoteLimits.stringMax) }
        int1 = try r.int()
        int2 = try r.int()
        _ = try r.optional { (r) throws(XDRError) in try RemoteNetwork(xdr: &r) }
    }

    public func encode(to w: inout XDRWriter) {
        w.int(code)
        w.int(domain)
        w.optional(message) { $0.string($1) }
        w.int(level)
        w.int(0)
        w.optional(str1) { $0.string($1) }
        w.optional(str2) { $0.string($1) }
        w.optional(str3) { $0.string($1) }
        w.int(int1)
        w.int(int2)
        w.int(0)
    }

    public var virtError: VirtError {
        VirtError(
            code: VirtError.Code(rawValue: code), domain: VirtError.Origin(rawValue: domain),
            message: message ?? "unknown error")
    }
}
