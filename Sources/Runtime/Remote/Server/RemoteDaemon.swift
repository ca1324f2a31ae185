import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A listening socket of the daemon and what its clients may do.
public struct RemoteListener: Sendable {
    public enum Kind: String, Sendable {
        case unix, unixReadOnly = "unix-ro", tcp, tls
    }
    public var kind: Kind
    /// A socket path, or `host:port`.
    public var address: String
}

/// `virtkit daemon`: libvirt's remote protocol over unix sockets (read-write and
/// read-only), TCP and TLS, serving the QEMU driver of one root (shared by every client,
/// and with embedded CLIs on the same root through the disk and its lock) and private
/// test drivers.
public final class RemoteDaemon: Sendable {
    public let config: DaemonConfig
    public let logger: Logger
    public let qemu: QemuDriver
    /// Where the unix sockets are.
    public let socketDir: String
    let group: MultiThreadedEventLoopGroup
    let tls: ServerTLS?
    private let clients = Mutex<(next: UInt64, live: [UInt64: ClientSession])>((1, [:]))
    private let channels = Mutex<[any Channel]>([])
    private let lockFD: Int32

    /// Opens the root (the folders `qemu` names), takes the daemon's lock on it, and reads
    /// the TLS material when TLS will listen. Nothing listens until `start`.
    public init(config: DaemonConfig, qemuURI: String, listen: Bool, logger: Logger) async throws {
        self.config = config
        self.logger = logger
        let uri = try ConnectURI(qemuURI)
        qemu = try await QemuDriver.open(uri: uri, readOnly: false, watching: true)
        socketDir = config.unixSocketDir ?? qemu.paths.run
        try FileManager.default.createDirectory(atPath: socketDir, withIntermediateDirectories: true)
        // One daemon per root.
        let lockPath = qemu.paths.run + "/virtkitd.lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw VirtError(.systemError, "cannot open \(lockPath): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            Glibc.close(fd)
            throw VirtError(.operationInvalid, "another virtkit daemon already serves \(qemu.paths.run) (\(lockPath) is locked)")
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { write(fd, $0, strlen($0)) }
        lockFD = fd
        group = MultiThreadedEventLoopGroup(numberOfThreads: max(2, System.coreCount))
        tls = listen && config.listenTLS ? try ServerTLS(config) : nil
    }

    deinit {
        Glibc.close(lockFD)
    }

    public var rwSocket: String { Self.sockets(in: socketDir).rw }
    public var roSocket: String { Self.sockets(in: socketDir).ro }

    /// The read-write and read-only sockets a daemon opens in `dir` (libvirtd's names).
    public static func sockets(in dir: String) -> (rw: String, ro: String) {
        (dir + "/libvirt-sock", dir + "/libvirt-sock-ro")
    }

    /// Re-attaches to the guests, starts the autostart ones, then opens every listener.
    /// Returns what listens.
    @discardableResult
    public func start(listen: Bool) async throws -> [RemoteListener] {
        await qemu.startWatching(logger: logger)
        var listeners: [RemoteListener] = []
        for (path, kind, mode) in [
            (rwSocket, RemoteListener.Kind.unix, config.unixSocketRWPerms),
            (roSocket, .unixReadOnly, config.unixSocketROPerms),
        ] {
            try removeStaleSocket(path)
            let channel = try await bootstrap(kind).bind(unixDomainSocketPath: path).get()
            chmod(path, mode)
            add(channel)
            listeners.append(RemoteListener(kind: kind, address: path))
        }
        if listen {
            if config.listenTCP {
                let ch = try await bootstrap(.tcp).bind(host: config.listenAddress, port: config.tcpPort).get()
                add(ch)
                listeners.append(RemoteListener(kind: .tcp, address: "\(config.listenAddress):\(ch.localAddress?.port ?? config.tcpPort)"))
            }
            if tls != nil {
                let ch = try await bootstrap(.tls).bind(host: config.listenAddress, port: config.tlsPort).get()
                add(ch)
                listeners.append(RemoteListener(kind: .tls, address: "\(config.listenAddress):\(ch.localAddress?.port ?? config.tlsPort)"))
            }
        }
        for l in listeners { logger.info("listening on \(l.kind.rawValue) \(l.address)") }
        return listeners
    }

    private func add(_ channel: any Channel) { channels.withLock { $0.append(channel) } }

    /// A socket file left by a daemon that died is removed; one a live daemon answers on
    /// is not (the lock already says no other daemon serves this root, but another root
    /// may share `unix_sock_dir`).
    private func removeStaleSocket(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        if let fd = try? UnixSocket.connect(path) {
            Glibc.close(fd)
            throw VirtError(.operationInvalid, "\(path) is in use by another daemon")
        }
        unlink(path)
    }

