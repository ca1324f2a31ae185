import ArgumentParser
import Foundation

/// `virtkit`: libvirt's toolchain, schema first.
@main
struct VirtKit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "virtkit",
        abstract: "Validate, normalize and convert libvirt domain XML.",
        discussion: """
            Exit status: 0 success; 1 invalid document or failed conversion; 2 usage or I/O error.
            """,
        version: VirtKit.version,
        subcommands: [
            Validate.self, Normalize.self, DomxmlFromNative.self, DomxmlToNative.self,
        ])

    /// Printed by `virtkit --version`.
    static let version = "0.1.0"

    /// ArgumentParser exits 64 on usage errors; virtkit's contract is 2, as virsh's tools.
    static func main() async {
        do {
            var command = try parseAsRoot()
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
    if path == "-" {
        return Array(FileHandle.standardInput.readDataToEndOfFile())
    }
    guard let data = FileManager.default.contents(atPath: path) else {
        var isDir: ObjCBool = false
        let reason =
            FileManager.default.fileExists(atPath: path, isDirectory: &isDir)
            ? (isDir.boolValue ? "is a directory" : "cannot be read") : "no such file"
        warn("\(path): \(reason)")
        throw Status.usage
    }
    return Array(data)
}
