import NIOCore

#if canImport(Glibc)
    import Glibc
#endif
import Synchronization

/// The client end of libvirt's remote protocol on one connection: calls numbered by
/// serial and matched with their replies, streams keyed by their call's serial, life-cycle
/// event messages handed on, and the server's keepalive pings answered.
final class RemoteConnection: Sendable {
    let channel: any Channel
    /// TLS, or ssh: the bytes are encrypted on the wire (virConnectIsEncrypted).
    let encrypted: Bool
    let domainEvents = EventHub<DomainEvent>()
    let networkEvents = EventHub<NetworkEvent>()
    /// The transport's helper process (ssh, ext), ended with the connection.
    let helper: HostProcess?

    struct State {
        var serial: UInt32 = 0
        var pending: [UInt32: CheckedContinuation<RemoteMessage, any Error>] = [:]
        var streams: [UInt32: ClientStream] = [:]
        var failure: VirtError?
    }

    private let state = Mutex(State())

    init(channel: any Channel, encrypted: Bool, helper: HostProcess?) {
        self.channel = channel
        self.encrypted = encrypted
        self.helper = helper
    }

    // MARK: Calls

    /// Calls a procedure and decodes its reply; an error reply becomes the VirtError the
    /// server sent.
    func call<A, R>(_ p: Procedure<A, R>, _ args: A, stream: ClientStream? = nil) async throws -> R {
        var w = XDRWriter()
        args.encode(to: &w)
        let reply = try await roundTrip(procedure: p.number, body: w.bytes, stream: stream)
        var r = XDRReader(reply.body)
        switch reply.status {
        case .ok:
            do {
                return try R(xdr: &r)
            } catch {
                throw VirtError(code: .rpc, domain: .rpc, message: "RPC error: cannot decode the reply to \(p.name): \(error)")
            }
        default:
            let body = try? RemoteErrorBody(xdr: &r)
            throw body?.virtError ?? VirtError(code: .rpc, domain: .rpc, message: "RPC error: \(p.name) failed")
        }
    }

    func call<R>(_ p: Procedure<XDRVoid, R>) async throws -> R { try await call(p, XDRVoid()) }

    private func roundTrip(procedure: Int32, body: [UInt8], stream: ClientStream?) async throws -> RemoteMessage {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<RemoteMessage, any Error>) in
            let serial: UInt32? = state.withLock { s in
                if let f = s.failure {
                    c.resume(throwing: f)
                    return nil
                }
                let serial = s.serial
                s.serial &+= 1
                s.pending[serial] = c
                if let stream {
                    stream.attach(connection: self, procedure: procedure, serial: serial)
                    s.streams[serial] = stream
                }
                return serial
            }
            guard let serial else { return }
            send(RemoteMessage(procedure: procedure, kind: .call, serial: serial, body: body))
        }
    }

    func send(_ m: RemoteMessage) {
        let bytes = m.encoded()
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        channel.writeAndFlush(buffer, promise: nil)
    }

    func forgetStream(_ serial: UInt32) {
        _ = state.withLock { $0.streams.removeValue(forKey: serial) }
    }

    // MARK: Frames in (on the event loop)

    func receive(_ frame: [UInt8]) {
        guard let m = try? RemoteMessage(frame: frame) else {
            fail(VirtError(code: .rpc, domain: .rpc, message: "RPC error: the server sent an unreadable message"))
            channel.close(promise: nil)
            return
        }
        if m.program == RemoteProgram.keepalive {
            if m.procedure == RemoteProgram.keepalivePing {
                send(
                    RemoteMessage(
                        program: RemoteProgram.keepalive, procedure: RemoteProgram.keepalivePong, kind: .message, serial: 0))
            }
            return
        }
        guard m.program == RemoteProgram.remote else { return }
        switch m.kind {
        case .reply, .replyWithFDs:
            let c = state.withLock { $0.pending.removeValue(forKey: m.serial) }
            c?.resume(returning: m)
        case .stream:
            let s = state.withLock { $0.streams[m.serial] }
            s?.serverFrame(m)
        case .message:
            if let kind = P.domainEventMessages.first(where: { $0.callback == m.procedure }) {
                var r = XDRReader(m.body)
                if let msg = try? DomainEventMsg(xdr: &r, eventID: kind.event) { domainEvents.publish(msg.event) }
            } else if m.procedure == P.networkEventLifecycle {
                var r = XDRReader(m.body)
                if let msg = try? NetworkEventMsg(xdr: &r) { networkEvents.publish(msg.event) }
            }
        default:
            break
        }
    }

    /// The connection ended: every call waiting fails with `error`, every stream ends.
    func fail(_ error: VirtError) {
        let (pending, streams) = state.withLock { s in
            if s.failure == nil { s.failure = error }
            defer {
                s.pending = [:]
                s.streams = [:]
            }
            return (Array(s.pending.values), Array(s.streams.values))
        }
        for c in pending { c.resume(throwing: error) }
        for s in streams { s.connectionEnded(error) }
        domainEvents.finish()
        networkEvents.finish()
    }

    func close() async {
        try? await channel.close().get()
        if let helper {
            _ = helper.signal(SIGTERM)
            _ = await helper.waitForExit(timeout: .seconds(2))
        }
    }
}

