import Foundation
import Schema
import TestSupport
import Testing

/// `normalize` keeps every element, attribute and text of every document we have, and a
/// second pass changes nothing.
@Suite struct NormalizeTests {
    static let ownFixtures = ["seeds", "valid", "qemu-argv", "xen-sxpr", "xen-xm", "xen-xl"].flatMap {
        Fixtures.files(in: Fixtures.fixtures.appendingPathComponent($0), suffix: ".xml")
    }
    static let conformance = Fixtures.files(in: Fixtures.conformance, suffix: ".xml")

    @Test(arguments: ownFixtures)
    func ownFixtureIsLosslessAndIdempotent(_ url: URL) throws {
        try check(url)
    }

    @Test(.enabled(if: Fixtures.hasConformance, "../shared/conformance is absent on this machine"),
        arguments: conformance)
    func conformanceDocumentIsLosslessAndIdempotent(_ url: URL) throws {
        try check(url)
    }

    func check(_ url: URL) throws {
        let text = Fixtures.read(url)
        let doc = try XMLDocument.parse(text, fileName: url.path)
        let once: String
        switch doc.root.name {
        case "domain": once = try Domain.decodeRoot(doc).formatted()
        case "network": once = try Network.decodeRoot(doc).formatted()
        case "capabilities": once = try Capabilities.decodeRoot(doc).formatted()
        default:
            Issue.record("unexpected root \(doc.root.name) in \(Fixtures.relative(url))")
            return
        }
        let before = try Self.canonicalUUIDs(Facts.xml(text))
        let after = try Self.canonicalUUIDs(Facts.xml(once))
        #expect(
            before == after,
            "\(Fixtures.relative(url)): lost \(Facts.missing(before, from: after)), gained \(Facts.missing(after, from: before))")
        let twice = try XMLDocument.parse(once, fileName: "-")
        let again: String
        switch twice.root.name {
        case "domain": again = try Domain.decodeRoot(twice).formatted()
        case "network": again = try Network.decodeRoot(twice).formatted()
        default: again = try Capabilities.decodeRoot(twice).formatted()
        }
        #expect(again == once, "\(Fixtures.relative(url)) is not idempotent")
    }

    /// UUIDs are written dashed whatever the input: same value, so compare them canonically.
    static func canonicalUUIDs(_ bag: Facts.Bag) -> Facts.Bag {
        var out: Facts.Bag = [:]
        for (k, v) in bag {
            var key = k
            if let r = k.range(of: "/uuid#="), let u = UUIDValue(xmlValue: String(k[r.upperBound...])) {
                key = String(k[..<r.upperBound]) + u.xmlValue
            }
            out[key, default: 0] += v
        }
        return out
    }
}
