import Foundation
import Schema
import Subprocess

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// Learns what an emulator binary supports by running it (`-version`, `-help`,
/// `-machine help`, `-device help`), and caches the answer on disk keyed by the binary's
/// path, size, inode and modification time, so a repeat costs a file read.
public enum EmulatorProbe {
    public struct ProbeError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Capabilities of `binary`, from the cache when the binary has not changed since.
    public nonisolated(nonsending) static func capabilities(of binary: String, cacheDirectory: String?) async throws -> EmulatorCapabilities {
        let key = try BinaryKey(path: binary)
        let cacheFile = cacheDirectory.map { "\($0)/qemu-\(key.digest).probe" }
        if let cacheFile, let data = FileManager.default.contents(atPath: cacheFile),
            let entry = CacheEntry(serialized: Array(data)), entry.key == key, entry.capabilities.cpuModels != nil
        {
            return entry.capabilities
        }
        let caps = try await probe(binary)
        if let cacheDirectory, let cacheFile, let text = CacheEntry(key: key, capabilities: caps).serialized() {
            try? FileManager.default.createDirectory(atPath: cacheDirectory, withIntermediateDirectories: true)
            try? AtomicFile.write(text, to: cacheFile)
            // The JSON entry earlier builds kept for the same binary, now never read.
            unlink("\(cacheDirectory)/qemu-\(key.digest).json")
        }
        return caps
    }

    /// The default cache folder: `$XDG_CACHE_HOME/virtkit`, else `~/.cache/virtkit`.
    public static func defaultCacheDirectory(environment: [String: String]) -> String? {
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/virtkit" }
        if let home = environment["HOME"], !home.isEmpty { return home + "/.cache/virtkit" }
        return nil
    }

    static func probe(_ binary: String) async throws -> EmulatorCapabilities {
        let version = try await output(binary, ["-version"])
        let help = try await output(binary, ["-help"])
        let machines = (try? await output(binary, ["-machine", "help"])) ?? ""
        let devices = (try? await output(binary, ["-device", "help"])) ?? ""
        let cpus = (try? await output(binary, ["-cpu", "help"])) ?? ""
        guard var caps = parse(version: version, help: help, machineHelp: machines, deviceHelp: devices) else {
            throw ProbeError(description: "\(binary): cannot read a QEMU version from '-version'")
        }
        caps.cpuModels = parseCPUModels(cpus)
        return caps
    }

    /// Derives capabilities from the probe outputs; pure, so it can be tested on recorded text.
    public static func parse(version: String, help: String, machineHelp: String, deviceHelp: String)
        -> EmulatorCapabilities?
    {
        guard let range = version.range(of: "version ") else { return nil }
        let tail = version[range.upperBound...].prefix { !$0.isWhitespace }
        guard let v = QemuVersion(String(tail)) else { return nil }

        var options = Set<String>()
        for line in help.split(separator: "\n") where line.hasPrefix("-") {
            let name = line.prefix { !$0.isWhitespace }
            options.insert(String(name))
        }
        var flags: Set<QemuFlag> = []
        let byOption: [(String, QemuFlag)] = [
            ("-no-kqemu", .kqemu), ("-drive", .drive), ("-name", .name), ("-uuid", .uuid),
            ("-device", .device), ("-netdev", .netdev), ("-chardev", .chardev), ("-rtc", .rtc),
            ("-nodefaults", .nodefaults), ("-no-shutdown", .noShutdown), ("-no-hpet", .noHpet),
            ("-enable-kvm", .enableKVM), ("-vga", .vga), ("-usbdevice", .usbdeviceOption),
            ("-soundhw", .soundhw), ("-machine", .machine), ("-accel", .accel), ("-display", .display),
            ("-audiodev", .audiodev), ("-blockdev", .blockdev), ("-no-user-config", .noUserConfig),
        ]
        for (option, flag) in byOption where options.contains(option) { flags.insert(flag) }
        if help.contains("format=") { flags.insert(.driveFormat) }
        // Facts -help does not show: bootindex arrived in 0.13, JSON arguments for every
        // object option in 7.1, machine memory backends in 5.0.
        if flags.contains(.device) && v >= QemuVersion(0, 13) { flags.insert(.bootindex) }
        if flags.contains(.device) && v >= QemuVersion(7, 1) { flags.insert(.json) }
        if flags.contains(.machine) && v >= QemuVersion(5, 0) { flags.insert(.memoryBackend) }

        var machineNames: [String] = []
        var defaultMachine: String?
        var aliases: [String: String] = [:]
        for line in machineHelp.split(separator: "\n").dropFirst() {
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = words.first else { continue }
            machineNames.append(String(first))
            if line.contains("(default)") { defaultMachine = String(first) }
            if let r = line.range(of: "(alias of "), let close = line[r.upperBound...].firstIndex(of: ")") {
                aliases[String(first)] = String(line[r.upperBound..<close])
            }
        }
        var deviceNames = Set<String>()
        for line in deviceHelp.split(separator: "\n") {
            guard let open = line.range(of: "name \""), let close = line[open.upperBound...].firstIndex(of: "\"")
            else { continue }
            deviceNames.insert(String(line[open.upperBound..<close]))
        }
        var caps = EmulatorCapabilities(
            version: v, flags: flags, machines: machineNames, defaultMachine: defaultMachine, devices: deviceNames)
        caps.machineAliases = aliases
        return caps
    }