/// A stream as the client sees it (screenshot data, a console): frames from the server in
/// order, and the finish/abort handshake.
final class ClientStream: Sendable {
    struct State {
        var connection: RemoteConnection?
        var procedure: Int32 = 0
        var serial: UInt32 = 0
        var finished: CheckedContinuation<Void, any Error>?
    }
    private let state = Mutex(State())
    /// Data as it arrives; nil marks the server's end of data.
    private let data: (stream: AsyncThrowingStream<[UInt8], any Error>, continuation: AsyncThrowingStream<[UInt8], any Error>.Continuation)

    init() {
        data = AsyncThrowingStream.makeStream(bufferingPolicy: .unbounded)
    }

    var chunks: AsyncThrowingStream<[UInt8], any Error> { data.stream }

    func attach(connection: RemoteConnection, procedure: Int32, serial: UInt32) {
        state.withLock {
            $0.connection = connection
            $0.procedure = procedure
            $0.serial = serial
        }
    }

    func serverFrame(_ m: RemoteMessage) {
        switch m.status {
        case .continue:
            if m.body.isEmpty { data.continuation.finish() } else { data.continuation.yield(m.body) }
        case .ok:
            // The confirmation of our finish or abort.
            let c = state.withLock { s -> CheckedContinuation<Void, any Error>? in
                defer { s.finished = nil }
                return s.finished
            }
            c?.resume()
            data.continuation.finish()
        case .error:
            var r = XDRReader(m.body)
            let e = (try? RemoteErrorBody(xdr: &r))?.virtError
                ?? VirtError(code: .rpc, domain: .stream, message: "stream had unexpected termination")
            let c = state.withLock { s -> CheckedContinuation<Void, any Error>? in
                defer { s.finished = nil }
                return s.finished
            }
            c?.resume(throwing: e)
            data.continuation.finish(throwing: e)
        }
    }

    func write(_ bytes: [UInt8]) throws {
        let (conn, proc, serial) = state.withLock { ($0.connection, $0.procedure, $0.serial) }
        guard let conn else { throw VirtError(.invalidStream, "the stream is closed") }
        conn.send(RemoteMessage(procedure: proc, kind: .stream, serial: serial, status: .continue, body: bytes))
    }

    /// Finishes (OK) or aborts (ERROR) the stream and waits for the server's confirmation.
    func end(abort: Bool) async throws {
        let (conn, proc, serial) = state.withLock { ($0.connection, $0.procedure, $0.serial) }
        guard let conn else { return }
        defer {
            conn.forgetStream(serial)
            state.withLock { $0.connection = nil }
        }
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            state.withLock { $0.finished = c }
            conn.send(RemoteMessage(procedure: proc, kind: .stream, serial: serial, status: abort ? .error : .ok))
        }
    }

    func connectionEnded(_ error: VirtError) {
        let c = state.withLock { s -> CheckedContinuation<Void, any Error>? in
            defer {
                s.finished = nil
                s.connection = nil
            }
            return s.finished
        }
        c?.resume(throwing: error)
        data.continuation.finish(throwing: error)
    }
}

/// Hands the client's frames to its connection.
final class RemoteClientHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = [UInt8]
    private let connection = Mutex<RemoteConnection?>(nil)
    private let early = Mutex<[[UInt8]]>([])

    func attach(_ c: RemoteConnection) {
        connection.withLock { $0 = c }
        for f in early.withLock({ e in defer { e = [] }; return e }) { c.receive(f) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        if let c = connection.withLock({ $0 }) { c.receive(frame) } else { early.withLock { $0.append(frame) } }
    }

    /// TLS failures in words: BoringSSL's codes name the alert the other side sent.
    static func explain(_ error: any Error) -> String {
        let text = "\(error)"
        let known: [(String, String)] = [
            ("UNKNOWN_CA", "the server does not trust our certificate (it was not issued by its CA)"),
            ("CERTIFICATE_VERIFY_FAILED", "the server's certificate did not verify against our CA certificate"),
            ("ALERT_CERTIFICATE_REVOKED", "the server refused our certificate as revoked"),
            ("ALERT_BAD_CERTIFICATE", "the server refused our certificate"),
            ("ALERT_CERTIFICATE_UNKNOWN", "the server refused our certificate"),
            ("ALERT_HANDSHAKE_FAILURE", "the server refused the handshake"),
            ("CERTIFICATE_REQUIRED", "the server requires a client certificate (none found)"),
        ]
        for (code, words) in known where text.contains(code) { return "TLS handshake failed: \(words)" }
        if text.contains("handshakeFailed") { return "TLS handshake failed: \(text)" }
        return text
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.withLock { $0 }?.fail(
            VirtError(code: .systemError, domain: .rpc, message: "End of file while reading data: Input/output error"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        connection.withLock { $0 }?.fail(
            VirtError(code: .systemError, domain: .rpc, message: RemoteClientHandler.explain(error)))
        context.close(promise: nil)
    }
}
