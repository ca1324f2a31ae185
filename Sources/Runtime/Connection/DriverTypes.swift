import Schema

/// A domain as every driver call names it: what `remote_nonnull_domain` carries. Drivers
/// find the guest by UUID (names can be reused, ids change on every start).
public struct DomainRef: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var uuid: UUIDValue
    /// The running instance's id; -1 when inactive.
    public var id: Int32

    public init(name: String, uuid: UUIDValue, id: Int32 = -1) {
        self.name = name
        self.uuid = uuid
        self.id = id
    }

    public var description: String { name }
}

/// A virtual network as driver calls name it (`remote_nonnull_network`).
public struct NetworkRef: Sendable, Hashable {
    public var name: String
    public var uuid: UUIDValue

    public init(name: String, uuid: UUIDValue) {
        self.name = name
        self.uuid = uuid
    }
}

/// `virDomainState`, with the words virsh prints.
public enum DomainState: Int32, Sendable, CaseIterable, Codable {
    case nostate = 0, running, blocked, paused, shutdown, shutoff, crashed, pmsuspended

    public var name: String {
        switch self {
        case .nostate: "no state"
        case .running: "running"
        case .blocked: "idle"
        case .paused: "paused"
        case .shutdown: "in shutdown"
        case .shutoff: "shut off"
        case .crashed: "crashed"
        case .pmsuspended: "pmsuspended"
        }
    }

    /// The reasons libvirt defines for this state, by number, as virsh words them.
    public var reasonNames: [String] {
        switch self {
        case .running:
            ["unknown", "booted", "migrated", "restored", "from snapshot", "unpaused", "migration canceled",
             "save canceled", "event wakeup", "crashed", "post-copy", "post-copy failed"]
        case .paused:
            ["unknown", "user", "migrating", "saving", "dumping", "I/O error", "watchdog", "from snapshot",
             "shutting down", "creating snapshot", "crashed", "starting up", "post-copy", "post-copy failed",
             "api error"]
        case .shutdown: ["unknown", "user"]
        case .shutoff:
            ["unknown", "shutdown", "destroyed", "crashed", "migrated", "saved", "failed", "from snapshot", "daemon"]
        case .crashed: ["unknown", "panicked"]
        case .nostate, .blocked, .pmsuspended: ["unknown"]
        }
    }

    public func reasonName(_ reason: Int32) -> String {
        let names = reasonNames
        return reason >= 0 && Int(reason) < names.count ? names[Int(reason)] : "unknown"
    }

    /// Active means a process (or, for the test driver, a simulated instance) exists.
    public var isActive: Bool { self != .shutoff }
}

/// A state with its reason (`virDomainGetState`).
public struct StateWithReason: Sendable, Equatable, Codable {
    public var state: DomainState
    public var reason: Int32

    public init(_ state: DomainState, _ reason: Int32 = 0) {
        self.state = state
        self.reason = reason
    }

    /// Reasons virtkit records, by state (libvirt's numbers).
    public static let booted = StateWithReason(.running, 1)
    public static let restored = StateWithReason(.running, 3)
    public static let unpaused = StateWithReason(.running, 5)
    public static let pausedUser = StateWithReason(.paused, 1)
    public static let pausedSaving = StateWithReason(.paused, 3)
    public static let pausedDumping = StateWithReason(.paused, 4)
    public static let pausedIOError = StateWithReason(.paused, 5)
    public static let pausedShuttingDown = StateWithReason(.paused, 8)
    public static let pausedCrashed = StateWithReason(.paused, 10)
    public static let pausedStarting = StateWithReason(.paused, 11)
    public static let shutoffUnknown = StateWithReason(.shutoff, 0)
    public static let shutoffShutdown = StateWithReason(.shutoff, 1)
    public static let shutoffDestroyed = StateWithReason(.shutoff, 2)
    public static let shutoffCrashed = StateWithReason(.shutoff, 3)
    public static let shutoffSaved = StateWithReason(.shutoff, 5)
    public static let shutoffFailed = StateWithReason(.shutoff, 6)
    public static let crashedPanicked = StateWithReason(.crashed, 1)
    public static let shutdownUser = StateWithReason(.shutdown, 1)
}

/// `virDomainInfo`.
public struct DomainInfo: Sendable, Equatable {
    public var state: DomainState
    public var maxMemoryKiB: UInt64
    public var memoryKiB: UInt64
    public var vcpus: UInt16
    public var cpuTimeNanoseconds: UInt64

