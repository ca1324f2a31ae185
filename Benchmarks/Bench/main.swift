import Convert
import Foundation
import Schema

// virtkit-bench: the speed claims of the README, measured. Run from the repository root:
//     swift build -c release --static-swift-stdlib && .build/release/virtkit-bench [--copies N]
// It reports; it does not fail. Targets are in the README and the closing notes.

let args = CommandLine.arguments
let copies = args.firstIndex(of: "--copies").flatMap { Int(args[$0 + 1]) } ?? 2
let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)

func files(_ dir: URL, _ suffix: String) -> [URL] {
    guard let e = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil) else { return [] }
    return e.compactMap { $0 as? URL }.filter { $0.lastPathComponent.hasSuffix(suffix) }
        .filter { !$0.path.contains("/invalid/") && !$0.path.contains("/unwritable/") && !$0.path.contains("/malformed/") }
        .sorted { $0.path < $1.path }
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func run(_ path: String, _ arguments: [String]) -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = arguments
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try? p.run()
    p.waitUntilExit()
    return p.terminationStatus
}

// A CI repository of configs: every domain document we have, `copies` times over.
var corpus = files(root.appendingPathComponent("Tests/fixtures"), ".xml")
let shared = root.deletingLastPathComponent().appendingPathComponent("shared/conformance")
corpus += files(shared, ".xml")
corpus = corpus.filter { (try? String(contentsOf: $0, encoding: .utf8))?.contains("<domain") ?? false }
let documents = Array(repeating: corpus, count: copies).flatMap { $0 }
print("corpus: \(documents.count) domain documents (\(corpus.count) distinct × \(copies))")

// 1. In-process: one compiled schema, every document parsed, validated and checked.
let validator = Validator(schemaDirectory: root.appendingPathComponent("schemas").path)
let bytes = documents.map { Array((try? Data(contentsOf: $0)) ?? Data()) }
_ = try validator.validate(bytes[0], fileName: "warm-up")
var invalid = 0
let inProcess = try seconds {
    for (i, b) in bytes.enumerated() {
        if try validator.validate(b, fileName: documents[i].path).contains(where: { $0.severity == .error }) {
            invalid += 1
        }
    }
}
print(String(format: "validate, in process:      %.3f s  (%.0f documents/s, %d invalid)", inProcess,
    Double(documents.count) / inProcess, invalid))

// 2. The CLI, as CI would call it: one process for all files.
let binary = root.appendingPathComponent(".build/release/virtkit").path
if FileManager.default.isExecutableFile(atPath: binary) {
    let cli = seconds { _ = run(binary, ["validate", "-q"] + documents.map(\.path)) }
    print(String(format: "virtkit validate (1 call):  %.3f s", cli))

    // 3. virt-xml-validate, one process per file, as people script it.
    let oracle = "/usr/bin/virt-xml-validate"
    if FileManager.default.isExecutableFile(atPath: oracle) {
        let sample = Array(documents.prefix(100))
        let perFile = seconds { for d in sample { _ = run(oracle, [d.path, "domain"]) } } / Double(sample.count)
        let estimate = perFile * Double(documents.count)
        print(String(format: "virt-xml-validate per file: %.3f s  (%.1f ms/file × %d files, from a 100-file sample)",
            estimate, perFile * 1000, documents.count))
        print(String(format: "speed-up:                   %.0f×", estimate / cli))
    }
} else {
    print("(build the release binary for the CLI comparison: swift build -c release)")
}

// 4. Emulator probe: first call runs QEMU four times; a repeat reads the on-disk cache.
let qemu = "/usr/bin/qemu-system-x86_64"
if FileManager.default.isExecutableFile(atPath: qemu) {
    let cache = FileManager.default.temporaryDirectory.appendingPathComponent("virtkit-bench-\(getpid())").path
    defer { try? FileManager.default.removeItem(atPath: cache) }
    let cold = try await { () async throws -> Double in
        let start = DispatchTime.now().uptimeNanoseconds
        _ = try await EmulatorProbe.capabilities(of: qemu, cacheDirectory: cache)
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    }()
    var warm = Double.infinity
    for _ in 0..<20 {
        let start = DispatchTime.now().uptimeNanoseconds
        _ = try await EmulatorProbe.capabilities(of: qemu, cacheDirectory: cache)
        warm = min(warm, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    print(String(format: "qemu probe: cold %.1f ms, cached %.2f ms", cold, warm))
}

// 5. One conversion as a user runs it: a whole CLI process, schema checks included (the
// input of domxml-to-native and the output of domxml-from-native are validated).
if FileManager.default.isExecutableFile(atPath: binary) {
    let xm = root.appendingPathComponent("Tests/fixtures/xen-xm/pairs")
    if let cfg = files(xm, ".cfg").first {
        let xml = cfg.deletingPathExtension().appendingPathExtension("xml")
        func median(_ arguments: [String]) -> Double {
            var times: [Double] = []
            for _ in 0..<20 { times.append(seconds { _ = run(binary, arguments) } * 1000) }
            return times.sorted()[times.count / 2]
        }
        let from = median(["domxml-from-native", "xen-xm", cfg.path])
        let to = median(["domxml-to-native", "xen-xm", xml.path])
        print(String(format: "CLI conversion (median of 20): from-native %.1f ms, to-native %.1f ms", from, to))
    }
}
