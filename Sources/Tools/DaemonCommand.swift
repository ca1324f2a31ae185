import ArgumentParser
import Foundation
import Logging
import Runtime
import ServiceLifecycle

/// `virtkit daemon`: serves this host's guests over libvirt's remote protocol, so stock
/// virsh, python-libvirt and the tools built on them drive it.
struct DaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Serve libvirt's remote protocol (unix sockets; TCP and TLS with --listen).",
        discussion: """
            State: qemu:///system's folders for root, qemu:///session's for others, or all under \
            --root DIR (the same state `-c qemu:///embed?root=DIR` uses, so the embedded CLI and \
            the daemon manage one host together). Sockets libvirt-sock and libvirt-sock-ro go in \
            unix_sock_dir, else the state's run folder. The config file uses libvirtd.conf syntax; \
            default: /etc/virtkit/virtkitd.conf for root when it exists, or DIR/config/virtkitd.conf \
            with --root. SIGTERM and SIGINT close the sockets and leave guests running.
            """)

    @Flag(name: .long, help: "Listen on TCP/TLS as the config says (listen_tcp, listen_tls).")
    var listen = false

    @Option(name: .long, help: "A libvirtd.conf-style configuration file.")
    var config: String?

    @Option(name: .long, help: "Keep all state under DIR (as qemu:///embed?root=DIR).")
    var root: String?

    @Flag(name: .long, help: "Log every call, and copy the log to standard error.")
    var verbose = false

    func run() async throws {
        let isRoot = getuid() == 0
        var settings = DaemonConfig()
        let configPath: String? =
            config
            ?? [root.map { $0 + "/config/virtkitd.conf" }, isRoot && root == nil ? "/etc/virtkit/virtkitd.conf" : nil]
            .compactMap { $0 }.first { FileManager.default.fileExists(atPath: $0) }
        if let configPath {
            do {
                settings = try DaemonConfig.load(path: configPath)
            } catch {
                warn("error: \(error)")
                throw Status.usage
            }
        }
        let uri: String
        if let root {
            guard root.hasPrefix("/") else {
                warn("error: --root needs an absolute path")
                throw Status.usage
            }
            uri = "qemu:///embed?root=" + ConnectURI.escape(root)
        } else {
            uri = isRoot ? "qemu:///system" : "qemu:///session"
        }
        // The log goes next to the guests' logs.
        let logDir: String
        do {
            logDir = try QemuPaths.forURI(try ConnectURI(uri), environment: ProcessInfo.processInfo.environment, uid: getuid()).log
            try FileManager.default.createDirectory(atPath: logDir, withIntermediateDirectories: true)
        } catch {
            warn("error: \(error)")
            throw Status.usage
        }
        let makeHandler = FileLogHandler.make(path: logDir + "/virtkitd.log", echo: verbose, level: verbose ? .debug : .info)
        let logger = Logger(label: "virtkitd", factory: makeHandler)
        let daemon: RemoteDaemon
        do {
            daemon = try await RemoteDaemon(config: settings, qemuURI: uri, listen: listen, logger: logger)
        } catch {
            logger.error("cannot start: \(error)")
            warn("error: \(error)")
            throw ExitCode(1)
        }
        let service = DaemonService(daemon: daemon, listen: listen)
        let group = ServiceGroup(
            configuration: .init(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            logger.error("stopped: \(error)")
            warn("error: \(error)")
            throw ExitCode(1)
        }
    }
}

/// The daemon as a service: listens until a graceful shutdown is asked for, then closes
/// its sockets and clients. Guests keep running.
struct DaemonService: Service {
    let daemon: RemoteDaemon
    let listen: Bool

    func run() async throws {
        let listeners = try await daemon.start(listen: listen)
        // One line on standard error says the daemon is ready and where.
        warn("virtkit daemon: ready; " + listeners.map { "\($0.kind.rawValue) \($0.address)" }.joined(separator: ", "))
        try? await gracefulShutdown()
        await daemon.shutdown()
    }
}
