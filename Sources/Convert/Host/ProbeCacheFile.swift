import Foundation

/// The probe cache's file: one line per field, words separated by single spaces.
///
///     virtkit-probe 1
///     binary SIZE INODE MTIME-NS PATH
///     version MAJOR.MINOR.MICRO
///     flags FLAG…
///     machines NAME…
///     default-machine NAME
///     devices NAME…
///     aliases ALIAS=MACHINE…
///     cpu-models NAME:VENDOR…
///     end
///
/// Not JSON: every `start` and `domxml-to-native` reads this file, and JSONDecoder spent
/// 1.0–1.2 ms on it, most of it the Swift runtime's first look at each Codable type of the
/// entry (`perf`), against 0.1–0.2 ms for this. `default-machine`, `aliases` and
/// `cpu-models` are left out when unknown. A value that could not be read back as written
/// (a space, `=` or `:` where they separate, a line break) makes the entry unwritable:
/// QEMU names none so, and a probe not cached is only slower.
extension EmulatorProbe.CacheEntry {
    static let magic = "virtkit-probe 1"

    /// The file's text, or nil when a value cannot be written unambiguously.
    func serialized() -> String? {
        let caps = capabilities
        /// `NAME WORD…` (just `NAME` for no words); nil when a word is empty or holds a
        /// space, a line break or `extra`, which would read back as something else.
        func field(_ name: String, _ values: [String], forbidding extra: Character? = nil) -> String? {
            for v in values where v.isEmpty || v.contains(where: { $0 == " " || $0.isNewline || $0 == extra }) {
                return nil
            }
            return ([name] + values).joined(separator: " ")
        }
        guard !key.path.contains(where: \.isNewline),
            let flags = field("flags", caps.flags.map(\.rawValue).sorted()),
            let machines = field("machines", caps.machines),
            let devices = field("devices", caps.devices.sorted())
        else { return nil }
        var lines = [
            Self.magic,
            "binary \(key.size) \(key.inode) \(key.mtimeNanoseconds) \(key.path)",
            "version \(caps.version.major).\(caps.version.minor).\(caps.version.micro)",
            flags, machines,
        ]
        if let m = caps.defaultMachine {
            guard let line = field("default-machine", [m]) else { return nil }
            lines.append(line)
        }
        lines.append(devices)
        if let aliases = caps.machineAliases {
            let sorted = aliases.sorted { $0.key < $1.key }
            guard field("", sorted.map(\.key), forbidding: "=") != nil,
                let line = field("aliases", sorted.map { "\($0.key)=\($0.value)" })
            else { return nil }
            lines.append(line)
        }
        if let cpus = caps.cpuModels {
            guard field("", cpus.map(\.name), forbidding: ":") != nil,
                let line = field("cpu-models", cpus.map { "\($0.name):\($0.vendor)" })
            else { return nil }
            lines.append(line)
        }
        lines.append("end")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Reads a file `serialized()` wrote; nil for anything else (another format, an older
    /// version of this one, a flag this build does not know, a torn file).
    init?(serialized bytes: [UInt8]) {
        var fields: [String: ArraySlice<UInt8>] = [:]
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)[...]
        // The first line names the format, the last two are `end` and the empty rest after
        // its newline: a file cut short anywhere lacks them.
        guard lines.popFirst()?.elementsEqual(Self.magic.utf8) == true, lines.popLast()?.isEmpty == true,
            lines.popLast()?.elementsEqual("end".utf8) == true
        else { return nil }
        for line in lines {
            let space = line.firstIndex(of: UInt8(ascii: " ")) ?? line.endIndex
            let name = String(decoding: line[..<space], as: UTF8.self)
            guard fields[name] == nil else { return nil }
            fields[name] = space < line.endIndex ? line[(space + 1)...] : []
        }

        func words(_ name: String) -> [String]? {
            fields[name].map { $0.split(separator: UInt8(ascii: " ")).map { String(decoding: $0, as: UTF8.self) } }
        }
        func number<N: FixedWidthInteger>(_ word: ArraySlice<UInt8>) -> N? {
            N(String(decoding: word, as: UTF8.self))
        }

        guard let binary = fields["binary"] else { return nil }
        let parts = binary.split(separator: UInt8(ascii: " "), maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4, let size: UInt64 = number(parts[0]), let inode: UInt64 = number(parts[1]),
            let mtime: Int64 = number(parts[2]), !parts[3].isEmpty
        else { return nil }
        let key = EmulatorProbe.BinaryKey(
            path: String(decoding: parts[3], as: UTF8.self), size: size, inode: inode, mtimeNanoseconds: mtime)

        guard let versionText = words("version")?.first, let version = QemuVersion(versionText),
            let flagNames = words("flags"), let machines = words("machines"), let devices = words("devices")
        else { return nil }
        var flags: Set<QemuFlag> = []
        for name in flagNames {
            guard let flag = QemuFlag(rawValue: name) else { return nil }
            flags.insert(flag)
        }
        var caps = EmulatorCapabilities(
            version: version, flags: flags, machines: machines, defaultMachine: words("default-machine")?.first,
            devices: Set(devices))
        if let pairs = words("aliases") {
            var aliases: [String: String] = [:]
            for pair in pairs {
                guard let eq = pair.firstIndex(of: "=") else { return nil }
                aliases[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
            }
            caps.machineAliases = aliases
        }
        if let models = words("cpu-models") {
            var cpus: [EmulatorCapabilities.CPUModel] = []
            for model in models {
                guard let colon = model.firstIndex(of: ":") else { return nil }
                cpus.append(.init(name: String(model[..<colon]), vendor: String(model[model.index(after: colon)...])))
            }
            caps.cpuModels = cpus
        }
        self.init(key: key, capabilities: caps)
    }
}
