import Foundation
import Schema
import TestSupport
import Testing

/// `virtkit normalize`: canonical text on stdout, or an atomic in-place rewrite.
@Suite struct NormalizeCommandTests {
    func temp(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("virtkit-norm-\(UUID().uuidString).xml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func printsLibvirtFormatting() throws {
        let r = try VirtKitCLI.run(["normalize", "-"], stdin: "<domain type=\"kvm\"><uuid>4dea22b31d52d8f32516782e98ab3fa0</uuid><name>n</name></domain>")
        #expect(r.status == 0)
        #expect(r.stdout == "<domain type='kvm'>\n  <name>n</name>\n  <uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid>\n</domain>\n")
    }

    @Test func inPlaceRewritesAtomically() throws {
        let url = try temp("<network><name>n</name><bridge name=\"virbr9\"/></network>")
        defer { try? FileManager.default.removeItem(at: url) }
        let r = try VirtKitCLI.run(["normalize", "-i", url.path])
        #expect(r.status == 0)
        #expect(Fixtures.read(url) == "<network>\n  <name>n</name>\n  <bridge name='virbr9'/>\n</network>\n")
        // No temporary file is left behind in the folder.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path)
            .filter { $0.hasPrefix("." + url.lastPathComponent) }
        #expect(leftovers.isEmpty)
    }

    @Test func badInputChangesNothingOnDisk() throws {
        let original = "<domain type='kvm'><name>x</name>\n<oops></domain>"
        let url = try temp(original)
        defer { try? FileManager.default.removeItem(at: url) }
        let r = try VirtKitCLI.run(["normalize", "-i", url.path])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("\(url.path):2:"))
        #expect(Fixtures.read(url) == original)
    }

    @Test func unknownRootIsRefused() throws {
        let r = try VirtKitCLI.run(["normalize", "-"], stdin: "<secret/>")
        #expect(r.status == 1)
    }
}
