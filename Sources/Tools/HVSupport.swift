import ArgumentParser
import Foundation
import Runtime

struct HVSupport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hvsupport",
        abstract: "Which libvirt API each driver implements, asked of the drivers themselves.",
        discussion: """
            Each driver is opened on a scratch state (the QEMU driver on a temporary embed \
            root) and every operation is called with a harmless probe: an unknown domain, an \
            unknown flag bit, a document that is not XML. An operation the driver lacks answers \
            "not supported"; any other answer means it is there. Prints a Markdown table.
            """)

    func run() async throws {
        print(try await SupportMatrix.markdown(), terminator: "")
    }
}

/// The driver × operation table.
enum SupportMatrix {
    static func markdown() async throws -> String {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("virtkit-hvsupport-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let drivers: [(String, any Driver)] = [
            ("QEMU", try await Drivers.open("qemu:///embed?root=\(ConnectURI.escape(scratch))")),
            ("Test", try await Drivers.open("test:///default")),
        ]
        var out = "| API | " + drivers.map(\.0).joined(separator: " | ") + " |\n"
        out += "|---|" + drivers.map { _ in "---|" }.joined() + "\n"
        for group in DriverAPI.Group.allCases {
            out += "| **\(group.rawValue)** |" + drivers.map { _ in " |" }.joined() + "\n"
            for api in DriverAPI.all where api.group == group {
                var row = "| `\(api.name)` |"
                for (_, d) in drivers { row += await api.isImplemented(by: d) ? " yes |" : " — |" }
                out += row + "\n"
            }
        }
        for (_, d) in drivers { await d.connectClose() }
        return out
    }
}
