import Foundation
import Schema
import TestSupport
import Testing

/// Our RelaxNG schemas plus semantic checks, on every document we have.
@Suite struct ValidationTests {
    /// One per test: a Validator caches compiled grammars and is not shared across threads.
    let validator = Validator(schemaDirectory: Fixtures.schemas.path)

    static let validDocuments: [URL] =
        ["seeds/domain", "seeds/capabilities", "valid", "qemu-argv", "xen-sxpr", "xen-xm", "xen-xl", "warnings"]
        .flatMap { Fixtures.files(in: Fixtures.fixtures.appendingPathComponent($0), suffix: ".xml") }
        // Converter fixtures that are wrong on purpose (values no native format can carry).
        .filter { !$0.path.contains("/unwritable/") && !$0.path.contains("/malformed/") }
    static let invalidDocuments = Fixtures.files(in: Fixtures.fixtures.appendingPathComponent("invalid"), suffix: ".xml")
    static let warningDocuments = Fixtures.files(in: Fixtures.fixtures.appendingPathComponent("warnings"), suffix: ".xml")

    func errors(_ url: URL) throws -> [Diagnostic] {
        try validator.validate(Array(Fixtures.read(url).utf8), fileName: url.path).filter { $0.severity == .error }
    }

    @Test(arguments: validDocuments)
    func validDocumentValidates(_ url: URL) throws {
        let problems = try errors(url)
        #expect(problems.isEmpty, "\(Fixtures.relative(url)): \(problems)")
    }

    @Test(.enabled(if: Fixtures.hasConformance, "../shared/conformance is absent on this machine"),
        arguments: Fixtures.files(in: Fixtures.conformance, suffix: ".xml"))
    func conformanceDocumentValidates(_ url: URL) throws {
        let problems = try errors(url)
        #expect(problems.isEmpty, "\(Fixtures.relative(url)): \(problems)")
    }

    /// The seed printed a domain without a name; a name is required, so it is invalid.
    @Test func seedOutputWithoutNameIsInvalid() throws {
        let url = Fixtures.fixtures.appendingPathComponent("seeds/qemu-argv/demo.args.xml")
        let problems = try errors(url)
        #expect(problems.first?.line == 1 && problems.first?.element == "domain", "\(problems)")
        #expect(problems.first?.message.contains("name") == true)
    }

    /// Each invalid fixture states on its first line where the one defect is:
    /// `<!-- expect: line=N element=NAME reason=… -->`.
    @Test(arguments: invalidDocuments)
    func invalidDocumentIsRejectedAtItsDefect(_ url: URL) throws {
        let expected = try #require(Self.expectation(url, key: "expect"), "no expect comment")
        let problems = try errors(url)
        let first = try #require(problems.first, "\(Fixtures.relative(url)) was accepted")
        #expect(
            first.line == expected.line && first.element == expected.element,
            "\(Fixtures.relative(url)): got \(first), expected line \(expected.line) element \(expected.element)")
        #expect(first.file == url.path)
    }

    @Test(arguments: warningDocuments)
    func warningIsReportedButDocumentStaysValid(_ url: URL) throws {
        let expected = try #require(Self.expectation(url, key: "expect-warning"))
        let all = try validator.validate(Array(Fixtures.read(url).utf8), fileName: url.path)
        #expect(all.allSatisfy { $0.severity == .warning })
        #expect(all.contains { $0.line == expected.line && $0.element == expected.element }, "\(all)")
    }

    @Test func thereAreEnoughInvalidFixtures() {
        #expect(Self.invalidDocuments.count >= 40)
        let domain = Self.invalidDocuments.filter { $0.path.contains("/invalid/domain/") }
        #expect(domain.count >= 30)
    }

    @Test func unknownRootIsInvalid() throws {
        let problems = try validator.validate(Array("<pool type='dir'/>".utf8), fileName: "p.xml")
        #expect(problems.first?.message.contains("unknown root") == true)
    }

    @Test func forcedSchemaRejectsAnotherRoot() throws {
        let doc = try String(contentsOf: Fixtures.fixtures.appendingPathComponent("seeds/domain/qemu-demo-drvqemu.xml"), encoding: .utf8)
        #expect(try validator.validate(Array(doc.utf8), fileName: "d.xml", kind: .domain).isEmpty)
        #expect(try !validator.validate(Array(doc.utf8), fileName: "d.xml", kind: .network).isEmpty)
    }

    @Test func malformedXMLIsReportedNotThrown() throws {
        let problems = try validator.validate(Array("<domain type='kvm'>\n<name>x</nam>\n</domain>".utf8), fileName: "m.xml")
        #expect(problems.first?.line == 2)
    }

    static func expectation(_ url: URL, key: String) -> (line: Int, element: String)? {
        let first = Fixtures.read(url).split(separator: "\n").first.map(String.init) ?? ""
        guard first.contains("<!-- \(key): ") else { return nil }
        var line: Int?
        var element: String?
        for word in first.split(separator: " ") {
            if word.hasPrefix("line=") { line = Int(word.dropFirst(5)) }
            if word.hasPrefix("element=") { element = String(word.dropFirst(8)) }
        }
        guard let line, let element else { return nil }
        return (line, element)
    }
}

