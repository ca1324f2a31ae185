import CRuntimeSupport
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

#if canImport(Glibc)
    import Glibc
#endif

/// How a remote URI reaches its daemon, as libvirt's remote driver does it:
/// `unix` (a local socket; `socket=` names it), `tcp` (port 16509), `tls` (port 16514, the
/// default when a host is named), `ssh` (`ssh -p PORT [-l USER] HOST NETCAT -U SOCKET`,
/// with the `command`, `netcat`, `socket` and `no_tty` parameters) and `ext` (`command`,
/// talking the protocol on its standard input and output).
enum RemoteTransport {
    /// URI parameters the client consumes; the rest go to the daemon with the name.
    static let clientParameters: Set<String> = [
        "name", "command", "socket", "netcat", "no_verify", "no_tty", "pkipath", "keyfile", "known_hosts",
        "sshauth", "mode", "proxy", "tls_priority",
    ]

    static func kind(_ uri: ConnectURI) -> String {
        uri.transport ?? ((uri.host ?? "").isEmpty ? "unix" : "tls")
    }

    /// The name the daemon opens: the `name` parameter, else the URI without transport,
    /// host, port, user and client parameters (`qemu+ssh://h/system` → `qemu:///system`).
    static func remoteName(_ uri: ConnectURI) -> String {
        if let n = uri.parameter("name") { return n }
        var text = uri.driver + "://" + uri.path
        let rest = uri.parameters.filter { !clientParameters.contains($0.name) }
        if !rest.isEmpty {
            text += "?" + rest.map { ConnectURI.escape($0.name) + "=" + ConnectURI.escape($0.value) }.joined(separator: "&")
        }
        return text
    }

    /// The daemon's socket when the URI names none: virtkit's system daemon keeps it in
    /// /run/virtkit, a session daemon in the user's runtime folder.
    static func defaultSocket(_ uri: ConnectURI, readOnly: Bool) -> String {
        let file = readOnly ? "libvirt-sock-ro" : "libvirt-sock"
        if uri.path == "/session" {
            let env = ProcessInfo.processInfo.environment
            if let paths = try? QemuPaths.forURI(try ConnectURI("qemu:///session"), environment: env, uid: getuid()) {
                return paths.run + "/" + file
            }
        }
        return "/run/virtkit/" + file
    }

    static let group = MultiThreadedEventLoopGroup.singleton