    public init(state: DomainState, maxMemoryKiB: UInt64, memoryKiB: UInt64, vcpus: UInt16, cpuTimeNanoseconds: UInt64) {
        self.state = state
        self.maxMemoryKiB = maxMemoryKiB
        self.memoryKiB = memoryKiB
        self.vcpus = vcpus
        self.cpuTimeNanoseconds = cpuTimeNanoseconds
    }
}

/// `virNodeInfo`.
public struct NodeInfo: Sendable, Equatable {
    public var model: String
    public var memoryKiB: UInt64
    public var cpus: Int32
    public var mhz: Int32
    public var nodes: Int32
    public var sockets: Int32
    public var cores: Int32
    public var threads: Int32

    public init(
        model: String, memoryKiB: UInt64, cpus: Int32, mhz: Int32, nodes: Int32, sockets: Int32, cores: Int32,
        threads: Int32
    ) {
        self.model = model
        self.memoryKiB = memoryKiB
        self.cpus = cpus
        self.mhz = mhz
        self.nodes = nodes
        self.sockets = sockets
        self.cores = cores
        self.threads = threads
    }
}

/// `virDomainBlockStatsStruct`; -1 where the hypervisor does not count.
public struct BlockStats: Sendable, Equatable {
    public var readRequests: Int64 = -1
    public var readBytes: Int64 = -1
    public var writeRequests: Int64 = -1
    public var writeBytes: Int64 = -1
    public var errors: Int64 = -1
    public init() {}
}

/// `virDomainInterfaceStatsStruct`, from the guest's point of view.
public struct InterfaceStats: Sendable, Equatable {
    public var rxBytes: Int64 = -1
    public var rxPackets: Int64 = -1
    public var rxErrors: Int64 = -1
    public var rxDrops: Int64 = -1
    public var txBytes: Int64 = -1
    public var txPackets: Int64 = -1
    public var txErrors: Int64 = -1
    public var txDrops: Int64 = -1
    public init() {}
}

/// One `virDomainMemoryStatStruct`.
public struct MemoryStat: Sendable, Equatable {
    public var tag: Tag
    public var value: UInt64

    public init(_ tag: Tag, _ value: UInt64) {
        self.tag = tag
        self.value = value
    }

    /// `virDomainMemoryStatTags`, with virsh's names.
    public enum Tag: Int32, Sendable, CaseIterable {
        case swapIn = 0, swapOut, majorFault, minorFault, unused, available, actualBalloon, rss, usable,
            lastUpdate, diskCaches, hugetlbPgalloc, hugetlbPgfail

        public var name: String {
            switch self {
            case .swapIn: "swap_in"
            case .swapOut: "swap_out"
            case .majorFault: "major_fault"
            case .minorFault: "minor_fault"
            case .unused: "unused"
            case .available: "available"
            case .actualBalloon: "actual"
            case .rss: "rss"
            case .usable: "usable"
            case .lastUpdate: "last_update"
            case .diskCaches: "disk_caches"
            case .hugetlbPgalloc: "hugetlb_pgalloc"
            case .hugetlbPgfail: "hugetlb_pgfail"
            }
        }
    }
}

/// One `virVcpuInfo` with its affinity.
public struct VcpuInfo: Sendable, Equatable {
    public var number: UInt32
    /// 0 offline, 1 running, 2 blocked (`virVcpuState`).
    public var state: Int32
    public var cpuTimeNanoseconds: UInt64
    /// The host CPU it last ran on, -1 when unknown.
    public var cpu: Int32
    /// One flag per host CPU it may run on.
    public var affinity: [Bool]

    public init(number: UInt32, state: Int32, cpuTimeNanoseconds: UInt64, cpu: Int32, affinity: [Bool]) {
        self.number = number
        self.state = state
        self.cpuTimeNanoseconds = cpuTimeNanoseconds
        self.cpu = cpu
        self.affinity = affinity
    }

    public var stateName: String {
        switch state {
        case 0: "offline"
        case 1: "running"
        case 2: "blocked"
        default: "no state"
        }
    }
}

/// A screenshot: its MIME type and bytes.
public struct Screenshot: Sendable {
    public var mimeType: String
    public var bytes: [UInt8]
    public init(mimeType: String, bytes: [UInt8]) {
        self.mimeType = mimeType
        self.bytes = bytes
    }
}

