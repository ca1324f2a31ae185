import Logging
import Schema
import NIOCore
import Synchronization

/// One client of the daemon: its hypervisor connection, what it may do, its event
/// registrations and open streams, and the keepalive that notices when it has gone.
///
/// Frames arrive on the connection's event loop (`receive`); each call then runs in a task
/// of its own, so a slow call (a guest start) does not hold up the client's other calls,
/// up to `max_client_requests` at once, beyond which the socket is not read until one
/// finishes (libvirtd throttles the same way). Replies are matched by serial, so their
/// order does not matter to clients.
final class ClientSession: Sendable {
    let id: UInt64
    let channel: any Channel
    let daemon: RemoteDaemon
    let listener: RemoteListener.Kind
    let peer: String
    let logger: Logger
    /// Where quick queries run: the event loop this client's frames arrive on.
    let loopExecutor: EventLoopTaskExecutor

    struct Registration {
        var eventID: Int32
        var domain: UUIDValue?
        var legacy: Bool
    }

    struct State {
        var driver: (any Driver)?
        var openedURI: String?
        var ownsDriver = false
        var readOnly: Bool
        var inFlight = 0
        var keepalive: RepeatedTask?
        var heardAt = NIODeadline.now()
        var unansweredPings = 0
        var registrations: [Int32: Registration] = [:]
        var nextCallbackID: Int32 = 0
        var eventTask: Task<Void, Never>?
        var streams: [UInt32: ServerStream] = [:]
        var closed = false
        var autodestroy: [DomainRef] = []
        /// Network event callbacks by id, each for one network or all (nil).
        var networkRegistrations: [Int32: UUIDValue?] = [:]
        var networkEventTask: Task<Void, Never>?
    }

    let state: Mutex<State>

    init(id: UInt64, channel: any Channel, daemon: RemoteDaemon, listener: RemoteListener.Kind, peer: String) {
        self.id = id
        self.channel = channel
        self.daemon = daemon
        self.listener = listener
        self.peer = peer
        loopExecutor = EventLoopTaskExecutor(channel.eventLoop)
        var logger = daemon.logger
        logger[metadataKey: "client"] = "\(id)"
        self.logger = logger
        state = Mutex(State(readOnly: listener == .unixReadOnly))
    }

    var isReadOnly: Bool { state.withLock { $0.readOnly } }

    /// Local sockets and TLS are secure; plain TCP is not (CONNECT_IS_SECURE).
    var isSecure: Bool { listener != .tcp }

    // MARK: Frames in

    /// Called on the event loop with one frame (header and body).
    func receive(_ frame: [UInt8]) {
        state.withLock {
            $0.heardAt = .now()
            $0.unansweredPings = 0
        }
        let message: RemoteMessage
        do {
            message = try RemoteMessage(frame: frame)
        } catch {
            logger.notice("closing: unreadable header (\(error))")
            channel.close(promise: nil)
            return
        }
        switch message.program {
        case RemoteProgram.keepalive:
            if message.kind == .message, message.procedure == RemoteProgram.keepalivePing {
                send(
                    RemoteMessage(
                        program: RemoteProgram.keepalive, procedure: RemoteProgram.keepalivePong, kind: .message, serial: 0))
            }
        case RemoteProgram.remote where message.version == 1:
            switch message.kind {
            case .call: startCall(message)
            case .stream: streamFrame(message)
            case .callWithFDs:
                reply(message, error: VirtError(code: .rpc, domain: .rpc, message: "file descriptor passing is not supported"))
            default:
                logger.debug("ignoring a \(message.kind) frame")
            }
        default:
            if message.kind == .call || message.kind == .callWithFDs {
                reply(
                    message,
                    error: VirtError(
                        code: .rpc, domain: .rpc,
                        message: "Cannot find program \(message.program) version \(message.version)"))
            }
        }
    }

    private func startCall(_ call: RemoteMessage) {
        guard call.status == .ok else {
            reply(call, error: VirtError(code: .rpc, domain: .rpc, message: "Unexpected message status \(call.status.rawValue)"))
            return
        }
        let throttle = state.withLock { s -> Bool in
            s.inFlight += 1
            return s.inFlight >= daemon.config.maxClientRequests
        }
        if throttle { _ = channel.setOption(ChannelOptions.autoRead, value: false) }
        let procedure = P.table[call.procedure]
        if procedure?.quick == true {
            Task(executorPreference: loopExecutor) { await self.runAndRelease(call, procedure) }
        } else {
            Task { await self.runAndRelease(call, procedure) }
        }
    }

