import Schema

/// What a procedure's server side may ask of the connection it runs on.
public protocol ProcedureContext: Sendable {
    /// The hypervisor connection CONNECT_OPEN made; "not open" before it.
    func driver() throws -> any Driver
    func open(name: String?, flags: UInt32) async throws
    func close() async
    var isReadOnly: Bool { get }
    /// Whether the transport is encrypted or local (CONNECT_IS_SECURE).
    var isSecure: Bool { get }
    /// The URI the client opened, as the daemon names it back (CONNECT_GET_URI).
    var openedURI: String? { get }
    /// Starts a stream of bytes to the client after the reply (screenshots).
    func sendStream(_ bytes: [UInt8])
    /// Starts a two-way stream joined to a guest console after the reply.
    func joinStream(_ console: any ConsoleStream)
    /// Domain event registrations: returns the callback id.
    func registerDomainEvents(eventID: Int32, domain: DomainRef?, legacy: Bool) async throws -> Int32
    func deregisterDomainEvents(callbackID: Int32?, eventID: Int32?) async throws
    /// Network event registrations (lifecycle only): returns the callback id.
    func registerNetworkEvents(network: NetworkRef?) async throws -> Int32
    func deregisterNetworkEvents(callbackID: Int32) async throws
    /// Keepalive was asked for (feature 10): the server starts pinging this client.
    func enableKeepalive()
    /// A guest this connection started with VIR_DOMAIN_START_AUTODESTROY: it is destroyed
    /// when the connection ends, unless it has stopped (or been started again) by then.
    func noteAutodestroy(_ domain: DomainRef)
}

/// One procedure of libvirt's remote program, declared once: its number and name
/// (remote_protocol.x), its argument and reply types, the public API a read-only connection
/// is refused (nil when read-only callers may call it), whether it is a quick query, and what
/// the server does. The client uses the same declaration to call it.
public struct Procedure<Args: XDRCodable, Ret: XDRCodable>: Sendable {
    public let number: Int32
    public let name: String
    public let mutatingAPI: String?
    /// A query that answers from memory or a few local files and never waits on a lock or
    /// a process: the daemon runs it on the connection's event loop instead of handing it
    /// to the shared thread pool and back (two thread wake-ups per call, which dominate
    /// the cost of the calls fleet managers poll with).
    public let quick: Bool
    let serve: @Sendable (any ProcedureContext, Args) async throws -> Ret

    init(
        _ number: Int32, _ name: String, mutates api: String? = nil, quick: Bool = false,
        _ serve: @escaping @Sendable (any ProcedureContext, Args) async throws -> Ret
    ) {
        precondition(!(quick && api != nil), "\(name): a mutating procedure is never quick")
        self.number = number
        self.name = name
        self.mutatingAPI = api
        self.quick = quick
        self.serve = serve
    }

    var erased: AnyProcedure {
        AnyProcedure(number: number, name: name, mutatingAPI: mutatingAPI, quick: quick) { ctx, body in
            var r = XDRReader(body)
            let args: Args
            do {
                args = try Args(xdr: &r)
            } catch {
                throw RemoteDecodeFailure(reason: "\(error)")
            }
            guard r.isAtEnd else { throw RemoteDecodeFailure(reason: "\(r.remaining) bytes left over") }
            let ret = try await serve(ctx, args)
            var w = XDRWriter()
            ret.encode(to: &w)
            return w.bytes
        }
    }
}

/// A procedure with its types erased, for dispatch by number.
public struct AnyProcedure: Sendable {
    public let number: Int32
    public let name: String
    public let mutatingAPI: String?
    public let quick: Bool
    let run: @Sendable (any ProcedureContext, [UInt8]) async throws -> [UInt8]
}

/// Arguments that do not decode: answered with VIR_ERR_RPC, as libvirtd does.
public struct RemoteDecodeFailure: Error {
    public let reason: String
}
