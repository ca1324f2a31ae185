import Schema

/// One native configuration format: a reader (native → Domain) and a writer
/// (Domain → native). Formats never talk to each other; every conversion meets in `Domain`.
public protocol NativeFormat: Sendable {
    /// The name used on the command line (`qemu-argv`, `xen-sxpr`…).
    static var name: String { get }

    /// Reads a native configuration. Malformed input throws a `Diagnostic` naming the file
    /// and line; things read but not representable are reported in `warnings`.
    nonisolated(nonsending) func read(_ text: String, fileName: String, options: ConversionOptions) async throws -> Conversion

    /// Writes a domain in the native format, with what the format could not carry as the
    /// XML has it (warnings are for the user: the CLI prints them, the runtime logs them).
    nonisolated(nonsending) func write(_ domain: Domain, fileName: String, options: ConversionOptions) async throws -> NativeConfig
}

/// A native configuration written from a domain, with the writer's warnings.
public struct NativeConfig: Sendable {
    public var text: String
    public var warnings: [String]

    public init(text: String, warnings: [String] = []) {
        self.text = text
        self.warnings = warnings
    }
}

/// A domain read from a native format, with what the reader could not map.
public struct Conversion: Sendable {
    public var domain: Domain
    public var warnings: [String]

    public init(domain: Domain, warnings: [String] = []) {
        self.domain = domain
        self.warnings = warnings
    }
}

/// Settings that the native text alone does not determine.
public struct ConversionOptions: Sendable {
    /// qemu-argv: the QEMU version to write for (`0.10.0`, `7.2.0`…) instead of probing the
    /// domain's emulator.
    public var emulatorVersion: String?
    /// qemu-argv: where probe results are cached (default `$XDG_CACHE_HOME/virtkit`).
    public var cacheDirectory: String?
    /// qemu-argv: the environment whose HOME/USER/LOGNAME the argv carries.
    public var environment: [String: String]
    /// qemu-argv: add a QMP monitor on this Unix socket (and start paused when `startPaused`),
    /// as a managing program runs QEMU.
    public var qmpSocket: String?
    public var startPaused: Bool = false
    /// xen-sxpr/xen-xm: the xend config format version of the host; nil takes the format's
    /// default (`XenSexprFormat.defaultConfigVersion`, `XenXMFormat.defaultConfigVersion`).
    public var xendConfigVersion: Int?
    /// qemu-argv: the moment the guest starts, in seconds since the epoch (default: now), for clocks that start from a
    /// chosen time (`<clock offset='variable' adjustment='N'/>` → `-rtc base=`), and the
    /// reference a read `-rtc base=` becomes an adjustment from.
    public var startTime: Int?

    public init(
        emulatorVersion: String? = nil, cacheDirectory: String? = nil,
        environment: [String: String] = [:], xendConfigVersion: Int? = nil
    ) {
        self.emulatorVersion = emulatorVersion
        self.cacheDirectory = cacheDirectory
        self.environment = environment
        self.xendConfigVersion = xendConfigVersion
    }
}

/// The registry the CLI and the tests use.
public enum NativeFormats {
    public static let all: [any NativeFormat] = [QemuArgvFormat(), XenSexprFormat(), XenXMFormat(), XenXLFormat()]

    public static var names: [String] { all.map { type(of: $0).name } }

    public static func named(_ name: String) -> (any NativeFormat)? {
        all.first { type(of: $0).name == name }
    }
}
