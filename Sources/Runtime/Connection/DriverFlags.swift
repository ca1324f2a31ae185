/// libvirt's flag words, with libvirt's bit values so the daemon passes them through as they
/// arrive. Every driver call checks its flags first and refuses bits it does not know, as
/// libvirt's drivers do (`unsupported flags (0x…) in function …`).
public protocol DriverFlagSet: OptionSet, Sendable where RawValue == UInt32 {}

extension DriverFlagSet {
    /// Throws unless every set bit is one of `allowed`.
    public static func check(_ raw: UInt32, allowed: Self, function: String) throws(VirtError) -> Self {
        let unknown = raw & ~allowed.rawValue
        if unknown != 0 { throw VirtError.unsupportedFlags(unknown, function) }
        return Self(rawValue: raw)
    }
}

/// `virDomainXMLFlags`.
public struct DomainXMLFlags: DriverFlagSet {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let securityInfo = Self(rawValue: 1)
    public static let inactive = Self(rawValue: 2)
    public static let updateCPU = Self(rawValue: 4)
    public static let migratable = Self(rawValue: 8)
}

/// `virDomainDefineFlags` and `virDomainCreateFlags`' validate bit.
public struct DefineFlags: DriverFlagSet {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let validate = Self(rawValue: 1)
}

/// `virDomainUndefineFlagsValues`.
public struct UndefineFlags: DriverFlagSet {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let managedSave = Self(rawValue: 1)
    public static let snapshotsMetadata = Self(rawValue: 2)
    public static let nvram = Self(rawValue: 4)
    public static let keepNvram = Self(rawValue: 8)
    public static let checkpointsMetadata = Self(rawValue: 16)
}

/// `virDomainCreateFlags`.
public struct CreateFlags: DriverFlagSet {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let paused = Self(rawValue: 1)
    public static let autodestroy = Self(rawValue: 2)
    public static let bypassCache = Self(rawValue: 4)
    public static let forceBoot = Self(rawValue: 8)
    public static let validate = Self(rawValue: 16)
}

/// `virDomainDestroyFlagsValues`.
public struct DestroyFlags: DriverFlagSet {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let graceful = Self(rawValue: 1)
}

/// `virDomainShutdownFlagValues` / `virDomainRebootFlagValues`: the method to use.
public struct ShutdownFlags: DriverFlagSet {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let acpiPowerButton = Self(rawValue: 1)
    public static let guestAgent = Self(rawValue: 2)
    public static let initctl = Self(rawValue: 4)
    public static let signal = Self(rawValue: 8)
    public static let paravirt = Self(rawValue: 16)
}

/// `virDomainSaveRestoreFlags`.
public struct SaveRestoreFlags: DriverFlagSet {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let bypassCache = Self(rawValue: 1)
    public static let running = Self(rawValue: 2)
    public static let paused = Self(rawValue: 4)
}

/// `virDomainModificationImpact` / `virDomainDeviceModifyFlags`.
public struct ModificationFlags: DriverFlagSet {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// Neither bit: the current state (live when running, config otherwise).
    public static let live = Self(rawValue: 1)
    public static let config = Self(rawValue: 2)
    /// Device calls: force; memory calls: the maximum rather than the current size.
    public static let force = Self(rawValue: 4)
    public static let maximum = Self(rawValue: 4)
}

/// `virConnectListAllDomainsFlags`.
public struct ListDomainsFlags: DriverFlagSet {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let active = Self(rawValue: 1 << 0)
    public static let inactive = Self(rawValue: 1 << 1)
    public static let persistent = Self(rawValue: 1 << 2)
    public static let transient = Self(rawValue: 1 << 3)
    public static let running = Self(rawValue: 1 << 4)
    public static let paused = Self(rawValue: 1 << 5)
    public static let shutoff = Self(rawValue: 1 << 6)
    public static let other = Self(rawValue: 1 << 7)
    public static let managedSave = Self(rawValue: 1 << 8)
    public static let noManagedSave = Self(rawValue: 1 << 9)
    public static let autostart = Self(rawValue: 1 << 10)
    public static let noAutostart = Self(rawValue: 1 << 11)
    public static let hasSnapshot = Self(rawValue: 1 << 12)
    public static let noSnapshot = Self(rawValue: 1 << 13)
    public static let hasCheckpoint = Self(rawValue: 1 << 14)
    public static let noCheckpoint = Self(rawValue: 1 << 15)
    public static let all = Self(rawValue: (1 << 16) - 1)
}

/// `virConnectListAllNetworksFlags`.
public struct ListNetworksFlags: DriverFlagSet {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let inactive = Self(rawValue: 1 << 0)
    public static let active = Self(rawValue: 1 << 1)
    public static let persistent = Self(rawValue: 1 << 2)
    public static let transient = Self(rawValue: 1 << 3)
    public static let autostart = Self(rawValue: 1 << 4)
    public static let noAutostart = Self(rawValue: 1 << 5)
    public static let all = Self(rawValue: (1 << 6) - 1)
}

/// `virDomainCoreDumpFlags`.
public struct CoreDumpFlags: DriverFlagSet {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let crash = Self(rawValue: 1)
    public static let live = Self(rawValue: 2)
    public static let bypassCache = Self(rawValue: 4)
    public static let reset = Self(rawValue: 8)
    public static let memoryOnly = Self(rawValue: 16)
}

/// `virDomainCoreDumpFormat`.
public enum CoreDumpFormat: UInt32, Sendable, CaseIterable {
    case raw = 0, kdumpZlib, kdumpLzo, kdumpSnappy, winDmp

    /// virsh's `--format` words.
    public var name: String {
        switch self {
        case .raw: "elf"
        case .kdumpZlib: "kdump-zlib"
        case .kdumpLzo: "kdump-lzo"
        case .kdumpSnappy: "kdump-snappy"
        case .winDmp: "win-dmp"
        }
    }
}
