import Foundation
import Schema
import TestSupport
import Testing

/// The grammar large domains are checked with (`LargeDomainGrammar`) must give every
/// document the plain grammar's verdict: it restates `<devices>` for libxml2's sake only.
@Suite struct LargeDomainGrammarTests {
    let validator = Validator(schemaDirectory: Fixtures.schemas.path)

    static let domains: [URL] =
        (Fixtures.files(in: Fixtures.fixtures, suffix: ".xml")
        + (Fixtures.hasConformance ? Fixtures.files(in: Fixtures.conformance, suffix: ".xml") : []))
        .filter { (try? XMLDocument.parse(Fixtures.read($0), fileName: $0.path))?.root.name == "domain" }

    @Test func everyDomainDocumentGetsTheSameVerdictFromBothGrammars() throws {
        #expect(Self.domains.count > 300, "only \(Self.domains.count) domain documents")
        let plain = try validator.schema(.domain)
        let large = try validator.largeDomainSchema()
        var valid = 0
        for url in Self.domains {
            let doc = try XMLDocument.parse(Fixtures.read(url), fileName: url.path)
            let a = plain.validate(doc), b = large.validate(doc)
            #expect(a.isEmpty == b.isEmpty, "\(Fixtures.relative(url)): plain \(a.first?.description ?? "valid"), large \(b.first?.description ?? "valid")")
            if a.isEmpty { valid += 1 }
        }
        // Both verdicts occur, so agreement means something.
        #expect(valid > 100 && valid < Self.domains.count, "\(valid) of \(Self.domains.count) valid")
    }

    /// Many devices, with the singletons anywhere among them, at most once each.
    func domain(devices: Int, extra: String = "") -> [UInt8] {
        var xml = "<domain type='kvm'><name>many</name><memory>65536</memory><os><type arch='x86_64'>hvm</type></os><devices>"
        for i in 0..<devices {
            if i == devices / 2 { xml += "<emulator>/usr/bin/qemu-system-x86_64</emulator><memballoon model='none'/>" + extra }
            xml += "<serial type='pty'><target port='\(i % 4)'/></serial>"
        }
        return Array((xml + "</devices></domain>").utf8)
    }

    @Test func aLargeDomainIsCheckedAsStrictlyAsASmallOne() throws {
        let n = Validator.largeDomainDevices + 100
        let good = try validator.validate(domain(devices: n), fileName: "many.xml").filter { $0.severity == .error }
        #expect(good.isEmpty, "\(good.prefix(3))")
        for extra in ["<emulator>/usr/bin/qemu-kvm</emulator>", "<memballoon model='virtio'/>", "<bogus/>"] {
            let bad = try validator.validate(domain(devices: n, extra: extra), fileName: "many.xml")
            #expect(bad.contains { $0.severity == .error && $0.line > 0 }, "\(extra): \(bad.prefix(3))")
        }
    }
}
