/// A QEMU version, as `-version` prints it.
public struct QemuVersion: Comparable, Codable, Sendable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public var micro: Int

    public init(_ major: Int, _ minor: Int, _ micro: Int = 0) {
        self.major = major
        self.minor = minor
        self.micro = micro
    }

    /// Parses `7.2.0`, `0.10`, `8.2.2` (extra text after the numbers is ignored).
    public init?(_ text: String) {
        let numbers = text.split(separator: ".", maxSplits: 2).map { part in
            Int(part.prefix { $0.isNumber })
        }
        guard numbers.count >= 2, let a = numbers[0], let b = numbers[1] else { return nil }
        self.init(a, b, numbers.count > 2 ? numbers[2] ?? 0 : 0)
    }

    public static func < (a: QemuVersion, b: QemuVersion) -> Bool {
        (a.major, a.minor, a.micro) < (b.major, b.minor, b.micro)
    }

    public var description: String { "\(major).\(minor).\(micro)" }
}

/// What an emulator's command line understands. Derived from a probe of the binary, or from
/// a built-in profile when the binary is not on this host.
public enum QemuFlag: String, Codable, CaseIterable, Sendable {
    /// `-no-kqemu` (QEMU 0.9–0.11 with the kqemu accelerator compiled in).
    case kqemu
    /// `-drive`; without it disks are `-hda`/`-cdrom`/`-fda`.
    case drive
    /// `format=` inside `-drive`.
    case driveFormat
    case name
    case uuid
    /// `-device`, `-netdev`, `-chardev` and `-mon`: the 0.12 generation.
    case device
    case netdev
    case chardev
    /// `-rtc base=…`; before it `-localtime`.
    case rtc
    case nodefaults
    case noShutdown
    case noHpet
    case enableKVM
    case vga
    case usbdeviceOption
    case soundhw
    /// `-machine TYPE,prop=…`.
    case machine
    /// `-accel kvm|tcg`.
    case accel
    /// `-display none|sdl|…`.
    case display
    /// `-audiodev`.
    case audiodev
    /// `-blockdev` node graphs.
    case blockdev
    /// `bootindex=` on devices.
    case bootindex
    /// JSON for `-device`, `-netdev`, `-object` and `-blockdev`.
    case json
    /// `-machine …,memory-backend=` with `-object memory-backend-ram`.
    case memoryBackend
    /// `-no-user-config`.
    case noUserConfig
}

/// The capabilities of one emulator binary.
public struct EmulatorCapabilities: Codable, Sendable, Equatable {
    public var version: QemuVersion
    public var flags: Set<QemuFlag>
    /// Machine types, the default first when known.
    public var machines: [String]
    public var defaultMachine: String?
    /// Device models `-device help` lists (empty for profiles: then all are assumed).
    public var devices: Set<String>
    /// Machine aliases and what they stand for (`pc` → `pc-i440fx-7.2`); nil in profiles and
    /// in caches written before it was probed.
    public var machineAliases: [String: String]?
    /// CPU models `-cpu help` lists (without `host`/`max`); nil when not probed.
    public var cpuModels: [CPUModel]?

    /// One guest CPU model and who makes the CPU it copies (`Intel`, `AMD`, or `unknown`).
    public struct CPUModel: Codable, Sendable, Equatable {
        public var name: String
        public var vendor: String
        public init(name: String, vendor: String) {
            self.name = name
            self.vendor = vendor
        }
    }

    public init(
        version: QemuVersion, flags: Set<QemuFlag>, machines: [String] = [], defaultMachine: String? = nil,
        devices: Set<String> = []
    ) {
        self.version = version
        self.flags = flags
        self.machines = machines
        self.defaultMachine = defaultMachine
        self.devices = devices
    }

    public func has(_ flag: QemuFlag) -> Bool { flags.contains(flag) }

    /// Whether `-device NAME` is known; profiles know nothing and assume yes.
    public func hasDevice(_ name: String) -> Bool { devices.isEmpty || devices.contains(name) }

    /// The generation of command line to write.
    public var dialect: Dialect {
        if has(.json) { return .modern }
        if has(.device) { return .device }
        return .legacy
    }

    public enum Dialect: Sendable {
        /// `-hda`/`-drive if=ide`, `-net nic`, `-serial pty`: QEMU before 0.12.
        case legacy
        /// `-drive if=none` + `-device`, `-netdev`, `-chardev`: 0.12 to 2.x.
        case device
        /// `-blockdev`, JSON `-device`, `-accel`, `-audiodev`: what QEMU 7 and 8 want.
        case modern
    }

    /// The built-in profile for a version, as the QEMU of that version behaved.
    public static func profile(for version: QemuVersion) -> EmulatorCapabilities {
        var f: Set<QemuFlag> = [.vga, .soundhw, .usbdeviceOption]
        if version >= QemuVersion(0, 9, 1) { f.insert(.drive) }
        if version >= QemuVersion(0, 9) { f.insert(.name) }
        // KVM was merged into QEMU for 0.10.
        if version >= QemuVersion(0, 10) { f.insert(.enableKVM) }
        if version >= QemuVersion(0, 9) && version < QemuVersion(0, 12) { f.insert(.kqemu) }
        if version >= QemuVersion(0, 11) { f.formUnion([.uuid, .driveFormat, .noHpet]) }
        if version >= QemuVersion(0, 12) {
            f.formUnion([.device, .netdev, .chardev, .rtc, .nodefaults, .noShutdown, .bootindex])
        }
        if version >= QemuVersion(1, 2) { f.formUnion([.machine, .display, .noUserConfig]) }
        if version >= QemuVersion(2, 10) { f.formUnion([.accel, .blockdev]) }
        if version >= QemuVersion(4, 0) { f.insert(.audiodev) }
        if version >= QemuVersion(5, 0) { f.insert(.memoryBackend) }
        if version >= QemuVersion(6, 0) { f.remove(.usbdeviceOption) }
        if version >= QemuVersion(7, 1) {
            f.insert(.json)
            f.remove(.soundhw)
        }
        if version >= QemuVersion(9, 0) { f.remove(.noHpet) }
        return EmulatorCapabilities(version: version, flags: f)
    }
}
