import Foundation
import Testing

@testable import Convert
import Schema
import TestSupport

/// Debian's libvirt as an outside oracle for the readers: every domain read from a native
/// file (our fixtures and libvirt's corpus) must pass libvirt's own schema, not only ours.
/// One xmllint call over all of them, with the grammar virt-xml-validate uses.
@Suite(.enabled(if: LibvirtSchemaOracle.available,
    "xmllint or libvirt's schemas (/usr/share/libvirt/schemas) are not installed"))
struct LibvirtAcceptsConversionsTests {
    static let libvirtDomainSchema = LibvirtSchemaOracle.domainSchema

    static func nativeInputs() -> [(format: String, url: URL)] {
        var found: [(String, URL)] = []
        let roots = [Fixtures.fixtures] + (Fixtures.hasConformance ? [Fixtures.conformance] : [])
        for root in roots {
            for (format, ext) in [("xen-sxpr", ".sexpr"), ("xen-xm", ".cfg"), ("xen-xl", ".cfg"), ("qemu-argv", ".args")] {
                let dir = root.appendingPathComponent(format)
                for url in Fixtures.files(in: dir, suffix: ext) where !url.path.contains("/malformed/") && !url.path.contains("/golden/") {
                    found.append((format, url))
                }
            }
        }
        return found
    }

    @Test func everyDomainReadFromANativeFilePassesLibvirtsSchema() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("virtkit-oracle-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var written: [String] = []
        for (i, input) in Self.nativeInputs().enumerated() {
            let format = try #require(NativeFormats.named(input.format))
            let text = try String(contentsOf: input.url, encoding: .utf8)
            // Inputs a reader refuses are other tests' business; here, what it accepts.
            guard let conversion = try? await format.read(text, fileName: input.url.path, options: ConversionOptions())
            else { continue }
            let out = dir.appendingPathComponent("\(i)-\(input.url.lastPathComponent).xml")
            try conversion.domain.formatted().write(to: out, atomically: true, encoding: .utf8)
            written.append(out.path)
        }
        #expect(written.count >= 30, "only \(written.count) conversions to check")

        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/xmllint")
        p.arguments = ["--noout", "--nonet", "--relaxng", Self.libvirtDomainSchema] + written
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let messages = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let refused = messages.split(separator: "\n").filter { !$0.hasSuffix(" validates") }
        #expect(p.terminationStatus == 0, "libvirt's schema refuses:\n\(refused.prefix(20).joined(separator: "\n"))")
    }
}

enum LibvirtSchemaOracle {
    static let domainSchema = "/usr/share/libvirt/schemas/domain.rng"
    static var available: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/xmllint")
            && FileManager.default.fileExists(atPath: domainSchema)
    }
}