/// A domain event: which one (`id`, libvirt's `virDomainEventID`, with its data), and for
/// life-cycle events (`VIR_DOMAIN_EVENT_ID_LIFECYCLE`) the event and its detail.
public struct DomainEvent: Sendable, Equatable {
    public var domain: DomainRef
    /// The life-cycle event; `.defined` and unused for the other ids.
    public var kind: Kind
    public var detail: Int32
    public var id: ID

    public init(domain: DomainRef, kind: Kind, detail: Int32) {
        self.domain = domain
        self.kind = kind
        self.detail = detail
        id = .lifecycle
    }

    public init(domain: DomainRef, id: ID) {
        self.domain = domain
        kind = .defined
        detail = 0
        self.id = id
    }

    /// The events virtkit delivers, with their data; the numbers are `virDomainEventID`'s.
    public enum ID: Sendable, Equatable {
        case lifecycle
        /// The guest was reset (by itself or by a caller).
        case reboot
        /// The guest moved its real-time clock: its new offset from the host's, in seconds.
        case rtcChange(offset: Int64)
        case deviceRemoved(alias: String)
        case deviceAdded(alias: String)
        /// A client of the guest's display connected, was authenticated, or went away.
        case graphics(Graphics)

        public var number: Int32 {
            switch self {
            case .lifecycle: 0
            case .reboot: 1
            case .rtcChange: 2
            case .graphics: 5
            case .deviceRemoved: 15
            case .deviceAdded: 19
            }
        }

        /// virsh's name for the event type (`virsh event --event NAME`).
        public var name: String {
            switch self {
            case .lifecycle: "lifecycle"
            case .reboot: "reboot"
            case .rtcChange: "rtc-change"
            case .graphics: "graphics"
            case .deviceRemoved: "device-removed"
            case .deviceAdded: "device-added"
            }
        }

        /// The delivered types, by virsh's name and number.
        public static let delivered: [(name: String, number: Int32)] = [
            ("lifecycle", 0), ("reboot", 1), ("rtc-change", 2), ("graphics", 5), ("device-removed", 15),
            ("device-added", 19),
        ]
    }

    /// The graphics event's data (`virDomainEventGraphics*`): what happened, the display's
    /// address, the client's, the authentication scheme, and who the client proved to be.
    public struct Graphics: Sendable, Equatable {
        /// `virDomainEventGraphicsPhase`.
        public enum Phase: Int32, Sendable {
            case connect = 0, initialize, disconnect

            /// virsh's word.
            public var name: String {
                switch self {
                case .connect: "connect"
                case .initialize: "initialize"
                case .disconnect: "disconnect"
                }
            }
        }

        /// `virDomainEventGraphicsAddressType`.
        public enum Family: Int32, Sendable {
            case ipv4 = 0, ipv6, unix

            /// virsh's word.
            public var name: String {
                switch self {
                case .ipv4: "IPv4"
                case .ipv6: "IPv6"
                case .unix: "unix"
                }
            }
        }

        public struct Address: Sendable, Equatable {
            public var family: Family
            public var node: String
            public var service: String
            public init(family: Family, node: String, service: String) {
                self.family = family
                self.node = node
                self.service = service
            }
        }

        /// One identity the client proved (`x509dname`, `saslUsername`).
        public struct Identity: Sendable, Equatable {
            public var type: String
            public var name: String
            public init(type: String, name: String) {
                self.type = type
                self.name = name
            }
        }

        public var phase: Phase
        public var local: Address
        public var remote: Address
        public var authScheme: String
        public var subject: [Identity]

        public init(phase: Phase, local: Address, remote: Address, authScheme: String, subject: [Identity]) {
            self.phase = phase
            self.local = local
            self.remote = remote
            self.authScheme = authScheme
            self.subject = subject
        }
    }

    public static func reboot(_ d: DomainRef) -> DomainEvent { DomainEvent(domain: d, id: .reboot) }
    public static func rtcChange(_ d: DomainRef, offset: Int64) -> DomainEvent {
        DomainEvent(domain: d, id: .rtcChange(offset: offset))
    }
    public static func deviceRemoved(_ d: DomainRef, alias: String) -> DomainEvent {
        DomainEvent(domain: d, id: .deviceRemoved(alias: alias))
    }
    public static func deviceAdded(_ d: DomainRef, alias: String) -> DomainEvent {
        DomainEvent(domain: d, id: .deviceAdded(alias: alias))
    }
    public static func graphics(_ d: DomainRef, _ g: Graphics) -> DomainEvent {
        DomainEvent(domain: d, id: .graphics(g))
    }