    private func runAndRelease(_ call: RemoteMessage, _ procedure: AnyProcedure?) async {
        await run(call, procedure)
        let resume = state.withLock { s -> Bool in
            s.inFlight -= 1
            return s.inFlight == daemon.config.maxClientRequests - 1
        }
        if resume {
            _ = channel.setOption(ChannelOptions.autoRead, value: true)
            channel.read()
        }
    }

    /// Runs one call and sends its one reply (then the stream it opened, if any).
    private func run(_ call: RemoteMessage, _ procedure: AnyProcedure?) async {
        guard let procedure else {
            reply(call, error: VirtError(code: .rpc, domain: .rpc, message: "unknown procedure: \(call.procedure)"))
            return
        }
        if let api = procedure.mutatingAPI, isReadOnly {
            reply(
                call,
                error: VirtError(
                    code: .operationDenied, domain: api.hasPrefix("virNetwork") ? .network : .domain,
                    message: "operation forbidden: read only access prevents \(api)"))
            return
        }
        let context = CallContext(session: self, call: call)
        let started = ContinuousClock.now
        do {
            let body = try await procedure.run(context, call.body)
            send(call.reply(body: body))
            context.afterReply()
        } catch let e as RemoteDecodeFailure {
            logger.info("\(procedure.name): undecodable arguments: \(e.reason)")
            reply(call, error: VirtError(code: .rpc, domain: .rpc, message: "Unable to decode message payload"))
        } catch let e as VirtError {
            reply(call, error: e)
        } catch {
            reply(call, error: VirtError(.internalError, "\(error)"))
        }
        if logger.logLevel <= .debug {
            logger.debug("\(procedure.name) serial \(call.serial) took \(ContinuousClock.now - started)")
        }
    }

    // MARK: Frames out

    func send(_ message: RemoteMessage) {
        let bytes = message.encoded()
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        channel.writeAndFlush(buffer, promise: nil)
    }

    func reply(_ call: RemoteMessage, error: VirtError) {
        var w = XDRWriter()
        RemoteErrorBody(error).encode(to: &w)
        var r = call.reply(status: .error, body: w.bytes)
        r.kind = call.kind == .callWithFDs ? .replyWithFDs : .reply
        send(r)
    }

    // MARK: Hypervisor connection

    func driver() throws -> any Driver {
        guard let d = state.withLock({ $0.driver }) else {
            throw VirtError(code: .internalError, domain: .rpc, message: "internal error: hypervisor connection not open")
        }
        return d
    }

    var openedURI: String? { state.withLock { $0.openedURI } }

    func open(name: String?, flags: UInt32) async throws {
        let already = state.withLock { s -> Bool in
            if s.driver != nil { return true }
            if flags & 1 != 0 { s.readOnly = true }
            return false
        }
        if already {
            throw VirtError(code: .internalError, domain: .rpc, message: "internal error: connection already open")
        }
        if flags & ~UInt32(3) != 0 { throw VirtError.unsupportedFlags(flags & ~3, "virConnectOpen") }
        let opened = try await daemon.openDriver(name: name, readOnly: isReadOnly)
        let lost = state.withLock { s -> Bool in
            if s.driver != nil || s.closed { return true }
            s.driver = opened.driver
            s.openedURI = opened.uri
            s.ownsDriver = opened.owned
            return false
        }
        if lost {
            if opened.owned { await opened.driver.connectClose() }
            throw VirtError(code: .internalError, domain: .rpc, message: "internal error: connection already open")
        }
        logger.info("opened \(opened.uri)\(isReadOnly ? " read-only" : "") for \(peer)")
    }

    // MARK: Keepalive

    /// Started when the client asks for the keepalive feature: after `interval` seconds of
    /// silence the client is pinged; after `count` unanswered pings it is dropped.
    func enableKeepalive() {
        let interval = daemon.config.keepaliveInterval
        guard interval > 0 else { return }
        let count = daemon.config.keepaliveCount
        let task = channel.eventLoop.scheduleRepeatedTask(
            initialDelay: .seconds(Int64(interval)), delay: .seconds(Int64(interval))
        ) { [weak self] _ in
            guard let self else { return }
            let action = self.state.withLock { s -> Int in
                guard NIODeadline.now() - s.heardAt >= .seconds(Int64(interval)) else { return 0 }
                s.unansweredPings += 1
                return s.unansweredPings > count ? 2 : 1
            }
            switch action {
            case 1:
                self.send(
                    RemoteMessage(
                        program: RemoteProgram.keepalive, procedure: RemoteProgram.keepalivePing, kind: .message,
                        serial: 0))
            case 2:
                self.logger.notice("closing: no answer to \(count) keepalive pings")
                self.channel.close(promise: nil)
            default:
                break
            }
        }
        let old = state.withLock { s -> RepeatedTask? in
            defer { s.keepalive = task }
            return s.keepalive
        }
        old?.cancel()
    }

