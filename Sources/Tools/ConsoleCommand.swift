import ArgumentParser
import Foundation
import Runtime

#if canImport(Glibc)
    import Glibc
#endif

struct ConsoleCommand: SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Connect the terminal to a domain's serial console; Ctrl+] leaves.",
        discussion: """
            On a terminal the console is raw (every key goes to the guest) until Ctrl+]. When \
            standard input is not a terminal (a script), its bytes are sent as they come; at its \
            end the console waits until the guest has been quiet for half a second, then leaves.
            """)
    @OptionGroup var target: DomainArgument
    @Option(help: "The console or serial device alias (default: the first console).") var devname: String?
    @Flag(help: "Take the console even if another client holds it.") var force = false
    @Flag(help: "Only connect if the console can be held safely.") var safe = false

    func run(in s: Session) async throws {
        let d = try await s.domain(target.domain)
        var flags: UInt32 = 0
        if force { flags |= 1 }
        if safe { flags |= 2 }
        let stream = try await s.attempt("Failed to open console of domain '\(d.name)'") {
            try await s.driver.domainOpenConsole(d, device: devname, flags: flags)
        }
        Output.info("Connected to domain '\(d.name)'")
        Output.info("Escape character is ^] (Ctrl + ])")
        Output.flush()
        let terminal = isatty(0) == 1
        let saved = terminal ? RawTerminal.enter() : nil
        defer { if let saved { RawTerminal.leave(saved) } }

        let input = StandardInput.bytes()
        let quiet = QuietClock()
        let sender = Task {
            for await chunk in input {
                if let esc = chunk.firstIndex(of: 0x1d) {
                    if esc > 0 { try? await stream.write(Array(chunk[..<esc])) }
                    return true
                }
                try? await stream.write(chunk)
            }
            return false
        }
        let receiver = Task {
            while let chunk = try? await stream.read() {
                quiet.touch()
                chunk.withUnsafeBytes { _ = Glibc.write(1, $0.baseAddress, $0.count) }
            }
        }
        let escaped = await sender.value
        if !escaped && !terminal {
            // A script's input ended: let the guest answer, then leave once it is quiet.
            while !quiet.quietFor(0.5) { try await Task.sleep(for: .milliseconds(50)) }
        }
        await stream.close()
        receiver.cancel()
        if terminal { Output.line() }
    }
}

/// When the console last saw output.
final class QuietClock: @unchecked Sendable {
    private let lock = NSLock()
    private var last = Date()
    func touch() {
        lock.lock()
        last = Date()
        lock.unlock()
    }
    func quietFor(_ seconds: Double) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return Date().timeIntervalSince(last) >= seconds
    }
}

/// Standard input as an async sequence of chunks, read on a thread of its own (a blocking
/// read must not sit on the cooperative pool).
enum StandardInput {
    static func bytes() -> AsyncStream<[UInt8]> {
        AsyncStream { continuation in
            let thread = Thread {
                var buf = [UInt8](repeating: 0, count: 4096)
                while true {
                    let n = buf.withUnsafeMutableBytes { Glibc.read(0, $0.baseAddress, $0.count) }
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { break }
                    continuation.yield(Array(buf[..<n]))
                }
                continuation.finish()
            }
            thread.start()
        }
    }
}

/// Raw mode for the console, restored on the way out.
enum RawTerminal {
    static func enter() -> termios? {
        var saved = termios()
        guard tcgetattr(0, &saved) == 0 else { return nil }
        var raw = saved
        cfmakeraw(&raw)
        tcsetattr(0, TCSAFLUSH, &raw)
        return saved
    }

    static func leave(_ saved: termios) {
        var s = saved
        tcsetattr(0, TCSAFLUSH, &s)
    }
}
