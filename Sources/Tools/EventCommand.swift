import ArgumentParser
import Foundation
import Logging
import Runtime
import Schema

/// `virtkit event`: guests' life-cycle events as they happen, in virsh's words and layout.
struct EventCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "event",
        abstract: "Print guests' events as they happen (as virsh event).",
        discussion: """
            Waits for one event (every event with --loop), printing lines as virsh does \
            ("event 'lifecycle' for domain 'NAME': Started Booted", "event 'reboot' for domain \
            'NAME'", "event 'device-removed' for domain 'NAME': ALIAS"), then "events \
            received: N"; --timeout ends the wait after SECONDS ("event loop timed out"). \
            Delivered: lifecycle, reboot, rtc-change, graphics (VNC clients: "event 'graphics' \
            for domain 'NAME': connect local[IPv4 127.0.0.1 5900] remote[IPv4 127.0.0.1 40110] \
            none"), device-removed, device-added. On a local \
            URI the events of every process on the same root are seen (through the daemon's \
            socket when a daemon serves the root); over a remote URI, the daemon's.
            """)

    @Option(help: "Only this guest's events (id, name or UUID).") var domain: String?
    @Option(help: "The event type to wait for (see --list).") var event: String?
    @Flag(help: "Every event type.") var all = false
    @Flag(help: "List the event types and exit.") var list = false
    @Flag(help: "Keep waiting after the first event.") var loop = false
    @Option(help: "Stop waiting after this many seconds.") var timeout: Int?
    @Flag(help: "Prefix each event with the time it was received.") var timestamp = false

    static let types = DomainEvent.ID.delivered.map(\.name)

    func validate() throws {
        if !list && !all && event == nil { throw ValidationError("one of --list, --all, or --event <type> is required") }
        if let event, !Self.types.contains(event) {
            throw ValidationError("unknown event type '\(event)' (virtkit delivers: \(Self.types.joined(separator: ", ")))")
        }
        if let timeout, timeout < 1 { throw ValidationError("--timeout must be at least 1 second") }
    }

    func run() async throws {
        if list {
            for t in Self.types { Output.line(t) }
            Output.finish()
            return
        }
        try await Session.run { session in
            var only: UUIDValue?
            if let domain { only = try await session.domain(domain).uuid }
            let (source, owned) = await EventWait.source(session)
            let events = try await session.attempt("failed to register for events") { try await source.domainEvents() }
            let type = all ? nil : event, guest = only
            await EventWait.run(
                events, matching: { (guest == nil || $0.domain.uuid == guest) && (type == nil || $0.id.name == type) },
                line: Self.line, loop: loop, timeout: timeout, timestamp: timestamp)
            if owned { await source.connectClose() }
        }
    }

    /// An event as virsh prints it.
    static func line(_ e: DomainEvent) -> String {
        let head = "event '\(e.id.name)' for domain '\(e.domain.name)'"
        switch e.id {
        case .lifecycle: return head + ": \(e.kind.name) \(e.detailName)"
        case .reboot: return head
        case .rtcChange(let offset): return head + ": \(offset)"
        case .deviceRemoved(let alias), .deviceAdded(let alias): return head + ": " + alias
        case .graphics(let g):
            let line =
                head + ": \(g.phase.name) local[\(g.local.family.name) \(g.local.node) \(g.local.service)]"
                + " remote[\(g.remote.family.name) \(g.remote.node) \(g.remote.service)] \(g.authScheme)"
            return ([line] + g.subject.map { "\t\($0.type)=\($0.name)" }).joined(separator: "\n")
        }
    }
}

/// What both event verbs do: watch the root when the connection is local, then print
/// matching events until the first (or, looping, until the timeout) and how many came.
enum EventWait {
    /// Where a session's events come from. An embedded driver sees other processes' doings
    /// by watching the root — except what only QEMU reports (resets, clock changes, display
    /// clients, devices gone), which reaches whoever holds each guest's event monitor, and
    /// QEMU lets one client hold it. When a daemon serves the root it holds them all, so
    /// the events come through its read-only socket, as they would over a remote URI.
    /// Returns the driver to register with, and whether it is ours to close.
    static func source(_ session: Session) async -> (driver: any Driver, owned: Bool) {
        guard let qemu = session.driver as? QemuDriver else { return (session.driver, false) }
        let daemonSockets = RemoteDaemon.sockets(in: qemu.paths.run)
        for socket in [daemonSockets.ro, daemonSockets.rw] {
            guard FileManager.default.fileExists(atPath: socket) else { continue }
            let escaped = socket.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? socket
            if let daemon = try? await Drivers.open("qemu+unix:///system?socket=" + escaped, readOnly: true) {
                return (daemon, true)
            }
        }
        qemu.startObserving(logger: Logger(label: "virtkit.event") { _ in SwiftLogNoOpLogHandler() })
        return (qemu, false)
    }

    /// RFC 3986's unreserved characters and `/`: what a path may keep unescaped in a query.
    private static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/")

    static func run<E: Sendable>(
        _ events: AsyncStream<E>, matching: @escaping @Sendable (E) -> Bool, line: @escaping @Sendable (E) -> String,
        loop: Bool, timeout: Int?, timestamp: Bool
    ) async {
        let (received, timedOut) = await wait(events, matching: matching, line: line, loop: loop, timeout: timeout, timestamp: timestamp)
        if timedOut { Output.line("event loop timed out") }
        Output.line("events received: \(received)")
    }

    /// How many events were printed, and whether the timeout ended the wait.
    private static func wait<E: Sendable>(
        _ events: AsyncStream<E>, matching: @escaping @Sendable (E) -> Bool, line: @escaping @Sendable (E) -> String,
        loop: Bool, timeout: Int?, timestamp: Bool
    ) async -> (Int, Bool) {
        await withTaskGroup(of: (Int, Bool)?.self) { group in
            group.addTask {
                var count = 0
                for await e in events where matching(e) {
                    let stamp = timestamp ? GuestLog.timestamp() + ": " : ""
                    Output.line(stamp + line(e))
                    Output.flush()
                    count += 1
                    if !loop { break }
                }
                return (count, false)
            }
            if let timeout {
                group.addTask {
                    try? await Task.sleep(for: .seconds(timeout))
                    return Task.isCancelled ? nil : (0, true)
                }
            }
            // The first to finish decides; a timeout still reports the events printed so far.
            let first = await group.next() ?? nil
            group.cancelAll()
            var result = first ?? (0, false)
            if result.1 {
                while let other = await group.next() { if let o = other, !o.1 { result.0 = o.0 } }
            }
            return result
        }
    }
}
