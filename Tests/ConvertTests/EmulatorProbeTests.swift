import Convert
import Foundation
import TestSupport
import Testing

/// Probing the host's real QEMU, and the on-disk cache that makes a repeat cheap.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/qemu-system-x86_64"),
    "qemu-system-x86_64 is not installed"))
struct EmulatorProbeTests {
    let binary = "/usr/bin/qemu-system-x86_64"

    func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("virtkit-probe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func probeFindsTheModernDialect() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let caps = try await EmulatorProbe.capabilities(of: binary, cacheDirectory: dir.path)
        #expect(caps.version >= QemuVersion(5, 0))
        for flag: QemuFlag in [.device, .netdev, .chardev, .machine, .accel, .blockdev, .audiodev, .drive, .uuid] {
            #expect(caps.has(flag), "missing \(flag)")
        }
        #expect(!caps.has(.kqemu))
        #expect(caps.machines.contains("pc"))
        #expect(caps.machines.contains("q35"))
        #expect(caps.hasDevice("virtio-blk-pci"))
        #expect(!caps.hasDevice("no-such-device-model"))
    }

    @Test func cacheIsUsedUntilTheBinaryChanges() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        // A private copy of the real emulator, so its mtime can change without touching /usr/bin.
        let copy = dir.appendingPathComponent("qemu-system-x86_64")
        try FileManager.default.copyItem(atPath: binary, toPath: copy.path)
        let cache = dir.appendingPathComponent("cache")
        // Other tests fork while the copy is written; a child may hold its write descriptor
        // for an instant, and exec then fails with ETXTBSY. Give it a moment.
        var first: EmulatorCapabilities?
        for _ in 0..<50 where first == nil {
            first = try? await EmulatorProbe.capabilities(of: copy.path, cacheDirectory: cache.path)
            if first == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        let firstCaps = try #require(first)
        let files = try FileManager.default.contentsOfDirectory(atPath: cache.path)
        #expect(files.count == 1)

        // Plant a different answer under the same key: a cache hit must return it unchanged.
        let entry = cache.appendingPathComponent(files[0])
        let text = try String(contentsOf: entry, encoding: .utf8)
        let versionLine = "\nversion \(firstCaps.version.major).\(firstCaps.version.minor).\(firstCaps.version.micro)\n"
        #expect(text.contains(versionLine))
        let planted = text.replacingOccurrences(of: versionLine, with: "\nversion 99.0.0\n")
        try planted.write(to: entry, atomically: true, encoding: .utf8)
        let cached = try await EmulatorProbe.capabilities(of: copy.path, cacheDirectory: cache.path)
        #expect(cached.version.major == 99)

        // A new mtime is a new binary: probed again, the planted answer is gone.
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(60)], ofItemAtPath: copy.path)
        let fresh = try await EmulatorProbe.capabilities(of: copy.path, cacheDirectory: cache.path)
        #expect(fresh.version == firstCaps.version)
    }

    @Test func recordedHelpOfAnOldQEMUGivesTheLegacyDialect() throws {
        let help = """
            QEMU PC emulator version 0.10.0, Copyright (c) 2003-2008 Fabrice Bellard
            usage: qemu [options] [disk_image]
            -M machine      select emulated machine (-M ? for list)
            -hda/-hdb file  use 'file' as IDE hard disk 0/1 image
            -drive [file=file][,if=type][,bus=n][,unit=m][,media=d][,index=i]
            -name string    set the name of the guest
            -no-kqemu       disable KQEMU kernel module usage
            -usbdevice name add the host or guest USB device 'name'
            """
        let caps = try #require(EmulatorProbe.parse(version: help, help: help, machineHelp: "", deviceHelp: ""))
        #expect(caps.version == QemuVersion(0, 10, 0))
        #expect(caps.has(.kqemu) && caps.has(.drive) && caps.has(.name))
        #expect(!caps.has(.device))
        #expect(caps.dialect == .legacy)
    }
}
