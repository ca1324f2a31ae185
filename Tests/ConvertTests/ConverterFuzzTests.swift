import Foundation
import Testing

@testable import Convert
import Schema
import TestSupport

/// Damaged inputs, made from every fixture (and libvirt's corpus when it is beside the
/// repository) by a seeded generator, so a failure reproduces. Whatever a converter does
/// with them, it must not trap, and what it accepts must come out valid: from-native output
/// passes the domain schema, and to-native output of a valid domain reads back. Found so far
/// this way: a trap on `unit=-10`, a trap on more than 64 online vCPUs, XML with control
/// characters, and invalid domains printed as if fine.
@Suite struct ConverterFuzzTests {
    /// A fixed seed, so CI runs the same inputs every time. To explore further:
    /// `VIRTKIT_FUZZ_SEED=N VIRTKIT_FUZZ_ROUNDS=M swift test --filter ConverterFuzz`.
    static let seed: UInt64 = ProcessInfo.processInfo.environment["VIRTKIT_FUZZ_SEED"].flatMap { UInt64($0) }
        ?? 0x5EED_2026
    static let rounds = ProcessInfo.processInfo.environment["VIRTKIT_FUZZ_ROUNDS"].flatMap { Int($0) } ?? 3000

    struct Source: Sendable {
        let format: String
        let url: URL
        let toNative: Bool
    }

    static let sources: [Source] = {
        var found: [Source] = []
        let roots = [Fixtures.fixtures] + (Fixtures.hasConformance ? [Fixtures.conformance] : [])
        let kinds: [(String, String)] = [
            ("xen-sxpr", ".sexpr"), ("xen-xm", ".cfg"), ("xen-xl", ".cfg"), ("qemu-argv", ".args"),
        ]
        for root in roots {
            for (format, ext) in kinds {
                let dir = root.appendingPathComponent(format)
                let skip = ["/malformed/", "/unwritable/", "/invalid/", "/golden/"]
                for url in Fixtures.files(in: dir, suffix: ext) where !skip.contains(where: url.path.contains) {
                    found.append(Source(format: format, url: url, toNative: false))
                }
                for url in Fixtures.files(in: dir, suffix: ".xml") where !skip.contains(where: url.path.contains) {
                    found.append(Source(format: format, url: url, toNative: true))
                }
            }
        }
        return found
    }()

    typealias Generator = SplitMix64

    static let fragments: [String] = [
        "(", ")", "'", "\"", "[", "]", ",", "=", "\\", "\n", "\u{0}", "\u{1}", "-", ":", "<", ">", "&", "/",
        "\"\"\"", "#", " ", "0", "-1", "65", "70000", "2147483648", "4294967296", "9223372036854775808",
        "18446744073709551615", "99999999999999999999999", "-drive", "file=", "unit=", "<disk>", "</devices>",
    ]

    /// One to four edits: cut a span, insert a fragment, overwrite a byte, truncate, or swap
    /// a number for an extreme one.
    static func mutate(_ bytes: [UInt8], _ g: inout Generator) -> [UInt8] {
        var data = bytes
        for _ in 0..<Int.random(in: 1...4, using: &g) {
            let at = Int.random(in: 0...data.count, using: &g)
            switch Int.random(in: 0..<10, using: &g) {
            case 0, 1, 2:
                data.removeSubrange(at..<min(data.count, at + Int.random(in: 1...20, using: &g)))
            case 3, 4, 5:
                data.insert(contentsOf: Array(fragments.randomElement(using: &g)!.utf8), at: at)
            case 6 where !data.isEmpty:
                data[min(at, data.count - 1)] = UInt8.random(in: 0...255, using: &g)
            case 7:
                data.removeSubrange(at...)
            default:
                // Numbers are where arithmetic traps hide: replace the next run of digits.
                guard let start = data[at...].firstIndex(where: { (0x30...0x39).contains($0) }) else { continue }
                let end = data[start...].firstIndex { !(0x30...0x39).contains($0) } ?? data.count
                let extreme = ["0", "-1", "64", "65", "65536", "4294967296", "18446744073709551615"]
                data.replaceSubrange(start..<end, with: Array(extreme.randomElement(using: &g)!.utf8))
            }
        }
        return data
    }

    @Test func damagedInputsNeitherTrapNorComeOutInvalid() async throws {
        let validator = Validator(schemaDirectory: Fixtures.schemas.path)
        var g = Generator(seed: Self.seed)
        var accepted = 0
        var refused = 0
        for round in 0..<Self.rounds {
            let source = Self.sources.randomElement(using: &g)!
            let input = Self.mutate(Array(try Data(contentsOf: source.url)), &g)
            let label = "round \(round): \(Fixtures.relative(source.url)) mutated"
            let format = try #require(NativeFormats.named(source.format))
            var options = ConversionOptions(environment: ["HOME": "/home/test", "USER": "test", "LOGNAME": "test"])
            options.emulatorVersion = "7.2.0"
            if source.toNative {
                guard (try? validator.validate(input, fileName: "in"))?.allSatisfy({ $0.severity == .warning }) == true,
                    let doc = try? XMLDocument.parse(input, fileName: "in"), let domain = try? Domain.decodeRoot(doc)
                else {
                    refused += 1
                    continue
                }
                guard let native = try? await format.write(domain, fileName: "in", options: options).text else {
                    refused += 1
                    continue
                }
                accepted += 1
                do {
                    let back = try await format.read(native, fileName: "out", options: options)
                    _ = try ConversionGate.domainXML(back.domain, native: native, fileName: "out", validator: validator)
                } catch {
                    Issue.record("\(label): to-native wrote what does not read back: \(error)\n\(native)\n\(String(decoding: input, as: UTF8.self))")
                }
            } else {
                guard let text = try? NativeText.decode(input, fileName: "in"),
                    let read = try? await format.read(text, fileName: "in", options: options)
                else {
                    refused += 1
                    continue
                }
                do {
                    _ = try ConversionGate.domainXML(read.domain, native: text, fileName: "in", validator: validator)
                    accepted += 1
                } catch {
                    // The gate's refusal is the CLI's answer; it must name the input file.
                    #expect(error.description.hasPrefix("in:"), "\(label): \(error)")
                    refused += 1
                }
            }
        }
        // Mutations that change nothing that matters are common; both outcomes must occur,
        // or the generator is not exercising anything.
        #expect(accepted > Self.rounds / 10 && refused > Self.rounds / 10, "accepted \(accepted), refused \(refused)")
        print("fuzz: \(Self.rounds) damaged inputs from \(Self.sources.count) files: \(accepted) accepted, \(refused) refused")
    }
}
