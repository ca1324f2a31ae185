import Schema

/// The XDR shapes of remote_protocol.x that the procedures use. Field order is the wire
/// order; maxima are those of the .x file.

/// `remote_nonnull_domain`.
public struct RemoteDomain: XDRCodable, Equatable {
    public var name: String
    public var uuid: [UInt8]
    public var id: Int32

    public init(_ d: DomainRef) {
        name = d.name
        uuid = d.uuid.bytes
        id = d.id
    }

    public init(xdr r: inout XDRReader) throws(XDRError) {
        name = try r.string(max: RemoteLimits.stringMax)
        uuid = try r.fixedOpaque(16)
        id = try r.int()
    }

    public func encode(to w: inout XDRWriter) {
        w.string(name)
        w.fixedOpaque(uuid)
        w.int(id)
    }

    public var ref: DomainRef { DomainRef(name: name, uuid: UUIDValue(bytes: uuid), id: id) }
}

/// `remote_nonnull_network`.
public struct RemoteNetwork: XDRCodable, Equatable {
    public var name: String
    public var uuid: [UInt8]

    public init(_ n: NetworkRef) {
        name = n.name
        uuid = n.uuid.bytes
    }

    public init(xdr r: inout XDRReader) throws(XDRError) {
        name = try r.string(max: RemoteLimits.stringMax)
        uuid = try r.fixedOpaque(16)
    }

    public func encode(to w: inout XDRWriter) {
        w.string(name)
        w.fixedOpaque(uuid)
    }

    public var ref: NetworkRef { NetworkRef(name: name, uuid: UUIDValue(bytes: uuid)) }
}

// MARK: Small shapes many procedures share

/// One field of one type: `{int x}`, `{remote_nonnull_string x}`, …
public struct XInt: XDRCodable, Equatable {
    public var value: Int32
    public init(_ v: Int32) { value = v }
    public init(xdr r: inout XDRReader) throws(XDRError) { value = try r.int() }
    public func encode(to w: inout XDRWriter) { w.int(value) }
}

public struct XUInt: XDRCodable, Equatable {
    public var value: UInt32
    public init(_ v: UInt32) { value = v }
    public init(xdr r: inout XDRReader) throws(XDRError) { value = try r.uint() }
    public func encode(to w: inout XDRWriter) { w.uint(value) }
}

public struct XUHyper: XDRCodable, Equatable {
    public var value: UInt64
    public init(_ v: UInt64) { value = v }
    public init(xdr r: inout XDRReader) throws(XDRError) { value = try r.uhyper() }
    public func encode(to w: inout XDRWriter) { w.uhyper(value) }
}

public struct XString: XDRCodable, Equatable {
    public var value: String
    public init(_ v: String) { value = v }
    public init(xdr r: inout XDRReader) throws(XDRError) { value = try r.string(max: RemoteLimits.stringMax) }
    public func encode(to w: inout XDRWriter) { w.string(value) }
}

public struct XOptionalString: XDRCodable, Equatable {
    public var value: String?
    public init(_ v: String?) { value = v }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        value = try r.optional { (r) throws(XDRError) in try r.string(max: RemoteLimits.stringMax) }
    }
    public func encode(to w: inout XDRWriter) { w.optional(value) { $0.string($1) } }
}

public struct XUUID: XDRCodable, Equatable {
    public var value: [UInt8]
    public init(_ v: UUIDValue) { value = v.bytes }
    public init(xdr r: inout XDRReader) throws(XDRError) { value = try r.fixedOpaque(16) }
    public func encode(to w: inout XDRWriter) { w.fixedOpaque(value) }
}

public struct XDomain: XDRCodable, Equatable {
    public var dom: RemoteDomain
    public init(_ d: DomainRef) { dom = RemoteDomain(d) }
    public init(xdr r: inout XDRReader) throws(XDRError) { dom = try RemoteDomain(xdr: &r) }
    public func encode(to w: inout XDRWriter) { dom.encode(to: &w) }
}

public struct XNetwork: XDRCodable, Equatable {
    public var net: RemoteNetwork
    public init(_ n: NetworkRef) { net = RemoteNetwork(n) }
    public init(xdr r: inout XDRReader) throws(XDRError) { net = try RemoteNetwork(xdr: &r) }
    public func encode(to w: inout XDRWriter) { net.encode(to: &w) }
}

/// `{dom; flags}`.
public struct DomFlags: XDRCodable, Equatable {
    public var dom: RemoteDomain
    public var flags: UInt32
    public init(_ d: DomainRef, _ flags: UInt32) {
        dom = RemoteDomain(d)
        self.flags = flags
    }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        dom = try RemoteDomain(xdr: &r)
        flags = try r.uint()
    }
    public func encode(to w: inout XDRWriter) {
        dom.encode(to: &w)
        w.uint(flags)
    }
}

/// `{dom; int value}` (set autostart).
public struct DomInt: XDRCodable, Equatable {
    public var dom: RemoteDomain
    public var value: Int32
    public init(_ d: DomainRef, _ v: Int32) {
        dom = RemoteDomain(d)
        value = v
    }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        dom = try RemoteDomain(xdr: &r)
        value = try r.int()
    }
    public func encode(to w: inout XDRWriter) {
        dom.encode(to: &w)
        w.int(value)
    }
}

/// `{dom; remote_nonnull_string s}` (block stats path, interface device, attach xml, save to).
public struct DomString: XDRCodable, Equatable {
    public var dom: RemoteDomain
    public var string: String
    public init(_ d: DomainRef, _ s: String) {
        dom = RemoteDomain(d)
        string = s
    }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        dom = try RemoteDomain(xdr: &r)
        string = try r.string(max: RemoteLimits.stringMax)
    }
    public func encode(to w: inout XDRWriter) {
        dom.encode(to: &w)
        w.string(string)
    }
}