    /// Connects and returns the channel with the protocol handlers in place.
    static func connect(_ uri: ConnectURI, readOnly: Bool, handler: RemoteClientHandler) async throws -> (
        channel: any Channel, encrypted: Bool, helper: HostProcess?
    ) {
        @Sendable func plain(_ channel: any Channel) -> EventLoopFuture<Void> {
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RemoteFrameDecoder()))
                try channel.pipeline.syncOperations.addHandler(handler)
            }
        }
        let host = uri.host ?? ""
        switch kind(uri) {
        case "unix":
            if !host.isEmpty { throw VirtError(.invalidArg, "the unix transport takes no host: \(uri.text)") }
            let path = uri.parameter("socket") ?? defaultSocket(uri, readOnly: readOnly)
            do {
                let ch = try await ClientBootstrap(group: group).channelInitializer(plain)
                    .connect(unixDomainSocketPath: path).get()
                return (ch, false, nil)
            } catch {
                throw VirtError(.systemError, "Failed to connect socket to '\(path)': \(describe(error))")
            }
        case "tcp":
            let h = host.isEmpty ? "localhost" : host
            let port = uri.port ?? 16509
            do {
                let ch = try await ClientBootstrap(group: group).channelInitializer(plain).connect(host: h, port: port).get()
                return (ch, false, nil)
            } catch {
                throw VirtError(.systemError, "unable to connect to server at '\(h):\(port)': \(describe(error))")
            }
        case "tls":
            let h = host.isEmpty ? "localhost" : host
            let port = uri.port ?? 16514
            let context = try tlsContext(uri)
            let isAddress = (try? SocketAddress(ipAddress: h, port: 0)) != nil
            do {
                let ch = try await ClientBootstrap(group: group).channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let ssl = try NIOSSLClientHandler(context: context, serverHostname: isAddress ? nil : h)
                        try channel.pipeline.syncOperations.addHandler(ssl)
                        try channel.pipeline.syncOperations.addHandler(TLSConfirmationReader())
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RemoteFrameDecoder()))
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                }.connect(host: h, port: port).get()
                return (ch, true, nil)
            } catch {
                throw VirtError(.systemError, "unable to connect to server at '\(h):\(port)': \(describe(error))")
            }
        case "ssh":
            if host.isEmpty { throw VirtError(.invalidArg, "the ssh transport needs a host: \(uri.text)") }
            var argv = [uri.parameter("command") ?? "ssh"]
            if let p = uri.port { argv += ["-p", String(p)] }
            if let u = uri.user { argv += ["-l", u] }
            if let t = uri.parameter("no_tty"), t != "0" { argv += ["-T", "-o", "BatchMode=yes", "-e", "none"] }
            if let k = uri.parameter("keyfile") { argv += ["-i", k] }
            if let kh = uri.parameter("known_hosts") { argv += ["-o", "UserKnownHostsFile=" + kh] }
            argv += ["--", host, uri.parameter("netcat") ?? "nc", "-U", uri.parameter("socket") ?? defaultSocket(uri, readOnly: readOnly)]
            return try await spawned(argv, handler: handler, encrypted: true, plain: plain)
        case "ext":
            guard let command = uri.parameter("command"), !command.isEmpty else {
                throw VirtError(.invalidArg, "the ext transport needs command=PROGRAM: \(uri.text)")
            }
            return try await spawned([command], handler: handler, encrypted: false, plain: plain)
        case let other:
            throw VirtError(.invalidArg, "transport '\(other)' is not supported (unix, tcp, tls, ssh, ext)")
        }
    }

    /// Runs a helper whose standard input and output are one end of a socket pair; the
    /// protocol runs over the other end.
    private static func spawned(
        _ argv: [String], handler: RemoteClientHandler, encrypted: Bool,
        plain: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>
    ) async throws -> (channel: any Channel, encrypted: Bool, helper: HostProcess?) {
        guard let path = which(argv[0]) else { throw VirtError(.systemError, "cannot find '\(argv[0])' in PATH") }
        var pair: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw VirtError(.systemError, "socketpair: \(String(cString: strerror(errno)))")
        }
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        let env = ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }
        var cEnv: [UnsafeMutablePointer<CChar>?] = env.map { strdup($0) } + [nil]
        defer {
            for p in cArgs { free(p) }
            for p in cEnv { free(p) }
        }
        var pid: pid_t = 0
        let rc = vk_spawn(path, &cArgs, &cEnv, pair[1], pair[1], 2, nil, 0, 0, &pid)
        Glibc.close(pair[1])
        guard rc == 0 else {
            Glibc.close(pair[0])
            throw VirtError(.systemError, "cannot run \(path): \(String(cString: strerror(errno)))")
        }
        let helper = HostProcess.current(pid: pid)
        do {
            let ch = try await ClientBootstrap(group: group).channelInitializer(plain).withConnectedSocket(pair[0]).get()
            return (ch, encrypted, helper)
        } catch {
            Glibc.close(pair[0])
            _ = helper?.signal(SIGTERM)
            throw VirtError(.systemError, "cannot talk to \(path): \(describe(error))")
        }
    }

    static func which(_ command: String) -> String? {
        if command.contains("/") { return access(command, X_OK) == 0 ? command : nil }
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        for d in dirs where access("\(d)/\(command)", X_OK) == 0 { return "\(d)/\(command)" }
        return nil
    }

    /// The client's TLS settings: the CA, certificate and key from `pkipath=DIR` or the
    /// usual places (/etc/pki for root, ~/.pki/libvirt otherwise); `no_verify=1` skips the
    /// check of the server's certificate, as the seeds say.
    static func tlsContext(_ uri: ConnectURI) throws -> NIOSSLContext {
        let ca: String
        let cert: String
        let key: String
        if let dir = uri.parameter("pkipath") {
            (ca, cert, key) = (dir + "/cacert.pem", dir + "/clientcert.pem", dir + "/clientkey.pem")
        } else if getuid() == 0 {
            (ca, cert, key) = ("/etc/pki/CA/cacert.pem", "/etc/pki/libvirt/clientcert.pem", "/etc/pki/libvirt/private/clientkey.pem")
        } else {
            let home = ProcessInfo.processInfo.environment["HOME"] ?? "/"
            (ca, cert, key) = (home + "/.pki/libvirt/cacert.pem", home + "/.pki/libvirt/clientcert.pem", home + "/.pki/libvirt/clientkey.pem")
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        let noVerify = (uri.parameter("no_verify") ?? "0") != "0"
        if noVerify {
            tls.certificateVerification = .none
        } else {
            guard FileManager.default.isReadableFile(atPath: ca) else {
                throw VirtError(.systemError, "Cannot access CA certificate '\(ca)': No such file or directory")
            }
            tls.trustRoots = .file(ca)
        }
        if FileManager.default.isReadableFile(atPath: cert), FileManager.default.isReadableFile(atPath: key) {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
        }
        do {
            return try NIOSSLContext(configuration: tls)
        } catch {
            throw VirtError(.systemError, "cannot set up TLS: \(error)")
        }
    }

    static func describe(_ error: any Error) -> String {
        if let e = error as? IOError { return String(cString: strerror(e.errnoCode)) }
        if let e = error as? NIOConnectionError, let first = e.connectionErrors.first { return describe(first.error) }
        return "\(error)"
    }
}
