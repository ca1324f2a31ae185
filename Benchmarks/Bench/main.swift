import Foundation

// virtkit-bench: the speed claims of the README, measured. Run from the repository root:
//     swift build -c release --static-swift-stdlib && .build/release/virtkit-bench [SECTION…]
// Sections: validate, convert, start (default: all). `--copies N` sizes the validation
// corpus, `--rounds N` the repeated measurements. It reports; it does not fail.

enum Bench {
    static func files(_ dir: URL, _ suffix: String) -> [URL] {
        guard let e = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil) else { return [] }
        return e.compactMap { $0 as? URL }.filter { $0.lastPathComponent.hasSuffix(suffix) }
            .filter { !$0.path.contains("/invalid/") && !$0.path.contains("/unwritable/") && !$0.path.contains("/malformed/") }
            .sorted { $0.path < $1.path }
    }
}

let args = Array(CommandLine.arguments.dropFirst())
func option(_ name: String) -> Int? { args.firstIndex(of: name).flatMap { $0 + 1 < args.count ? Int(args[$0 + 1]) : nil } }
let copies = option("--copies") ?? 2
let rounds = option("--rounds") ?? 20
let sections = Set(args.filter { !$0.hasPrefix("--") && Int($0) == nil })
func wanted(_ s: String) -> Bool { sections.isEmpty || sections.contains(s) }
let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
let binary = root.appendingPathComponent(".build/release/virtkit").path

print("machine: \(ProcessInfo.processInfo.activeProcessorCount) CPUs, "
    + "\(ProcessInfo.processInfo.physicalMemory >> 30) GiB, \(ProcessInfo.processInfo.operatingSystemVersionString)")
if wanted("validate") { try await ValidationBench.run(binary: binary, root: root, copies: copies) }
if wanted("convert") { await ConversionBench.run(binary: binary, root: root, rounds: rounds) }
if wanted("start") { await StartBench.run(binary: binary, rounds: rounds) }