    /// `virDomainEventType`.
    public enum Kind: Int32, Sendable {
        case defined = 0, undefined, started, suspended, resumed, stopped, shutdown, pmsuspended, crashed

        /// virsh's words for the event and its details.
        public var name: String {
            switch self {
            case .defined: "Defined"
            case .undefined: "Undefined"
            case .started: "Started"
            case .suspended: "Suspended"
            case .resumed: "Resumed"
            case .stopped: "Stopped"
            case .shutdown: "Shutdown"
            case .pmsuspended: "PMSuspended"
            case .crashed: "Crashed"
            }
        }

        public var detailNames: [String] {
            switch self {
            case .defined: ["Added", "Updated", "Renamed", "Snapshot"]
            case .undefined: ["Removed", "Renamed"]
            case .started: ["Booted", "Migrated", "Restored", "Snapshot", "Event wakeup"]
            case .suspended:
                ["Paused", "Migrated", "I/O Error", "Watchdog", "Restored", "Snapshot", "API error", "Post-copy",
                 "Post-copy Error"]
            case .resumed: ["Unpaused", "Migrated", "Snapshot", "Post-copy", "Post-copy Error"]
            case .stopped: ["Shutdown", "Destroyed", "Crashed", "Migrated", "Saved", "Failed", "Snapshot"]
            case .shutdown: ["Finished", "Finished after guest request", "Finished after host request"]
            case .pmsuspended: ["Memory", "Disk"]
            case .crashed: ["Panicked", "Crashloaded"]
            }
        }
    }

    public static func defined(_ d: DomainRef, updated: Bool = false) -> DomainEvent {
        DomainEvent(domain: d, kind: .defined, detail: updated ? 1 : 0)
    }
    public static func undefined(_ d: DomainRef) -> DomainEvent { DomainEvent(domain: d, kind: .undefined, detail: 0) }
    public static func started(_ d: DomainRef, restored: Bool = false) -> DomainEvent {
        DomainEvent(domain: d, kind: .started, detail: restored ? 2 : 0)
    }
    public static func suspended(_ d: DomainRef) -> DomainEvent { DomainEvent(domain: d, kind: .suspended, detail: 0) }
    public static func resumed(_ d: DomainRef) -> DomainEvent { DomainEvent(domain: d, kind: .resumed, detail: 0) }

    /// Stopped, with the detail matching a shut-off reason.
    public static func stopped(_ d: DomainRef, reason: StateWithReason) -> DomainEvent {
        let detail: Int32
        switch reason.reason {
        case 1: detail = 0  // shutdown
        case 2: detail = 1  // destroyed
        case 3: detail = 2  // crashed
        case 4: detail = 3  // migrated
        case 5: detail = 4  // saved
        case 6: detail = 5  // failed
        default: detail = 1
        }
        return DomainEvent(domain: d, kind: .stopped, detail: detail)
    }

    public var detailName: String {
        let names = kind.detailNames
        return detail >= 0 && Int(detail) < names.count ? names[Int(detail)] : "Unknown"
    }
}

/// A network life-cycle event (`VIR_NETWORK_EVENT_ID_LIFECYCLE`).
public struct NetworkEvent: Sendable, Equatable {
    public var network: NetworkRef
    public var kind: Kind

    public init(network: NetworkRef, kind: Kind) {
        self.network = network
        self.kind = kind
    }

    /// `virNetworkEventLifecycleType`.
    public enum Kind: Int32, Sendable {
        case defined = 0, undefined, started, stopped

        /// virsh's word for it.
        public var name: String {
            switch self {
            case .defined: "Defined"
            case .undefined: "Undefined"
            case .started: "Started"
            case .stopped: "Stopped"
            }
        }
    }
}

/// What a define or start produced besides the domain: the builder's warnings (a password
/// QEMU only takes over QMP, a value written differently), for the caller to show.
public struct DomainResult: Sendable {
    public var domain: DomainRef
    public var warnings: [String]

    public init(domain: DomainRef, warnings: [String] = []) {
        self.domain = domain
        self.warnings = warnings
    }
}
