import Convert
import Foundation
import Schema
import TestSupport
import Testing

/// Every fixture through to-native → from-native, for every format (and each QEMU
/// dialect): any fact of the document that does not come back must be named in a warning
/// (`line N: element NAME: …`) — the writer's own or the read-back check's. Facts are
/// compared here raw (element path, attribute, value), independently of `DomainFacts`; the
/// only differences let through are spellings of the same thing, listed below.
@Suite struct NothingLostWithoutAWordTests {
    struct Raw: Hashable {
        var path: String
        var key: String
        var value: String
    }

    /// Raw facts of a tree, each with the line and name of its element.
    static func facts(_ root: XMLElement) -> [Raw: (line: Int, element: String)] {
        var out: [Raw: (line: Int, element: String)] = [:]
        func walk(_ e: XMLElement, _ path: String) {
            for a in e.attributes { out[Raw(path: path, key: a.name, value: a.value)] = (e.line, e.name) }
            let text = e.text.trimmingCharacters(in: .whitespacesAndNewlines)
            if e.elements.isEmpty && !text.isEmpty { out[Raw(path: path, key: "#text", value: text)] = (e.line, e.name) }
            if e.elements.isEmpty && text.isEmpty && e.attributes.isEmpty {
                out[Raw(path: path, key: "#present", value: "")] = (e.line, e.name)
            }
            for c in e.elements { walk(c, path + "/" + c.name) }
        }
        walk(root, root.name)
        return out
    }

    /// The same fact spelled another way on the way back, not a loss: memory in other
    /// units, the boot order as the `<os>` list or per device, `sync` for `offset`, a MAC
    /// address in the other case, a value libvirt assumes when none is given (static vCPU
    /// placement, raw disk images), and what exists only while a guest runs (its id,
    /// device aliases).
    static func isRespelling(_ f: Raw, comesBack back: [Raw: (line: Int, element: String)]) -> Bool {
        if f.path.hasSuffix("/mac") && f.key == "address" {
            return back.keys.contains { $0.path == f.path && $0.key == "address" && $0.value.lowercased() == f.value.lowercased() }
        }
        if f == Raw(path: "domain/vcpu", key: "placement", value: "static") { return true }
        if f == Raw(path: "domain/devices/disk/driver", key: "type", value: "raw") { return true }
        let memory = ["domain/memory", "domain/currentMemory", "domain/maxMemory"]
        if memory.contains(f.path) && (f.key == "unit" || f.key == "#text") { return true }
        if f.path == "domain/os/boot" || (f.path.hasSuffix("/boot") && f.key == "order") { return true }
        if f.path == "domain/clock" && f.key == "sync" { return true }
        if f.path == "domain" && (f.key == "id" || f.key.hasPrefix("xmlns")) { return true }
        return f.path.hasSuffix("/alias")
    }

    /// Checks one document with one format; returns how many facts were lost (with a word).
    static func check(_ url: URL, _ format: any NativeFormat, _ options: ConversionOptions, label: String) async throws -> Int {
        let source = try XMLDocument.parse(Fixtures.read(url), fileName: url.path).root
        let domain = Domain(element: source)
        let config: NativeConfig
        do {
            config = try await format.writeAccountingForLosses(domain, source: source, fileName: url.path, options: options)
        } catch {
            return 0  // a refusal, which the converter tests hold to its reasons
        }
        let back = try await format.read(config.text, fileName: "-", options: options).domain
        let backFacts = facts(try XMLDocument.parse(back.formatted(), fileName: "-").root)
        var lost = 0
        for (fact, origin) in facts(source) where backFacts[fact] == nil && !isRespelling(fact, comesBack: backFacts) {
            lost += 1
            let place = "line \(origin.line): element \(origin.element):"
            if !config.warnings.contains(where: { $0.hasPrefix(place) }) {
                Issue.record("\(Fixtures.relative(url)) \(label): \(fact.path) \(fact.key)='\(fact.value)' lost without a word (warnings: \(config.warnings))")
            }
        }
        return lost
    }

    static func xml(_ folder: String) -> [URL] {
        Fixtures.files(in: Fixtures.fixtures.appendingPathComponent(folder), suffix: ".xml")
            + (Fixtures.hasConformance ? Fixtures.files(in: Fixtures.conformance.appendingPathComponent(folder), suffix: ".xml") : [])
    }

    static func isDomain(_ url: URL) -> Bool {
        (try? XMLDocument.parse(Fixtures.read(url), fileName: url.path))?.root.name == "domain"
    }

    @Test(arguments: ["7.2.0", "1.5.0", "0.10.0"])
    func qemuArgv(_ version: String) async throws {
        var lost = 0
        for url in QemuArgvRoundTripTests.fixtures where Self.isDomain(url) {
            lost += try await Self.check(url, QemuArgvFormat(), ConversionOptions(emulatorVersion: version), label: "@\(version)")
        }
        // Losses occur (a NIC on a libvirt network comes back as its bridge), so the
        // warnings were really needed.
        #expect(lost > 0)
    }

    @Test(arguments: ["xen-sxpr", "xen-xm", "xen-xl"])
    func xen(_ name: String) async throws {
        let format = try #require(NativeFormats.named(name))
        var lost = 0, checked = 0
        for url in Self.xml(name) where Self.isDomain(url) {
            lost += try await Self.check(url, format, ConversionOptions(), label: name)
            checked += 1
        }
        #expect(checked > 0)
        #expect(lost > 0)
    }
}
