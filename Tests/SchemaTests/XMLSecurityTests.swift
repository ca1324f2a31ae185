import Foundation
import Schema
import Testing

/// The parser must refuse DTD tricks outright and say where malformed input breaks.
@Suite struct XMLSecurityTests {
    @Test func externalEntityIsRefused() throws {
        let secret = FileManager.default.temporaryDirectory.appendingPathComponent("virtkit-xxe-secret-\(UUID().uuidString)")
        try "TOPSECRET".write(to: secret, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: secret) }
        let doc = """
            <?xml version="1.0"?>
            <!DOCTYPE domain [ <!ENTITY xxe SYSTEM "file://\(secret.path)"> ]>
            <domain type='kvm'><name>&xxe;</name></domain>
            """
        let error = #expect(throws: Diagnostic.self) { try XMLDocument.parse(doc, fileName: "xxe.xml") }
        #expect(error?.line == 2)
        #expect(error?.message.contains("DOCTYPE") == true)
        #expect(error?.description.hasPrefix("xxe.xml:2:") == true)
    }

    @Test func billionLaughsIsRefused() {
        var entities = "<!ENTITY lol \"lol\">\n"
        for i in 1...9 {
            let prev = i == 1 ? "lol" : "lol\(i - 1)"
            entities += "<!ENTITY lol\(i) \"" + String(repeating: "&\(prev);", count: 10) + "\">\n"
        }
        let doc = "<?xml version='1.0'?>\n<!DOCTYPE domain [\n\(entities)]>\n<domain type='kvm'><name>&lol9;</name></domain>"
        let error = #expect(throws: Diagnostic.self) { try XMLDocument.parse(doc, fileName: "lol.xml") }
        #expect(error?.message.contains("DOCTYPE") == true)
    }

    @Test func externalDTDIsNotFetched() {
        let doc = "<!DOCTYPE domain SYSTEM \"http://127.0.0.1:9/evil.dtd\">\n<domain type='kvm'/>"
        #expect(throws: Diagnostic.self) { try XMLDocument.parse(doc, fileName: "dtd.xml") }
    }

    @Test func malformedXMLNamesTheLine() {
        let doc = "<domain type='kvm'>\n  <name>x</name>\n  <memory>1</memry>\n</domain>\n"
        let error = #expect(throws: Diagnostic.self) { try XMLDocument.parse(doc, fileName: "bad.xml") }
        #expect(error?.line == 3)
        #expect(error?.file == "bad.xml")
    }

    @Test func undefinedEntityIsAnError() {
        let doc = "<domain type='kvm'><name>&nope;</name></domain>"
        #expect(throws: Diagnostic.self) { try XMLDocument.parse(doc, fileName: "ent.xml") }
    }

    @Test func emptyInputIsAnError() {
        let error = #expect(throws: Diagnostic.self) { try XMLDocument.parse("", fileName: "empty.xml") }
        #expect(error?.message.isEmpty == false)
    }

    @Test func predefinedEntitiesAndLinesSurvive() throws {
        let doc = try XMLDocument.parse("<domain type='kvm'>\n\n  <name>a&amp;b</name>\n</domain>", fileName: "-")
        let name = try #require(doc.root.element(named: "name"))
        #expect(name.text == "a&b")
        #expect(name.line == 3)
    }
}