    private func bootstrap(_ kind: RemoteListener.Kind) -> ServerBootstrap {
        ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.so_keepalive), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try self.setUp(channel, kind)
                }
            }
    }

    private func setUp(_ channel: any Channel, _ kind: RemoteListener.Kind) throws {
        let peer: String
        if kind == .tcp || kind == .tls {
            let ip = channel.remoteAddress?.ipAddress ?? "?"
            peer = ip
            if !AccessList.admits(config.tlsAllowedIPList, ip) {
                if config.tlsNoVerifyAddress {
                    logger.warning("client \(ip) is not in tls_allowed_ip_list; admitted (tls_no_verify_address)")
                } else {
                    logger.notice("refused client \(ip): not in tls_allowed_ip_list")
                    throw VirtError(.accessDenied, "client address \(ip) not allowed")
                }
            }
        } else {
            peer = "local"
        }
        let ops = channel.pipeline.syncOperations
        if kind == .tls, let tls {
            try ops.addHandler(try tls.makeHandler())
            let log = logger
            try ops.addHandler(
                TLSSubjectGate(allowed: config.tlsAllowedDNList, enforce: !config.tlsNoVerifyCertificate) {
                    log.notice("\($0)")
                })
        }
        try ops.addHandler(ByteToMessageHandler(RemoteFrameDecoder()))
        try ops.addHandler(RemoteConnectionHandler(daemon: self, kind: kind, peer: peer))
    }

    // MARK: Clients

    /// A new client, or nil when `max_clients` are connected already.
    func sessionStarted(channel: any Channel, kind: RemoteListener.Kind, peer: String) -> ClientSession? {
        clients.withLock { c in
            guard c.live.count < config.maxClients else { return nil }
            let s = ClientSession(id: c.next, channel: channel, daemon: self, listener: kind, peer: peer)
            c.live[c.next] = s
            c.next += 1
            return s
        }
    }

    func sessionEnded(_ s: ClientSession) {
        _ = clients.withLock { $0.live.removeValue(forKey: s.id) }
    }

    public var clientCount: Int { clients.withLock { $0.live.count } }

    /// What CONNECT_OPEN gets: the daemon's QEMU driver for `qemu:///system` and
    /// `qemu:///session` (and no name), a private test driver for `test:///…`.
    func openDriver(name: String?, readOnly: Bool) async throws -> (driver: any Driver, uri: String, owned: Bool) {
        guard let name, !name.isEmpty else { return (qemu, qemu.uri.text, false) }
        let uri = try ConnectURI(name)
        guard uri.isLocal else { throw VirtError(.noConnect, "\(name): the daemon opens only local URIs") }
        switch uri.driver {
        case "qemu":
            guard uri.path == "/system" || uri.path == "/session" else {
                throw VirtError(.noConnect, "\(name): the daemon serves qemu:///system and qemu:///session")
            }
            return (qemu, "qemu://" + uri.path, false)
        case "test":
            return (try TestDriver(uri: uri), uri.text, true)
        default:
            throw VirtError(.noConnect, "\(name) (known drivers: qemu, test)")
        }
    }

    // MARK: Stop

    /// Closes the listeners and every client; running guests are left alone.
    public func shutdown() async {
        let all = channels.withLock { c in
            defer { c = [] }
            return c
        }
        for ch in all { try? await ch.close().get() }
        let live = clients.withLock { Array($0.live.values) }
        for s in live { try? await s.channel.close().get() }
        qemu.stopWatching()
        unlink(rwSocket)
        unlink(roSocket)
        try? await group.shutdownGracefully()
        logger.info("stopped; guests left running")
    }
}

/// Hands a connection's frames to its session.
final class RemoteConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = [UInt8]

    let daemon: RemoteDaemon
    let kind: RemoteListener.Kind
    let peer: String
    var session: ClientSession?

    init(daemon: RemoteDaemon, kind: RemoteListener.Kind, peer: String) {
        self.daemon = daemon
        self.kind = kind
        self.peer = peer
    }

    func channelActive(context: ChannelHandlerContext) {
        guard let s = daemon.sessionStarted(channel: context.channel, kind: kind, peer: peer) else {
            daemon.logger.warning("refused a client: max_clients (\(daemon.config.maxClients)) reached")
            context.close(promise: nil)
            return
        }
        session = s
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        session?.receive(unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let s = session {
            session = nil
            Task { await s.closed() }
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        daemon.logger.info("closing a client connection: \(error)")
        context.close(promise: nil)
    }
}