    /// CPU models from `-cpu help`: the second word of each `ARCH NAME DESCRIPTION` line up
    /// to the first blank line (the feature list follows it), without `host`, `max` and
    /// `base`. The vendor is read from the description, or from the model an alias stands
    /// for (`alias of X`, or `NAME-v1` when the machine type decides).
    public static func parseCPUModels(_ text: String) -> [EmulatorCapabilities.CPUModel] {
        var entries: [(name: String, description: String)] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropFirst() {
            if line.trimmingCharacters(in: .whitespaces).isEmpty { break }
            let words = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
            guard words.count >= 2 else { continue }
            let name = words[1].trimmingCharacters(in: CharacterSet(charactersIn: "'"))
            if ["host", "max", "base"].contains(name) { continue }
            entries.append((name, words.count > 2 ? String(words[2]) : ""))
        }
        let described = Dictionary(entries.map { ($0.name, $0.description) }, uniquingKeysWith: { a, _ in a })
        func vendor(_ name: String, depth: Int = 0) -> String {
            guard depth < 4, let d = described[name] else { return "unknown" }
            for v in ["Intel", "AMD", "Hygon", "Zhaoxin"] where d.contains(v) { return v }
            if let r = d.range(of: "(alias of "), let close = d[r.upperBound...].firstIndex(of: ")") {
                return vendor(String(d[r.upperBound..<close]), depth: depth + 1)
            }
            if d.contains("alias configured by machine type") { return vendor(name + "-v1", depth: depth + 1) }
            return "unknown"
        }
        return entries.map { EmulatorCapabilities.CPUModel(name: $0.name, vendor: vendor($0.name)) }
    }

    private static func output(_ binary: String, _ args: [String]) async throws -> String {
        let result = try await Subprocess.run(
            .path(FilePath(binary)), arguments: Arguments(args),
            environment: .inherit.updating(["LC_ALL": "C"]),
            output: .string(limit: 8 << 20), error: .discarded)
        guard result.terminationStatus.isSuccess else {
            throw ProbeError(description: "\(binary) \(args.joined(separator: " ")) failed: \(result.terminationStatus)")
        }
        return result.standardOutput
    }

    /// What the cache keeps for one binary (written as `ProbeCacheFile.swift` says).
    struct CacheEntry: Equatable {
        var key: BinaryKey
        var capabilities: EmulatorCapabilities
    }

    /// Identifies one build of a binary: a rebuilt or upgraded emulator gets a new key.
    struct BinaryKey: Equatable {
        var path: String
        var size: UInt64
        var inode: UInt64
        var mtimeNanoseconds: Int64

        init(path: String, size: UInt64, inode: UInt64, mtimeNanoseconds: Int64) {
            self.path = path
            self.size = size
            self.inode = inode
            self.mtimeNanoseconds = mtimeNanoseconds
        }

        init(path: String) throws {
            var st = stat()
            guard stat(path, &st) == 0 else {
                throw ProbeError(description: "\(path): \(errnoText())")
            }
            guard (st.st_mode & S_IFMT) == S_IFREG, access(path, X_OK) == 0 else {
                throw ProbeError(description: "\(path): not an executable file")
            }
            self.path = path
            size = UInt64(st.st_size)
            inode = UInt64(st.st_ino)
            mtimeNanoseconds = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        }

        /// A stable file name for the cache entry (FNV-1a of the path).
        var digest: String {
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in path.utf8 {
                h ^= UInt64(b)
                h = h &* 0x100_0000_01b3
            }
            return String(h, radix: 16)
        }
    }
}
