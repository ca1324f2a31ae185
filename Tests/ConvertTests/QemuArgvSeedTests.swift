import Convert
import Foundation
import Schema
import TestSupport
import Testing

/// The examples of libvirt's QEMU driver page (../shared/seeds/003_*), both directions.
@Suite struct QemuArgvSeedTests {
    let seeds = Fixtures.fixtures.appendingPathComponent("seeds/qemu-argv")

    @Test func demoXMLGivesTheSeedCommandLineByteForByte() async throws {
        let domain = try Domain.parse(Fixtures.read(seeds.appendingPathComponent("demo.xml")))
        let options = ConversionOptions(
            emulatorVersion: "0.10.0", environment: ["HOME": "/home/test", "USER": "test", "LOGNAME": "test"])
        let argv = try await QemuArgvFormat().write(domain, fileName: "demo.xml", options: options).text
        let expected = Fixtures.read(seeds.appendingPathComponent("demo.xml.args"))
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(argv == expected)
    }

    @Test func demoArgsGiveTheSeedDomain() async throws {
        let text = Fixtures.read(seeds.appendingPathComponent("demo.args"))
        let result = try await QemuArgvFormat().read(text, fileName: "demo.args", options: ConversionOptions())
        let expected = try Facts.xml(Fixtures.read(seeds.appendingPathComponent("demo.args.xml")))
        var got = try Facts.xml(result.domain.formatted())
        // The seed printed a zero UUID and no name; a fresh UUID and a generated name are ours.
        got = got.filter { !$0.key.hasPrefix("/domain/uuid") && !$0.key.hasPrefix("/domain/name") }
        let wanted = expected.filter { !$0.key.hasPrefix("/domain/uuid") }
        let missing = Facts.missing(wanted, from: got)
        #expect(missing.isEmpty, "missing \(missing)")
        #expect(result.domain.name?.isEmpty == false)
        #expect(result.domain.uuid != nil)
    }
}
