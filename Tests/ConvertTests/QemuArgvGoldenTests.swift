import Convert
import Foundation
import Schema
import TestSupport
import Testing

/// The command line written for every QEMU fixture in each dialect, kept as a golden file
/// (`golden/NAME.0.10.args`, `NAME.1.5.args`, `NAME.7.2.args` beside the fixture: a header
/// naming the emulator version, then the argv, or the error the dialect must refuse with),
/// so a change's effect on every command line shows in its diff. `VIRTKIT_REGENERATE=1`
/// rewrites them from the current builder; review the diff before committing it.
@Suite struct QemuArgvGoldenTests {
    static let dialects: [(suffix: String, version: String)] = [("0.10", "0.10.0"), ("1.5", "1.5.0"), ("7.2", "7.2.0")]

    static let fixtures: [URL] =
        Fixtures.files(in: Fixtures.fixtures.appendingPathComponent("qemu-argv"), suffix: ".xml")
        + Fixtures.files(in: Fixtures.fixtures.appendingPathComponent("seeds/domain"), suffix: ".xml").filter {
            (try? Domain.parse(Fixtures.read($0)))?.type.map { [.qemu, .kvm].contains($0) } ?? false
        }

    /// Clocks that start from a chosen moment count from this one (2023-11-14T22:13:20Z).
    static let startTime = 1_700_000_000

    static var regenerate: Bool { ProcessInfo.processInfo.environment["VIRTKIT_REGENERATE"] == "1" }

    static func goldenURL(_ fixture: URL, _ suffix: String) -> URL {
        let name = fixture.deletingPathExtension().lastPathComponent
        return fixture.deletingLastPathComponent().appendingPathComponent("golden/\(name).\(suffix).args")
    }

    /// What the builder makes of the fixture for one emulator version, as the golden file
    /// holds it: one option and its value per line (as libvirt's own `.args` files), so a
    /// change shows as the lines it touches.
    static func render(_ domain: Domain, fileName: String, version: String) async -> String {
        var text = "# qemu-argv for QEMU \(version)\n"
        do {
            var builder = QemuArgvBuilder(
                capabilities: EmulatorCapabilities.profile(for: QemuVersion(version)!), fileName: fileName)
            builder.startTime = startTime
            let line = try builder.build(domain)
            var rows = [(line.environment.map { "\($0.name)=" + ShellWords.quote($0.value) } + [ShellWords.quote(line.binary)])
                .joined(separator: " ")]
            for arg in line.arguments.map(ShellWords.quote) {
                if arg.hasPrefix("-") || rows.count == 1 { rows.append(arg) } else { rows[rows.count - 1] += " " + arg }
            }
            text += rows.joined(separator: " \\\n") + "\n"
            for w in line.warnings { text += "# warning: \(w)\n" }
        } catch {
            text += "# error: \(error)\n"
        }
        return text
    }

    /// The golden text is the command line the format writes, reflowed.
    @Test func goldenLayoutIsTheFormatsOutput() async throws {
        let url = try #require(Self.fixtures.first)
        let domain = try Domain.parse(Fixtures.read(url))
        var options = ConversionOptions(emulatorVersion: "7.2.0")
        options.startTime = Self.startTime
        let written = try await QemuArgvFormat().write(domain, fileName: url.lastPathComponent, options: options).text
        let golden = await Self.render(domain, fileName: url.lastPathComponent, version: "7.2.0")
        let body = golden.split(separator: "\n").filter { !$0.hasPrefix("#") }.joined(separator: "\n")
        #expect(body.replacingOccurrences(of: " \\\n", with: " ") == written)
    }

    @Test(arguments: fixtures)
    func commandLineEqualsItsGoldenFile(_ url: URL) async throws {
        let domain = try Domain.parse(Fixtures.read(url), fileName: url.lastPathComponent)
        for (suffix, version) in Self.dialects {
            let golden = Self.goldenURL(url, suffix)
            // The file name in diagnostics is the fixture's own, so the files do not depend on
            // where the repository is checked out.
            let got = await Self.render(domain, fileName: url.lastPathComponent, version: version)
            if Self.regenerate {
                try FileManager.default.createDirectory(
                    at: golden.deletingLastPathComponent(), withIntermediateDirectories: true)
                try got.write(to: golden, atomically: true, encoding: .utf8)
                continue
            }
            guard let want = try? String(contentsOf: golden, encoding: .utf8) else {
                Issue.record("\(Fixtures.relative(golden)) is missing: run with VIRTKIT_REGENERATE=1 and review it")
                continue
            }
            if got != want {
                let a = want.split(separator: "\n", omittingEmptySubsequences: false)
                let b = got.split(separator: "\n", omittingEmptySubsequences: false)
                let first = Array(zip(a, b)).firstIndex { $0 != $1 } ?? min(a.count, b.count)
                Issue.record(
                    """
                    \(Fixtures.relative(golden)) differs at line \(first + 1):
                      golden: \(first < a.count ? String(a[first]) : "<end>")
                      now:    \(first < b.count ? String(b[first]) : "<end>")
                    (VIRTKIT_REGENERATE=1 rewrites the golden files)
                    """)
            }
        }
    }

    /// Every golden file belongs to a fixture and a dialect: none is left behind when a
    /// fixture is renamed or removed.
    @Test(.disabled(if: regenerate, "the golden files are being rewritten"))
    func noGoldenFileIsOrphaned() throws {
        let expected = Set(Self.fixtures.flatMap { f in Self.dialects.map { Self.goldenURL(f, $0.suffix).standardizedFileURL.path } })
        for folder in Set(Self.fixtures.map { $0.deletingLastPathComponent().appendingPathComponent("golden") }) {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            for url in names.filter({ $0.hasSuffix(".args") }).map(folder.appendingPathComponent)
            where !expected.contains(url.standardizedFileURL.path) {
                Issue.record("\(Fixtures.relative(url)) belongs to no fixture and dialect")
            }
        }
    }
}
