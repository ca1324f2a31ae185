import Foundation
import Schema
import TestSupport
import Testing

/// Everything in the seeds' documents and the conformance corpus is modelled by a type, not
/// merely carried: decoding leaves nothing in `unknown`.
@Suite struct ModelCoverageTests {
    static let documents: [URL] =
        Fixtures.files(in: Fixtures.fixtures.appendingPathComponent("seeds"), suffix: ".xml")
        + (Fixtures.hasConformance ? Fixtures.files(in: Fixtures.conformance, suffix: ".xml") : [])

    @Test(arguments: documents)
    func everyElementAndAttributeIsTyped(_ url: URL) throws {
        let doc = try XMLDocument.parse(Fixtures.read(url), fileName: url.path)
        let untyped: [String]
        switch doc.root.name {
        case "domain":
            var d = try Domain.decodeRoot(doc)
            d.unknown.namespaceDeclarations = []  // xmlns:qemu is structure, not content
            untyped = ModelCoverage.untyped(in: d)
        case "capabilities": untyped = ModelCoverage.untyped(in: try Capabilities.decodeRoot(doc))
        default: untyped = ModelCoverage.untyped(in: try Network.decodeRoot(doc))
        }
        #expect(untyped.isEmpty, "\(Fixtures.relative(url)): \(untyped)")
    }
}
