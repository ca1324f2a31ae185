import Foundation
import Testing

@testable import Convert
import Schema
import TestSupport

/// Fixture discovery and conversions shared by the Xen converter tests.
enum XenFixtures {
    static var conformanceRoot: URL { Fixtures.conformance }
    static var hasConformance: Bool { Fixtures.hasConformance }

    static func directory(_ format: String, _ sub: String) -> URL {
        Fixtures.fixtures.appendingPathComponent("\(format)/\(sub)")
    }

    /// Base names of the files ending in `.ext` in a folder, sorted.
    /// Fixture names in a folder; a missing or empty folder stops the run rather than
    /// giving a parameterized test zero cases.
    static func names(in dir: URL, ext: String) -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        let names = files.filter { $0.hasSuffix("." + ext) && !$0.hasSuffix(".out." + ext) }
            .map { String($0.dropLast(ext.count + 1)) }.sorted()
        if names.isEmpty { fatalError("fixture folder \(dir.path) is missing or holds no *.\(ext) files") }
        return names
    }

    static func names(_ format: String, _ sub: String, ext: String) -> [String] {
        names(in: directory(format, sub), ext: ext)
    }

    static func text(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

    static func format(named name: String) -> any NativeFormat {
        switch name {
        case "xen-sxpr": XenSexprFormat()
        case "xen-xm": XenXMFormat()
        default: XenXLFormat()
        }
    }

    /// Native text → formatted domain XML.
    static func fromNative(
        _ format: String, _ text: String, fileName: String = "test", options: ConversionOptions = ConversionOptions()
    ) async throws -> String {
        try await self.format(named: format).read(text, fileName: fileName, options: options).domain.formatted()
    }

    /// Domain XML → native text.
    static func toNative(
        _ format: String, _ xml: String, fileName: String = "test", options: ConversionOptions = ConversionOptions()
    ) async throws -> String {
        let domain = try Domain.parse(xml, fileName: fileName)
        return try await self.format(named: format).write(domain, fileName: fileName, options: options).text
    }

    /// `LINE<TAB>message fragment` expectations of the malformed and unwritable fixtures.
    static func expectation(_ url: URL) throws -> (line: Int, message: String) {
        let raw = try text(url).trimmingCharacters(in: .newlines)
        let parts = raw.split(separator: "\t", maxSplits: 1).map(String.init)
        return (Int(parts[0]) ?? -1, parts.count > 1 ? parts[1] : "")
    }

    static func trimmed(_ s: String) -> String {
        var s = Substring(s)
        while s.last == "\n" { s = s.dropLast() }
        return String(s)
    }
}

/// One conformance corpus folder and direction, with the scores virtkit is held to.
struct XenCorpus: CustomTestStringConvertible, Sendable {
    let folder: String
    let format: String
    let nativeExtension: String
    let toNative: Bool
    /// Floors under the measured score; see `XenConformanceTests` for why some sit below the
    /// issue's targets.
    let minimumMeanF1: Double
    let minimumExact: Int

    var testDescription: String { "\(folder) (\(toNative ? "to" : "from")-native)" }

    var directory: URL { XenFixtures.conformanceRoot.appendingPathComponent(folder) }

    /// Names that have both files of a pair.
    var pairs: [String] {
        XenFixtures.names(in: directory, ext: nativeExtension).filter {
            FileManager.default.fileExists(atPath: directory.appendingPathComponent($0 + ".xml").path)
        }
    }

    /// Converts one pair the scored way and returns its F1, or throws what the converter threw.
    func score(_ name: String) async throws -> Double {
        let xmlURL = directory.appendingPathComponent(name + ".xml")
        let nativeURL = directory.appendingPathComponent(name + "." + nativeExtension)
        if toNative {
            let out = try await XenFixtures.toNative(format, try XenFixtures.text(xmlURL), fileName: xmlURL.path)
            return Facts.f1(try Facts.native(format, try XenFixtures.text(nativeURL)), try Facts.native(format, out))
        }
        let out = try await XenFixtures.fromNative(format, try XenFixtures.text(nativeURL), fileName: nativeURL.path)
        return Facts.f1(try Facts.xml(try XenFixtures.text(xmlURL)), try Facts.xml(out))
    }
}

/// The checks every Xen format's fixtures go through.
enum XenChecks {
    /// `pairs/NAME.<ext>` reads to exactly `pairs/NAME.xml`, which writes to exactly
    /// `pairs/NAME.out.<ext>` when present, else back to `NAME.<ext>`.
    static func pair(_ format: String, ext: String, _ name: String) async throws {
        let dir = XenFixtures.directory(format, "pairs")
        let native = try XenFixtures.text(dir.appendingPathComponent("\(name).\(ext)"))
        let xml = try XenFixtures.text(dir.appendingPathComponent("\(name).xml"))
        let outURL = dir.appendingPathComponent("\(name).out.\(ext)")
        let expectedNative = FileManager.default.fileExists(atPath: outURL.path) ? try XenFixtures.text(outURL) : native
        let gotXML = try await XenFixtures.fromNative(format, native, fileName: name)
        #expect(gotXML == xml, "\(name).\(ext) → XML")
        let gotNative = try await XenFixtures.toNative(format, xml, fileName: name)
        #expect(XenFixtures.trimmed(gotNative) == XenFixtures.trimmed(expectedNative), "\(name).xml → \(ext)")
    }

