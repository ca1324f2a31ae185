import Foundation
import Schema
import TestSupport
import Testing

/// Large domains are validated as a stream (skeleton + batches of devices, see
/// `StreamingDomainCheck`); that must give every document the whole-document check's verdict
/// and the same semantic diagnostics.
@Suite struct StreamingValidationTests {
    let validator = Validator(schemaDirectory: Fixtures.schemas.path)

    static let domains: [URL] =
        (Fixtures.files(in: Fixtures.fixtures, suffix: ".xml")
        + (Fixtures.hasConformance ? Fixtures.files(in: Fixtures.conformance, suffix: ".xml") : []))
        .filter { (try? XMLDocument.parse(Fixtures.read($0), fileName: $0.path))?.root.name == "domain" }

    @Test func everyDomainDocumentGetsTheSameVerdictBothWays() throws {
        #expect(Self.domains.count > 300, "only \(Self.domains.count) domain documents")
        var valid = 0, warned = 0
        for url in Self.domains {
            let bytes = Array(Fixtures.read(url).utf8)
            let whole = try validator.validate(bytes, fileName: url.path, strategy: .whole)
            let streamed = try validator.validate(bytes, fileName: url.path, strategy: .streamed)
            let wholeErrors = whole.filter { $0.severity == .error }, streamedErrors = streamed.filter { $0.severity == .error }
            #expect(
                wholeErrors.isEmpty == streamedErrors.isEmpty,
                "\(Fixtures.relative(url)): whole \(wholeErrors.first?.description ?? "valid"), streamed \(streamedErrors.first?.description ?? "valid")")
            if wholeErrors.isEmpty {
                valid += 1
                // A valid document gets the same warnings (and semantic errors) either way.
                #expect(whole == streamed, "\(Fixtures.relative(url))")
                if !whole.isEmpty { warned += 1 }
            }
        }
        // Both verdicts occur, and some semantic diagnostics, so agreement means something.
        #expect(valid > 100 && valid < Self.domains.count, "\(valid) of \(Self.domains.count) valid")
        #expect(warned > 0, "no document had a semantic diagnostic")
    }

    /// Many devices, with the singletons anywhere among them, at most once each.
    func domain(devices: Int, extra: String = "", at position: Int? = nil) -> [UInt8] {
        var xml = "<domain type='kvm'>\n<name>many</name><memory>65536</memory><os><type arch='x86_64'>hvm</type><boot dev='network'/></os><devices>\n"
        for i in 0..<devices {
            if i == (position ?? devices / 2) { xml += "<emulator>/usr/bin/qemu-system-x86_64</emulator><memballoon model='none'/>" + extra + "\n" }
            xml += "<serial type='pty'><target port='\(i % 4)'/></serial>\n"
        }
        return Array((xml + "</devices></domain>").utf8)
    }

    @Test func aLargeDomainIsCheckedAsStrictlyAsASmallOne() throws {
        let n = 6 * 1_000 + 100  // several batches, and large enough to be streamed unasked
        #expect(domain(devices: n).count >= Validator.streamingBytes)
        let good = try validator.validate(domain(devices: n), fileName: "many.xml")
        #expect(good == [Diagnostic(file: "many.xml", line: 2, element: "boot",
            message: "boot device 'network' has no matching network interface in <devices>", severity: .warning)])
        let cases = [
            "<emulator>/usr/bin/qemu-kvm</emulator>", "<memballoon model='virtio'/>", "<bogus/>",
            "<disk type='file' device='disk'><target dev='vda' bus='virtio'/><bogus/></disk>", "stray text",
        ]
        for extra in cases {
            let bad = try validator.validate(domain(devices: n, extra: extra), fileName: "many.xml")
            let errors = bad.filter { $0.severity == .error }
            #expect(!errors.isEmpty && errors.allSatisfy { $0.line > 0 }, "\(extra): \(bad.prefix(3))")
        }
    }

    /// Duplicates across batches are still found: the semantic checks remember targets and
    /// MACs from earlier batches.
    @Test func duplicatesInDifferentBatchesAreFound() throws {
        var xml = "<domain type='kvm'><name>dup</name><memory>65536</memory><os><type arch='x86_64'>hvm</type></os><devices>\n"
        xml += "<disk type='file' device='disk'><source file='/a.img'/><target dev='vda' bus='virtio'/></disk>\n"
        for i in 0..<2_500 { xml += "<serial type='pty'><target port='\(i % 4)'/></serial>\n" }
        xml += "<disk type='file' device='disk'><source file='/b.img'/><target dev='vda' bus='virtio'/></disk>\n"
        xml += "</devices></domain>\n"
        let problems = try validator.validate(Array(xml.utf8), fileName: "dup.xml", strategy: .streamed)
        #expect(problems == [Diagnostic(file: "dup.xml", line: 2503, element: "target",
            message: "duplicate disk target 'vda' (first used on line 2)")])
    }

    /// A large document the stream does not take — a DOCTYPE, malformed XML, another root —
    /// is checked whole and refused in the usual words, with its line.
    @Test func largeDocumentsTheStreamDoesNotTakeAreRefusedAsUsual() throws {
        let body = String(decoding: domain(devices: 6_000), as: UTF8.self)
        let doctype = "<!DOCTYPE domain [<!ENTITY x 'y'>]>\n" + body
        let refused = try validator.validate(Array(doctype.utf8), fileName: "dtd.xml")
        #expect(refused.contains { $0.message.contains("DOCTYPE") }, "\(refused.prefix(2))")
        let truncated = String(body.dropLast(40))
        let broken = try validator.validate(Array(truncated.utf8), fileName: "broken.xml")
        #expect(broken.count == 1 && broken[0].line > 6_000, "\(broken)")
        let network = "<network><name>n</name>" + String(repeating: "<!-- padding -->", count: 20_000) + "</network>"
        #expect(try validator.validate(Array(network.utf8), fileName: "net.xml") == [])
    }
}
