import Schema

/// The shapes of the remaining host and guest queries tools make while creating guests
/// (free memory per cell, CPU baselines, security labels, metadata, set-memory).

/// `remote_node_get_cells_free_memory_args`.
public struct NodeCellsArgs: XDRCodable, Equatable {
    public var startCell: Int32
    public var maxCells: Int32
    public init(startCell: Int32, maxCells: Int32) {
        self.startCell = startCell
        self.maxCells = maxCells
    }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        startCell = try r.int()
        maxCells = try r.int()
        guard maxCells >= 0, maxCells <= Int32(RemoteLimits.nodeMaxCells) else {
            throw XDRError("maxcells \(maxCells) outside 0…\(RemoteLimits.nodeMaxCells)")
        }
    }
    public func encode(to w: inout XDRWriter) {
        w.int(startCell)
        w.int(maxCells)
    }
}

/// `{unsigned hyper cells<REMOTE_NODE_MAX_CELLS>}`.
public struct UHyperList: XDRCodable, Equatable {
    public var values: [UInt64]
    public init(_ v: [UInt64]) { values = v }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        values = try r.array(max: RemoteLimits.nodeMaxCells, minimumItemSize: 8) { (r) throws(XDRError) in try r.uhyper() }
    }
    public func encode(to w: inout XDRWriter) { w.array(values) { $0.uhyper($1) } }
}

/// `remote_connect_baseline_cpu_args`.
public struct BaselineCPUArgs: XDRCodable, Equatable {
    public var cpus: [String]
    public var flags: UInt32
    public init(cpus: [String], flags: UInt32) {
        self.cpus = cpus
        self.flags = flags
    }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        cpus = try r.array(max: RemoteLimits.cpuBaselineMax) { (r) throws(XDRError) in try r.string(max: RemoteLimits.stringMax) }
        flags = try r.uint()
    }
    public func encode(to w: inout XDRWriter) {
        w.array(cpus) { $0.string($1) }
        w.uint(flags)
    }
}

/// `remote_domain_get_security_label_ret`: no security driver confines guests yet, so the
/// label is empty and nothing is enforced.
public struct SecurityLabelRet: XDRCodable, Equatable {
    public var label: XCharArray
    public var enforcing: Int32
    public init(label: String = "", enforcing: Int32 = 0) {
        self.label = XCharArray(label, max: RemoteLimits.securityLabelMax)
        self.enforcing = enforcing
    }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        label = try XCharArray(xdr: &r)
        enforcing = try r.int()
    }
    public func encode(to w: inout XDRWriter) {
        label.encode(to: &w)
        w.int(enforcing)
    }
}

/// `remote_domain_get_metadata_args`: type 0 description, 1 title, 2 an element in `uri`'s
/// namespace.
public struct MetadataArgs: XDRCodable, Equatable {
    public var dom: RemoteDomain
    public var type: Int32
    public var uri: String?
    public var flags: UInt32
    public init(_ d: DomainRef, type: Int32, uri: String?, flags: UInt32) {
        dom = RemoteDomain(d)
        self.type = type
        self.uri = uri
        self.flags = flags
    }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        dom = try RemoteDomain(xdr: &r)
        type = try r.int()
        uri = try r.optional { (r) throws(XDRError) in try r.string(max: RemoteLimits.stringMax) }
        flags = try r.uint()
    }
    public func encode(to w: inout XDRWriter) {
        dom.encode(to: &w)
        w.int(type)
        w.optional(uri) { $0.string($1) }
        w.uint(flags)
    }
}

/// `{dom; unsigned hyper value}` (set memory, set max memory).
public struct DomUHyper: XDRCodable, Equatable {
    public var dom: RemoteDomain
    public var value: UInt64
    public init(_ d: DomainRef, _ v: UInt64) {
        dom = RemoteDomain(d)
        value = v
    }
    public init(xdr r: inout XDRReader) throws(XDRError) {
        dom = try RemoteDomain(xdr: &r)
        value = try r.uhyper()
    }
    public func encode(to w: inout XDRWriter) {
        dom.encode(to: &w)
        w.uhyper(value)
    }
}
