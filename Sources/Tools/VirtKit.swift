import ArgumentParser
import Foundation
import Runtime

/// `virtkit`: libvirt's toolchain, schema first.
@main
struct VirtKit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "virtkit",
        abstract: "Validate, convert and run libvirt guests.",
        usage: "virtkit [-c URI] [-q] [-r] <verb> [<options>]",
        discussion: """
            Global options before the verb: -c/--connect URI (default: $VIRTKIT_DEFAULT_URI, \
            $VIRSH_DEFAULT_CONNECT_URI, else qemu:///system for root and qemu:///session for \
            others), -q/--quiet (no informational messages), -r/--readonly. \
            Exit status: 0 success; 1 invalid document, failed conversion or failed command; \
            2 usage or I/O error.
            """,
        version: VirtKit.version,
        subcommands: [
            Validate.self, Normalize.self, DomxmlFromNative.self, DomxmlToNative.self,
            Define.self, Undefine.self, Create.self, Start.self, Destroy.self, Shutdown.self, Reboot.self,
            Reset.self, Suspend.self, Resume.self, List.self, DomInfo.self, DomState.self, DumpXML.self,
            Autostart.self, Save.self, Restore.self, ManagedSave.self, ManagedSaveRemove.self,
            ConsoleCommand.self, ScreenshotCommand.self, AttachDevice.self, DetachDevice.self, SetMem.self,
            SetMaxMem.self, DomBlkStat.self, DomIfStat.self, DomMemStat.self, VcpuInfoCommand.self, Dump.self,
            DomID.self, DomUUID.self, DomName.self, CapabilitiesCommand.self, DomCapabilities.self,
            NodeInfoCommand.self, VersionCommand.self, HostnameCommand.self, URICommand.self,
            NetDefine.self, NetUndefine.self, NetList.self, NetDumpXML.self, NetAutostart.self, NetStart.self,
            NetDestroy.self,
            EventCommand.self, NetEventCommand.self, HVSupport.self, DaemonCommand.self,
        ])

    /// Printed by `virtkit --version`.
    static var version: String { VirtkitVersion.text }

    /// ArgumentParser exits 64 on usage errors; virtkit's contract is 2, as virsh's tools.
    static func main() async {
        do {
            PhaseTimer.mark("cli: main")
            let arguments = try Globals.consume(Array(CommandLine.arguments.dropFirst()))
            if let call = DirectConversion.conversionCall(arguments) {
                // `VERB FORMAT FILE`: the one way this parses, converted without the parser.
                let outcome = await DirectConversion.convert(call)
                return try outcome.deliver()
            }
            if arguments.count == 2, arguments[0] == Start.configuration.commandName, !arguments[1].hasPrefix("-") {
                // `start DOMAIN`: the one way this parses (see DirectConversion for why).
                let name = arguments[1]
                return try await Session.run { @Sendable s in try await Start.start(name, flags: [], in: s) }
            }
            var command = try parse(arguments)
            PhaseTimer.mark("cli: verb parsed")
            if var async = command as? any AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                exit(withError: error)
            }
            if code.rawValue == ExitCode.validationFailure.rawValue || error is CleanExit == false
                && !(error is ExitCode)
            {
                let message = fullMessage(for: error)
                if !message.isEmpty { FileHandle.standardError.write(Data((message + "\n").utf8)) }
                Foundation.exit(code.rawValue == ExitCode.validationFailure.rawValue ? 2 : code.rawValue)
            }
            exit(withError: error)
        }
    }
}

extension VirtKit {
    /// The command a command line stands for: the verb's own parser when that is enough,
    /// else the whole one (usage text, errors).
    static func parse(_ arguments: [String]) throws -> any ParsableCommand {
        try quickParse(arguments) ?? parseAsRoot(arguments)
    }

    /// The verb's own command, parsed on its own: building the parser for all fifty verbs
    /// to run one cost as much as a whole conversion (`perf`: a fifth of `domxml-to-native`).
    /// nil — and the whole parser, with its usage text and error messages — for anything
    /// but a plain, valid call of a known verb.
    static func quickParse(_ arguments: [String]) -> sending (any ParsableCommand)? {
        guard let verb = arguments.first, !arguments.contains(where: { $0 == "-h" || $0 == "--help" }) else { return nil }
        guard let type = configuration.subcommands.first(where: { $0.configuration.commandName == verb }),
            type.configuration.subcommands.isEmpty
        else { return nil }
        return try? type.parseAsRoot(Array(arguments.dropFirst()))
    }
}

/// Exit codes of every verb.
enum Status {
    static let invalid = ExitCode(1)
    static let usage = ExitCode(2)
}

/// Writes one line to standard error.
func warn(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Reads a file, or standard input for `-`. Failures are I/O errors (exit 2).
func readInput(_ path: String) throws -> [UInt8] {
    do {
        return try loadInput(path)
    } catch {
        warn(error.message)
        throw Status.usage
    }
}

/// Why an input file could not be read.
struct InputError: Error {
    let message: String
}

/// Reads a file, or standard input for `-`, without printing anything.
func loadInput(_ path: String) throws(InputError) -> [UInt8] {
    if path == "-" {
        return Array(FileHandle.standardInput.readDataToEndOfFile())
    }
    guard let data = FileManager.default.contents(atPath: path) else {
        var isDir: ObjCBool = false
        let reason =
            FileManager.default.fileExists(atPath: path, isDirectory: &isDir)
            ? (isDir.boolValue ? "is a directory" : "cannot be read") : "no such file"
        throw InputError(message: "\(path): \(reason)")
    }
    return Array(data)
}
