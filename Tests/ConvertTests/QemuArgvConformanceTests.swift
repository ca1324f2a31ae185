import Convert
import Foundation
import Schema
import TestSupport
import Testing

/// libvirt's own argv → XML pairs (../shared/conformance/qemu-argv), scored like score.py.
@Suite(.enabled(if: Fixtures.hasConformance, "../shared/conformance is absent on this machine"))
struct QemuArgvConformanceTests {
    static let folder = Fixtures.conformance.appendingPathComponent("qemu-argv")
    static let pairs = Fixtures.files(in: folder, suffix: ".args")

    static func score(_ args: URL) async throws -> Double {
        let xml = args.deletingPathExtension().appendingPathExtension("xml")
        let result = try await QemuArgvFormat().read(Fixtures.read(args), fileName: args.path, options: ConversionOptions())
        return Facts.f1(try Facts.xml(Fixtures.read(xml)), try Facts.xml(result.domain.formatted()))
    }

    @Test(arguments: pairs)
    func pairConverts(_ args: URL) async throws {
        let f1 = try await Self.score(args)
        // Pairs differ by design in uuid/memory (see the corpus README) and in details of
        // the libvirt era that wrote them; anything below 0.85 is a real regression.
        #expect(f1 >= 0.85, "\(args.lastPathComponent): F1 \(f1)")
    }

    @Test func corpusMeetsTheTarget() async throws {
        var total = 0.0
        var exact = 0
        for args in Self.pairs {
            let f1 = try await Self.score(args)
            total += f1
            if f1 >= 0.9999 { exact += 1 }
        }
        let mean = total / Double(Self.pairs.count)
        #expect(Self.pairs.count == 68)
        #expect(mean >= 0.95, "mean F1 \(mean)")
        #expect(Double(exact) >= 0.70 * Double(Self.pairs.count), "\(exact) exact of \(Self.pairs.count)")
    }
}