    // MARK: Events

    func registerDomainEvents(eventID: Int32, domain: DomainRef?, legacy: Bool) async throws -> Int32 {
        let d = try driver()
        return try await register(relay: \.eventTask, from: { try await d.domainEvents() }, to: { $0.deliver($1) }) {
            (s, id) throws(VirtError) in
            if legacy, s.registrations.values.contains(where: { $0.legacy && $0.eventID == eventID }) {
                throw VirtError(.operationFailed, "domain event \(eventID) already registered")
            }
            s.registrations[id] = Registration(eventID: eventID, domain: domain?.uuid, legacy: legacy)
        }
    }

    /// A new event callback: `file` records it under the next callback id (or refuses it),
    /// and the first callback of its kind starts relaying the driver's events to this
    /// client (`relay` holds that task). Domain and network callbacks share the numbering.
    private func register<Event: Sendable>(
        relay: WritableKeyPath<State, Task<Void, Never>?>, from events: () async throws -> AsyncStream<Event>,
        to deliver: @escaping @Sendable (ClientSession, Event) -> Void,
        file: (inout State, Int32) throws(VirtError) -> Void
    ) async throws -> Int32 {
        let needsStream = state.withLock { $0[keyPath: relay] == nil }
        let stream = needsStream ? try await events() : nil
        return try state.withLock { s throws(VirtError) -> Int32 in
            let id = s.nextCallbackID
            try file(&s, id)
            s.nextCallbackID += 1
            if s[keyPath: relay] == nil, let stream {
                s[keyPath: relay] = Task { [weak self] in
                    for await event in stream {
                        guard let self else { return }
                        deliver(self, event)
                    }
                }
            }
            return id
        }
    }

    func deregisterDomainEvents(callbackID: Int32?, eventID: Int32?) async throws {
        _ = try driver()
        try state.withLock { s throws(VirtError) in
            if let callbackID {
                guard s.registrations.removeValue(forKey: callbackID) != nil else {
                    throw VirtError(.invalidArg, "callback \(callbackID) not registered")
                }
            } else if let eventID {
                var keys: [Int32] = []
                for (k, r) in s.registrations where r.legacy && r.eventID == eventID { keys.append(k) }
                guard !keys.isEmpty else { throw VirtError(.invalidArg, "domain event \(eventID) not registered") }
                for k in keys { s.registrations[k] = nil }
            }
        }
    }

    func registerNetworkEvents(network: NetworkRef?) async throws -> Int32 {
        let d = try driver()
        return try await register(relay: \.networkEventTask, from: { try await d.networkEvents() }, to: { $0.deliver($1) }) {
            (s, id) throws(VirtError) in
            s.networkRegistrations.updateValue(network?.uuid, forKey: id)  // nil is "every network", not removal
        }
    }

    func deregisterNetworkEvents(callbackID: Int32) async throws {
        _ = try driver()
        try state.withLock { s throws(VirtError) in
            guard s.networkRegistrations.removeValue(forKey: callbackID) != nil else {
                throw VirtError(.invalidArg, "network event callback \(callbackID) not registered")
            }
        }
    }

    private func deliver(_ event: NetworkEvent) {
        let targets = state.withLock { s in
            s.networkRegistrations.filter { $0.value == nil || $0.value == event.network.uuid }.keys.sorted()
        }
        for id in targets {
            var w = XDRWriter()
            NetworkEventMsg(callbackID: id, event).encode(to: &w)
            send(RemoteMessage(procedure: P.networkEventLifecycle, kind: .message, serial: 1, body: w.bytes))
        }
    }