    /// native → XML → native → XML → native: after the first pass (which drops runtime
    /// state such as a domain id, and fills in defaults) both sides stay the same, and the
    /// second XML says what the first did apart from that.
    static func roundTrip(_ format: String, _ url: URL) async throws {
        let n1 = try XenFixtures.text(url)
        let x1 = try await XenFixtures.fromNative(format, n1, fileName: url.lastPathComponent)
        let n2 = try await XenFixtures.toNative(format, x1)
        let x2 = try await XenFixtures.fromNative(format, n2)
        let n3 = try await XenFixtures.toNative(format, x2)
        let x3 = try await XenFixtures.fromNative(format, n3)
        #expect(n2 == n3, "native not stable for \(url.lastPathComponent)")
        #expect(x2 == x3, "XML not stable for \(url.lastPathComponent)")
        let kept = Facts.f1(try Facts.xml(x1), try Facts.xml(x2))
        #expect(kept >= 0.85, "first pass lost too much of \(url.lastPathComponent): F1 \(kept)")
        // Identity and size never change on the way.
        let d1 = try Domain.parse(x1), d2 = try Domain.parse(x2)
        #expect(d1.name == d2.name && d1.uuid == d2.uuid)
        #expect(d1.memory?.kibibytes == d2.memory?.kibibytes && d1.currentMemory?.kibibytes == d2.currentMemory?.kibibytes)
        #expect(d1.devices?.disks.count == d2.devices?.disks.count)
        #expect(d1.devices?.interfaces.count == d2.devices?.interfaces.count)
    }

    /// `malformed/NAME.<ext>` fails to read with a diagnostic at the expected line.
    static func malformed(_ format: String, ext: String, _ name: String) async throws {
        let dir = XenFixtures.directory(format, "malformed")
        let text = try XenFixtures.text(dir.appendingPathComponent("\(name).\(ext)"))
        let want = try XenFixtures.expectation(dir.appendingPathComponent("\(name).expect"))
        let fileName = "\(name).\(ext)"
        do {
            _ = try await XenFixtures.format(named: format).read(text, fileName: fileName, options: ConversionOptions())
            Issue.record("\(fileName) was read without error")
        } catch let d as Diagnostic {
            #expect(d.file == fileName)
            #expect(d.line == want.line, "\(d)")
            #expect(d.message.contains(want.message), "\(d)")
            #expect(d.description.hasPrefix("\(fileName):\(want.line): "))
        }
    }

    /// `unwritable/NAME.xml` is refused with a diagnostic at the expected line.
    static func unwritable(_ format: String, _ name: String) async throws {
        let dir = XenFixtures.directory(format, "unwritable")
        let xml = try XenFixtures.text(dir.appendingPathComponent("\(name).xml"))
        let want = try XenFixtures.expectation(dir.appendingPathComponent("\(name).expect"))
        let fileName = "\(name).xml"
        do {
            let out = try await XenFixtures.toNative(format, xml, fileName: fileName)
            Issue.record("\(fileName) was written: \(out)")
        } catch let d as Diagnostic {
            #expect(d.line == want.line, "\(d)")
            #expect(d.message.contains(want.message), "\(d)")
        }
    }

    /// Every pair of a conformance corpus converts and scores at least `floor`, and the corpus
    /// reaches its mean and exact-pair floors.
    static func corpus(_ c: XenCorpus, pairFloor: Double = 0.6) async throws {
        let names = c.pairs
        try #require(!names.isEmpty, "no pairs in \(c.folder)")
        var total = 0.0
        var exact = 0
        for name in names {
            let f1: Double
            do {
                f1 = try await c.score(name)
            } catch {
                Issue.record("\(name): \(error)")
                continue
            }
            #expect(f1 >= pairFloor, "\(name) scores \(f1)")
            total += f1
            if f1 >= 0.9999 { exact += 1 }
        }
        let mean = total / Double(names.count)
        #expect(mean >= c.minimumMeanF1, "\(c.testDescription): mean F1 \(mean)")
        #expect(exact >= c.minimumExact, "\(c.testDescription): \(exact) exact pairs")
    }

    /// Native files of the conformance corpus for `format`, for the stability check.
    static func conformanceNatives(_ folders: [String], ext: String) -> [URL] {
        guard XenFixtures.hasConformance else { return [] }
        return folders.flatMap { folder -> [URL] in
            let dir = XenFixtures.conformanceRoot.appendingPathComponent(folder)
            return XenFixtures.names(in: dir, ext: ext).map { dir.appendingPathComponent("\($0).\(ext)") }
        }
    }
}
