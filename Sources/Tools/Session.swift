import ArgumentParser
import Foundation
import Runtime
import Schema

/// The options virsh takes before its command: `-c/--connect URI`, `-q/--quiet`,
/// `-r/--readonly`. They are read off the command line before the verb is parsed, so
/// `virtkit -c test:///default list` works as `virsh -c test:///default list` does.
enum Globals {
    nonisolated(unsafe) static var connect: String?
    nonisolated(unsafe) static var quiet = false
    nonisolated(unsafe) static var readOnly = false

    /// Consumes the global options in front of the verb; returns the rest.
    static func consume(_ args: [String]) throws -> [String] {
        var rest = args[...]
        while let first = rest.first, first.hasPrefix("-") {
            switch first {
            case "-c", "--connect":
                rest = rest.dropFirst()
                guard let uri = rest.first else { throw ValidationError("\(first) needs a URI") }
                connect = uri
                rest = rest.dropFirst()
            case _ where first.hasPrefix("--connect="):
                connect = String(first.dropFirst("--connect=".count))
                rest = rest.dropFirst()
            case "-q", "--quiet":
                quiet = true
                rest = rest.dropFirst()
            case "-r", "--readonly":
                readOnly = true
                rest = rest.dropFirst()
            default:
                return Array(rest)
            }
        }
        return Array(rest)
    }
}

/// One command's connection and output, the way virsh behaves: results on standard output
/// followed by a blank line (nothing extra with `-q`), `error: …` lines on standard error,
/// exit 1 when the command failed.
struct Session {
    let driver: any Driver
    let uri: String

    static func open() async throws -> Session {
        PhaseTimer.mark("cli: arguments parsed")
        let uri = ConnectURI.choose(
            explicit: Globals.connect, environment: ProcessInfo.processInfo.environment, isRoot: getuid() == 0)
        do {
            defer { PhaseTimer.mark("cli: driver open") }
            return Session(driver: try await Drivers.open(uri, readOnly: Globals.readOnly), uri: uri)
        } catch {
            fail(error, context: "failed to connect to the hypervisor")
        }
    }

    /// Runs `body` on a session and closes it; virsh's blank line follows the output.
    static func run(_ body: (Session) async throws -> Void) async throws {
        let session = try await open()
        do {
            try await body(session)
        } catch let e as ExitCode {
            await session.driver.connectClose()
            throw e
        } catch let e as ValidationError {
            await session.driver.connectClose()
            throw e
        } catch {
            await session.driver.connectClose()
            fail(error, context: nil)
        }
        await session.driver.connectClose()
        Output.finish()
        PhaseTimer.mark("cli: done")
    }

    /// Finds a domain as virsh does: a number is tried as an id, then the text as a UUID,
    /// then as a name.
    func domain(_ text: String) async throws -> DomainRef {
        defer { PhaseTimer.mark("cli: domain found") }
        if let id = Int32(text), id >= 0, let d = try? await driver.domainLookupByID(id) { return d }
        if let uuid = UUIDValue(xmlValue: text), let d = try? await driver.domainLookupByUUID(uuid) { return d }
        do {
            return try await driver.domainLookupByName(text)
        } catch let e as VirtError where e.code == .noDomain || e.code == .invalidArg {
            Output.error("failed to get domain '\(text)'")
            throw ExitCode(1)
        }
    }

    func network(_ text: String) async throws -> NetworkRef {
        if let uuid = UUIDValue(xmlValue: text), let n = try? await driver.networkLookupByUUID(uuid) { return n }
        do {
            return try await driver.networkLookupByName(text)
        } catch let e as VirtError where e.code == .noNetwork {
            Output.error("failed to get network '\(text)'")
            throw ExitCode(1)
        }
    }

    /// Runs one driver call; on failure prints `error: CONTEXT` and the driver's error, with
    /// document problems re-homed into `file`, and exits 1.
    func attempt<T>(_ context: String, file: String? = nil, _ call: () async throws -> T) async throws -> T {
        do {
            return try await call()
        } catch let e as ExitCode {
            throw e
        } catch {
            Session.fail(error, context: context, file: file)
        }
    }

    static func fail(_ error: any Error, context: String?, file: String? = nil) -> Never {
        if let context { Output.error(context) }
        if let v = error as? VirtError {
            if let file, !v.diagnostics.isEmpty {
                for d in v.diagnostics {
                    var located = d
                    located.file = file
                    Output.error(located.description)
                }
            } else {
                Output.error(v.message)
            }
        } else {
            Output.error("\(error)")
        }
        Output.flush()
        Foundation.exit(1)
    }
}

/// virsh's output conventions.
enum Output {
    nonisolated(unsafe) static var wrote = false

    static func line(_ s: String = "") {
        print(s)
        wrote = true
    }

    /// Informational lines (`Domain 'x' started`): not printed with `-q`.
    static func info(_ s: String) {
        if !Globals.quiet { line(s) }
    }

    static func error(_ s: String) {
        flush()
        FileHandle.standardError.write(Data(("error: " + s + "\n").utf8))
    }

    static func warning(_ s: String) {
        flush()
        FileHandle.standardError.write(Data(("warning: " + s + "\n").utf8))
    }

    /// The blank line virsh prints after a command's output (not with `-q`).
    static func finish() {
        if !Globals.quiet { print("") }
        flush()
    }

    static func flush() { fflush(nil) }

    /// A table as virsh prints it: one leading space, columns three spaces apart, padded to
    /// the widest cell, the last column unpadded, a rule of dashes under the header.
    static func table(_ header: [String], _ rows: [[String]]) {
        // Quiet tables have no header, and virsh sizes them without it.
        let sized = Globals.quiet ? rows : [header] + rows
        let widths = header.indices.map { c in sized.map { $0[c].count }.max() ?? 0 }
        func render(_ cells: [String]) -> String {
            var s = " "
            for (c, cell) in cells.enumerated() {
                s += c == cells.count - 1 ? cell : cell.padding(toLength: widths[c], withPad: " ", startingAt: 0) + "   "
            }
            return s
        }
        if !Globals.quiet {
            line(render(header))
            line(String(repeating: "-", count: widths.reduce(0, +) + 3 * (widths.count - 1) + 3))
        }
        for r in rows { line(render(r)) }
    }

    /// `Label:          value` lines, the label padded to `width`.
    static func field(_ label: String, _ value: String, width: Int = 15) {
        line((label + ":").padding(toLength: width, withPad: " ", startingAt: 0) + " " + value)
    }
}

/// Reads a file named on the command line (virsh's error wording when it cannot).
func readDocument(_ path: String) throws -> String {
    let bytes = try readInput(path)
    return String(decoding: bytes, as: UTF8.self)
}