/// `{dom; remote_nonnull_string s; flags}` (attach/detach device flags, core dump).
public struct DomStringFlags: XDRCodable, Equatable {
    public var dom: RemoteDomain
    public var string: String
    public var flags: UInt32
    public init(_ d: DomainRef, _ s: String, _ flags: UInt32) {
        dom = RemoteDomain(d)
        string = s
        self.flags = flags
    }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        dom = try RemoteDomain(xdr: &r)
        string = try r.string(max: RemoteLimits.stringMax)
        flags = try r.uint()
    }
    public func encode(to w: inout XDRWriter) {
        dom.encode(to: &w)
        w.string(string)
        w.uint(flags)
    }
}

/// `{remote_nonnull_string s; flags}` (define XML flags, create XML).
public struct StringFlags: XDRCodable, Equatable {
    public var string: String
    public var flags: UInt32
    public init(_ s: String, _ flags: UInt32) {
        string = s
        self.flags = flags
    }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        string = try r.string(max: RemoteLimits.stringMax)
        flags = try r.uint()
    }
    public func encode(to w: inout XDRWriter) {
        w.string(string)
        w.uint(flags)
    }
}

/// `{net; flags}` and `{net; int}`.
public struct NetInt: XDRCodable, Equatable {
    public var net: RemoteNetwork
    public var value: Int32
    public init(_ n: NetworkRef, _ v: Int32) {
        net = RemoteNetwork(n)
        value = v
    }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        net = try RemoteNetwork(xdr: &r)
        value = try r.int()
    }
    public func encode(to w: inout XDRWriter) {
        net.encode(to: &w)
        w.int(value)
    }
}

/// `{int needResults; unsigned flags}` → `{items<>; unsigned ret}` (list-all calls).
public struct ListAllArgs: XDRCodable, Equatable {
    public var needResults: Int32
    public var flags: UInt32
    public init(needResults: Int32 = 1, flags: UInt32) {
        self.needResults = needResults
        self.flags = flags
    }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        needResults = try r.int()
        flags = try r.uint()
    }
    public func encode(to w: inout XDRWriter) {
        w.int(needResults)
        w.uint(flags)
    }
}

public struct DomainList: XDRCodable, Equatable {
    public var domains: [RemoteDomain]
    public var count: UInt32
    public init(_ d: [DomainRef]) {
        domains = d.map(RemoteDomain.init)
        count = UInt32(d.count)
    }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        domains = try r.array(max: RemoteLimits.domainListMax, minimumItemSize: 24) { (r) throws(XDRError) in
            try RemoteDomain(xdr: &r)
        }
        count = try r.uint()
    }
    public func encode(to w: inout XDRWriter) {
        w.array(domains) { $1.encode(to: &$0) }
        w.uint(count)
    }
}

public struct NetworkList: XDRCodable, Equatable {
    public var networks: [RemoteNetwork]
    public var count: UInt32
    public init(_ n: [NetworkRef]) {
        networks = n.map(RemoteNetwork.init)
        count = UInt32(n.count)
    }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        networks = try r.array(max: RemoteLimits.networkListMax, minimumItemSize: 20) { (r) throws(XDRError) in
            try RemoteNetwork(xdr: &r)
        }
        count = try r.uint()
    }
    public func encode(to w: inout XDRWriter) {
        w.array(networks) { $1.encode(to: &$0) }
        w.uint(count)
    }
}

/// Arrays of ints or names (the older list calls).
public struct IntList: XDRCodable, Equatable {
    public var values: [Int32]
    public init(_ v: [Int32]) { values = v }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        values = try r.array(max: RemoteLimits.domainListMax) { (r) throws(XDRError) in try r.int() }
    }
    public func encode(to w: inout XDRWriter) { w.array(values) { $0.int($1) } }
}

public struct StringList: XDRCodable, Equatable {
    public var values: [String]
    public init(_ v: [String]) { values = v }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        values = try r.array(max: RemoteLimits.domainListMax) { (r) throws(XDRError) in
            try r.string(max: RemoteLimits.stringMax)
        }
    }
    public func encode(to w: inout XDRWriter) { w.array(values) { $0.string($1) } }
}

/// `{int maxnames}` / `{dom; int maxnames; flags}`.
public struct DomIntFlags: XDRCodable, Equatable {
    public var dom: RemoteDomain
    public var value: Int32
    public var flags: UInt32
    public init(_ d: DomainRef, _ v: Int32, _ flags: UInt32) {
        dom = RemoteDomain(d)
        value = v
        self.flags = flags
    }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        dom = try RemoteDomain(xdr: &r)
        value = try r.int()
        flags = try r.uint()
    }
    public func encode(to w: inout XDRWriter) {
        dom.encode(to: &w)
        w.int(value)
        w.uint(flags)
    }
}

/// XDR's `char` arrays: one 4-byte word per character, the terminating NUL included, as
/// libvirt sends security models and labels.
public struct XCharArray: XDRCodable, Equatable {
    public var text: String
    let max: Int
    public init(_ t: String, max: Int) {
        text = t
        self.max = max
    }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        max = RemoteLimits.securityLabelMax
        let words = try r.array(max: RemoteLimits.securityLabelMax) { (r) throws(XDRError) in try r.int() }
        text = String(decoding: words.prefix { $0 != 0 }.map { UInt8(truncatingIfNeeded: $0) }, as: UTF8.self)
    }
    public func encode(to w: inout XDRWriter) {
        let chars = Array(text.utf8.prefix(max - 1)).map { Int32(Int8(bitPattern: $0)) } + [0]
        w.array(chars) { $0.int($1) }
    }
}
