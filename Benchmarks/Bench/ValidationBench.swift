import Convert
import Foundation
import Schema

/// Validating a repository of configs: in process, as one CLI call, and against
/// virt-xml-validate run per file; the emulator probe cold and cached.
enum ValidationBench {
    static func run(binary: String, root: URL, copies: Int) async throws {
        var corpus = Bench.files(root.appendingPathComponent("Tests/fixtures"), ".xml")
        let shared = root.deletingLastPathComponent().appendingPathComponent("shared/conformance")
        corpus += Bench.files(shared, ".xml")
        corpus = corpus.filter { (try? String(contentsOf: $0, encoding: .utf8))?.contains("<domain") ?? false }
        let documents = Array(repeating: corpus, count: copies).flatMap { $0 }
        print("corpus: \(documents.count) domain documents (\(corpus.count) distinct × \(copies))")

        let validator = Validator(schemaDirectory: root.appendingPathComponent("schemas").path)
        let bytes = documents.map { Array((try? Data(contentsOf: $0)) ?? Data()) }
        _ = try validator.validate(bytes[0], fileName: "warm-up")
        var invalid = 0
        let inProcess = try Measure.seconds {
            for (i, b) in bytes.enumerated() {
                if try validator.validate(b, fileName: documents[i].path).contains(where: { $0.severity == .error }) {
                    invalid += 1
                }
            }
        }
        print(String(format: "validate, in process:      %.3f s  (%.0f documents/s, %d invalid)", inProcess,
            Double(documents.count) / inProcess, invalid))

        if FileManager.default.isExecutableFile(atPath: binary) {
            let cli = Measure.seconds { Measure.run(binary, ["validate", "-q"] + documents.map(\.path)) }
            print(String(format: "virtkit validate (1 call):  %.3f s", cli))
            let oracle = "/usr/bin/virt-xml-validate"
            if FileManager.default.isExecutableFile(atPath: oracle) {
                let sample = Array(documents.prefix(100))
                let perFile = Measure.seconds { for d in sample { Measure.run(oracle, [d.path, "domain"]) } } / Double(sample.count)
                let estimate = perFile * Double(documents.count)
                print(String(format: "virt-xml-validate per file: %.3f s  (%.1f ms/file × %d files, from a 100-file sample)",
                    estimate, perFile * 1000, documents.count))
                print(String(format: "speed-up:                   %.0f×", estimate / cli))
            }
        }

        if FileManager.default.isExecutableFile(atPath: binary) { scaling(binary: binary) }

        let qemu = "/usr/bin/qemu-system-x86_64"
        if FileManager.default.isExecutableFile(atPath: qemu) {
            let cache = FileManager.default.temporaryDirectory.appendingPathComponent("virtkit-bench-\(getpid())").path
            defer { try? FileManager.default.removeItem(atPath: cache) }
            let cold = try await Measure.milliseconds { _ = try await EmulatorProbe.capabilities(of: qemu, cacheDirectory: cache) }
            var warm = Double.infinity
            for _ in 0..<20 {
                warm = min(warm, try await Measure.milliseconds {
                    _ = try await EmulatorProbe.capabilities(of: qemu, cacheDirectory: cache)
                })
            }
            print(String(format: "qemu probe: cold %.1f ms, cached %.2f ms", cold, warm))
        }
    }

    /// Validation time and peak memory against document size: domains with N disks, one
    /// `virtkit validate` process each (goal: linear; 300,000 devices ≤ 10 s, peak memory
    /// ≤ 10× the document).
    static func scaling(binary: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("virtkit-bench-scale-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for n in [1_000, 10_000, 100_000, 300_000] {
            var xml = "<domain type='kvm'>\n  <name>scale</name>\n  <memory unit='MiB'>64</memory>\n"
            xml += "  <os>\n    <type arch='x86_64'>hvm</type>\n  </os>\n  <devices>\n"
            xml.reserveCapacity(n * 130)
            for i in 0..<n {
                xml += "    <disk type='file' device='disk'><source file='/var/lib/virtkit/images/\(i).img'/>"
                xml += "<target dev='\(DiskNames.name("vd", i))' bus='virtio'/></disk>\n"
            }
            xml += "  </devices>\n</domain>\n"
            let file = dir.appendingPathComponent("scale-\(n).xml")
            try? xml.write(to: file, atomically: false, encoding: .utf8)
            var status: Int32 = 0
            let seconds = Measure.seconds { status = Measure.run(binary, ["validate", "-q", file.path]) }
            var usage = rusage()
            getrusage(RUSAGE_CHILDREN.rawValue, &usage)
            let peak = Double(usage.ru_maxrss) * 1024
            let size = Double(xml.utf8.count)
            print(String(format: "validate %7d disks (%5.1f MB): %6.2f s, peak %6.0f MB (%4.1f× the document)%@", n,
                size / 1e6, seconds, peak / 1e6, peak / size, status == 0 ? "" : " — FAILED (exit \(status))"))
        }
    }
}