    /// Sends an event to every registration for its kind: callback registrations get the
    /// callback message with their id, legacy ones the plain message (`domainEventMessages`).
    /// Event messages carry serial 1, as libvirtd's do.
    private func deliver(_ event: DomainEvent) {
        let number = event.id.number
        let targets = state.withLock { s in
            var out: [(Int32, Registration)] = []
            for (id, r) in s.registrations where r.eventID == number && (r.domain == nil || r.domain == event.domain.uuid) {
                out.append((id, r))
            }
            return out.sorted { $0.0 < $1.0 }
        }
        for (id, r) in targets {
            guard let procedure = P.eventMessage(number, legacy: r.legacy) else { continue }
            var w = XDRWriter()
            DomainEventMsg(callbackID: r.legacy ? nil : id, event).encode(to: &w)
            send(RemoteMessage(procedure: procedure, kind: .message, serial: 1, body: w.bytes))
        }
    }

    // MARK: Streams

    func addStream(_ stream: ServerStream) {
        state.withLock { $0.streams[stream.serial] = stream }
        stream.start()
    }

    func removeStream(_ serial: UInt32) {
        _ = state.withLock { $0.streams.removeValue(forKey: serial) }
    }

    private func streamFrame(_ m: RemoteMessage) {
        guard let stream = state.withLock({ $0.streams[m.serial] }), stream.procedure == m.procedure else {
            // Frames for a stream already closed are dropped, as libvirtd does.
            return
        }
        stream.clientFrame(m)
    }

    // MARK: End

    func noteAutodestroy(_ domain: DomainRef) { state.withLock { $0.autodestroy.append(domain) } }

    /// The connection is gone: stop everything it started. Guests are not touched, except
    /// those it started with autodestroy, which end with it (as libvirtd's close callbacks).
    func closed() async {
        let (driver, owned, task, keepalive, streams, autodestroy) = state.withLock { s in
            s.closed = true
            s.networkEventTask?.cancel()
            defer {
                s.driver = nil
                s.eventTask = nil
                s.networkEventTask = nil
                s.networkRegistrations = [:]
                s.keepalive = nil
                s.streams = [:]
                s.registrations = [:]
                s.autodestroy = []
            }
            return (s.driver, s.ownsDriver, s.eventTask, s.keepalive, Array(s.streams.values), s.autodestroy)
        }
        task?.cancel()
        keepalive?.cancel()
        for s in streams { await s.abort() }
        if let driver, !autodestroy.isEmpty {
            logger.info("destroying \(autodestroy.count) autodestroy guest(s) of \(peer)")
            await driver.destroyIfStillRunning(autodestroy)
        }
        if owned, let driver { await driver.connectClose() }
        daemon.sessionEnded(self)
    }
}

/// The context one call runs in: the session's, plus what the call leaves to do after its
/// reply (a stream to start, the connection to close).
final class CallContext: ProcedureContext, Sendable {
    let session: ClientSession
    let call: RemoteMessage
    private let after = Mutex<(stream: ServerStream?, close: Bool)>((nil, false))

    init(session: ClientSession, call: RemoteMessage) {
        self.session = session
        self.call = call
    }

    func driver() throws -> any Driver { try session.driver() }
    func open(name: String?, flags: UInt32) async throws { try await session.open(name: name, flags: flags) }
    func close() async { after.withLock { $0.close = true } }
    var isReadOnly: Bool { session.isReadOnly }
    var isSecure: Bool { session.isSecure }
    var openedURI: String? { session.openedURI }

    func sendStream(_ bytes: [UInt8]) {
        let s = ServerStream(session: session, call: call, source: .bytes(bytes))
        after.withLock { $0.stream = s }
    }

    func joinStream(_ console: any ConsoleStream) {
        let s = ServerStream(session: session, call: call, source: .console(console))
        after.withLock { $0.stream = s }
    }

    func registerDomainEvents(eventID: Int32, domain: DomainRef?, legacy: Bool) async throws -> Int32 {
        try await session.registerDomainEvents(eventID: eventID, domain: domain, legacy: legacy)
    }

    func deregisterDomainEvents(callbackID: Int32?, eventID: Int32?) async throws {
        try await session.deregisterDomainEvents(callbackID: callbackID, eventID: eventID)
    }

    func enableKeepalive() { session.enableKeepalive() }
    func noteAutodestroy(_ domain: DomainRef) { session.noteAutodestroy(domain) }
    func registerNetworkEvents(network: NetworkRef?) async throws -> Int32 {
        try await session.registerNetworkEvents(network: network)
    }
    func deregisterNetworkEvents(callbackID: Int32) async throws {
        try await session.deregisterNetworkEvents(callbackID: callbackID)
    }

    /// Called once the reply is on its way.
    func afterReply() {
        let (stream, close) = after.withLock { ($0.stream, $0.close) }
        if let stream { session.addStream(stream) }
        if close { session.channel.close(promise: nil) }
    }
}
