@testable import Convert
import Foundation
import Testing

/// The probe cache's own file format (`ProbeCacheFile.swift`): what is written reads back
/// as the same entry, and anything else is a miss, never a wrong answer.
struct ProbeCacheFileTests {
    static let key = EmulatorProbe.BinaryKey(
        path: "/opt/qemu build/bin/qemu-system-x86_64", size: 18_397_984, inode: 16_236_570,
        mtimeNanoseconds: 1_779_741_869_123_456_789)

    static var full: EmulatorCapabilities {
        var caps = EmulatorCapabilities(
            version: QemuVersion(7, 2, 22), flags: [.json, .blockdev, .accel, .device],
            machines: ["pc-i440fx-7.2", "pc", "q35", "microvm"], defaultMachine: "pc-i440fx-7.2",
            devices: ["virtio-blk-pci", "e1000", "isa-debugcon"])
        caps.machineAliases = ["pc": "pc-i440fx-7.2", "q35": "pc-q35-7.2"]
        caps.cpuModels = [.init(name: "Broadwell-v4", vendor: "Intel"), .init(name: "486", vendor: "unknown")]
        return caps
    }

    func reread(_ caps: EmulatorCapabilities) throws -> EmulatorProbe.CacheEntry? {
        let text = try #require(EmulatorProbe.CacheEntry(key: Self.key, capabilities: caps).serialized())
        return EmulatorProbe.CacheEntry(serialized: Array(text.utf8))
    }

    @Test func everyFieldReadsBackAsWritten() throws {
        let entry = EmulatorProbe.CacheEntry(key: Self.key, capabilities: Self.full)
        #expect(try reread(Self.full) == entry)
        // Optional parts left out stay left out, empty lists stay empty.
        let bare = EmulatorCapabilities(version: QemuVersion(0, 10), flags: [])
        #expect(try reread(bare)?.capabilities == bare)
        var emptyAliases = bare
        emptyAliases.machineAliases = [:]
        emptyAliases.cpuModels = []
        #expect(try reread(emptyAliases)?.capabilities == emptyAliases)
    }

    @Test func theRealEmulatorsProbeReadsBackAsWritten() async throws {
        let binary = "/usr/bin/qemu-system-x86_64"
        guard FileManager.default.isExecutableFile(atPath: binary) else { return }
        let caps = try await EmulatorProbe.probe(binary)
        #expect(caps.devices.count > 100 && (caps.cpuModels?.count ?? 0) > 10)
        #expect(try reread(caps)?.capabilities == caps)
    }

    @Test func valuesThatWouldReadBackOtherwiseAreNotWritten() {
        func writable(_ change: (inout EmulatorCapabilities) -> Void) -> Bool {
            var caps = Self.full
            change(&caps)
            return EmulatorProbe.CacheEntry(key: Self.key, capabilities: caps).serialized() != nil
        }
        #expect(writable { _ in })
        #expect(!writable { $0.machines.append("two words") })
        #expect(!writable { $0.devices.insert("") })
        #expect(!writable { $0.defaultMachine = "a\nflags" })
        #expect(!writable { $0.machineAliases?["a=b"] = "pc" })
        #expect(!writable { $0.cpuModels?.append(.init(name: "x:y", vendor: "AMD")) })
        #expect(!writable { $0.cpuModels?.append(.init(name: "x", vendor: "Some Vendor")) })
    }

    @Test func anythingElseIsAMiss() throws {
        let text = try #require(EmulatorProbe.CacheEntry(key: Self.key, capabilities: Self.full).serialized())
        func reads(_ t: String) -> Bool { EmulatorProbe.CacheEntry(serialized: Array(t.utf8)) != nil }
        #expect(reads(text))
        // A file cut anywhere short of its end.
        for cut in stride(from: 0, to: text.utf8.count - 1, by: 7) {
            #expect(!reads(String(decoding: Array(text.utf8).prefix(cut), as: UTF8.self)), "cut at \(cut) read")
        }
        #expect(!reads(text.replacingOccurrences(of: "virtkit-probe 1", with: "virtkit-probe 2")))
        #expect(!reads(text.replacingOccurrences(of: "flags ", with: "flags teleport ")))
        #expect(!reads(text.replacingOccurrences(of: "version 7.2.22", with: "version seven")))
        #expect(!reads(text.replacingOccurrences(of: "binary 18397984", with: "binary lots")))
        #expect(!reads(text + "devices e1000\n"))
        #expect(!reads(#"{"capabilities":{},"key":{}}"#))
    }

    /// A cache file in another format (the JSON of earlier builds) or torn is probed afresh
    /// and rewritten, never trusted.
    @Test func aFileItCannotReadIsProbedAgain() async throws {
        let binary = "/usr/bin/qemu-system-x86_64"
        guard FileManager.default.isExecutableFile(atPath: binary) else { return }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("virtkit-probefile-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        // An earlier build's JSON entry for the same binary goes when the new one is written.
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let key = try EmulatorProbe.BinaryKey(path: binary)
        let old = dir.appendingPathComponent("qemu-\(key.digest).json")
        try Data(#"{"capabilities":{},"key":{}}"#.utf8).write(to: old)
        let fresh = try await EmulatorProbe.capabilities(of: binary, cacheDirectory: dir.path)
        #expect(!FileManager.default.fileExists(atPath: old.path))
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: dir.path).first)
        let file = dir.appendingPathComponent(name)
        #expect(name.hasSuffix(".probe"))
        let good = try Data(contentsOf: file)
        try Data("virtkit-probe 1\nversion 99.0.0\n".utf8).write(to: file)
        #expect(try await EmulatorProbe.capabilities(of: binary, cacheDirectory: dir.path) == fresh)
        #expect(try Data(contentsOf: file) == good)
    }
}