/// Debian's libvirt as an outside oracle: its virt-xml-validate must agree with ours on our
/// fixtures (bar the legacy forms we accept on purpose) and accept what normalize writes.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/virt-xml-validate"),
    "libvirt-clients (virt-xml-validate) is not installed"))
struct LibvirtOracleTests {
    func libvirtAccepts(_ path: String, kind: String) throws -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/virt-xml-validate")
        p.arguments = [path, kind]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus == 0
    }

    func kind(_ url: URL) -> String {
        url.path.contains("/network") ? "network" : url.path.contains("/capabilities") ? "capability" : "domain"
    }

    @Test(arguments: Fixtures.files(in: Fixtures.fixtures.appendingPathComponent("invalid"), suffix: ".xml")
        .filter { !$0.lastPathComponent.hasPrefix("semantic-") })
    func libvirtRejectsOurInvalidFixtures(_ url: URL) throws {
        #expect(try !libvirtAccepts(url.path, kind: kind(url)), "\(Fixtures.relative(url))")
    }

    /// Our own valid fixtures that use no legacy form libvirt 9 dropped.
    @Test(arguments: Fixtures.files(in: Fixtures.fixtures.appendingPathComponent("valid"), suffix: ".xml")
        .filter { !["xen-pv-pygrub.xml", "xen-host-legacy.xml"].contains($0.lastPathComponent) })
    func libvirtAcceptsOurValidFixtures(_ url: URL) throws {
        #expect(try libvirtAccepts(url.path, kind: kind(url)), "\(Fixtures.relative(url))")
    }

    /// What libvirt accepts before normalize, it accepts after.
    @Test(arguments: Fixtures.files(in: Fixtures.fixtures.appendingPathComponent("valid"), suffix: ".xml")
        + (Fixtures.hasConformance ? Fixtures.files(in: Fixtures.conformance, suffix: ".xml") : []))
    func normalizedOutputStaysValidForLibvirt(_ url: URL) throws {
        guard try libvirtAccepts(url.path, kind: kind(url)) else { return }
        let doc = try XMLDocument.parse(Fixtures.read(url), fileName: url.path)
        let text: String
        switch doc.root.name {
        case "domain": text = try Domain.decodeRoot(doc).formatted()
        case "network": text = try Network.decodeRoot(doc).formatted()
        default: text = try Capabilities.decodeRoot(doc).formatted()
        }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("virtkit-oracle-\(UUID().uuidString).xml")
        try text.write(to: out, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: out) }
        #expect(try libvirtAccepts(out.path, kind: kind(url)), "\(Fixtures.relative(url)) after normalize")
    }
}
