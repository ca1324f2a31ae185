import ArgumentParser
import Foundation
import Runtime
import Schema

/// `virtkit net-event`: network life-cycle events as they happen, as virsh prints them.
struct NetEventCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "net-event",
        abstract: "Print network life-cycle events as they happen (as virsh net-event).",
        discussion: """
            Waits for one event (every event with --loop), printing "event 'lifecycle' for \\
            network NAME: Defined" (Undefined, Started, Stopped), then "events received: N"; \\
            --timeout ends the wait after SECONDS ("event loop timed out"). On a local URI the \\
            definitions made and removed by every process on the same root are seen; over a \\
            remote URI, the daemon's events.
            """)

    @Option(help: "Only this network's events (name or UUID).") var network: String?
    @Option(help: "The event type to wait for (lifecycle).") var event: String?
    @Flag(help: "List the event types and exit.") var list = false
    @Flag(help: "Keep waiting after the first event.") var loop = false
    @Option(help: "Stop waiting after this many seconds.") var timeout: Int?
    @Flag(help: "Prefix each event with the time it was received.") var timestamp = false

    func validate() throws {
        if let event, event != "lifecycle" {
            throw ValidationError("unknown event type '\(event)' (virtkit delivers: lifecycle)")
        }
        if let timeout, timeout < 1 { throw ValidationError("--timeout must be at least 1 second") }
    }

    func run() async throws {
        if list {
            Output.line("lifecycle")
            Output.finish()
            return
        }
        try await Session.run { session in
            var only: UUIDValue?
            if let network { only = try await session.network(network).uuid }
            let (source, owned) = await EventWait.source(session)
            let events = try await session.attempt("failed to register for network events") {
                try await source.networkEvents()
            }
            let wanted = only
            await EventWait.run(
                events, matching: { wanted == nil || $0.network.uuid == wanted },
                line: { "event 'lifecycle' for network \($0.network.name): \($0.kind.name)" }, loop: loop,
                timeout: timeout, timestamp: timestamp)
            if owned { await source.connectClose() }
        }
    }
}
