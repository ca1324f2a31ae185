import Foundation

/// One QMP command: its wire name, its arguments (the struct's own fields, encoded as the
/// `arguments` object) and the type its `return` decodes to. Every command the runtime
/// sends is declared in `QMP` below, once.
public protocol QMPCommand: Encodable, Sendable {
    associatedtype Reply: Decodable & Sendable
    static var name: String { get }
}

/// A reply we only wait for (`{}`), decoding from whatever QEMU returns.
public struct QMPEmpty: Decodable, Sendable {
    public init() {}
    public init(from decoder: any Decoder) throws {}
}

/// A command whose arguments are a whole QEMU object written by the argv builder
/// (`device_add`, `blockdev-add`, `netdev_add` take what the command line takes).
public protocol QMPObjectCommand: QMPCommand where Reply == QMPEmpty {
    var object: JSONValue { get }
}

extension QMPObjectCommand {
    public func encode(to encoder: any Encoder) throws { try object.encode(to: encoder) }
}

/// The QMP commands virtkit uses, with QEMU's names.
public enum QMP {
    public struct Capabilities: QMPCommand {
        public typealias Reply = QMPEmpty
        public static let name = "qmp_capabilities"
        public init() {}
    }

    public struct QueryStatus: QMPCommand {
        public static let name = "query-status"
        public init() {}
        public struct Reply: Decodable, Sendable {
            /// `prelaunch`, `running`, `paused`, `shutdown`, `guest-panicked`, `inmigrate`,
            /// `postmigrate`, `finish-migrate`, `io-error`, `suspended`, …
            public var status: String
            public var running: Bool
        }
    }

    public struct Cont: QMPCommand {
        public typealias Reply = QMPEmpty
        public static let name = "cont"
        public init() {}
    }

    public struct Stop: QMPCommand {
        public typealias Reply = QMPEmpty
        public static let name = "stop"
        public init() {}
    }

    public struct SystemPowerdown: QMPCommand {
        public typealias Reply = QMPEmpty
        public static let name = "system_powerdown"
        public init() {}
    }

    public struct SystemReset: QMPCommand {
        public typealias Reply = QMPEmpty
        public static let name = "system_reset"
        public init() {}
    }

    public struct Quit: QMPCommand {
        public typealias Reply = QMPEmpty
        public static let name = "quit"
        public init() {}
    }

    /// VNC or SPICE password, set before the guest runs so it never sits on a command line.
    public struct SetPassword: QMPCommand {
        public typealias Reply = QMPEmpty
        public static let name = "set_password"
        public var `protocol`: String
        public var password: String
        public var connected: String?
        public init(protocol: String, password: String, connected: String? = nil) {
            self.protocol = `protocol`
            self.password = password
            self.connected = connected
        }
    }

    public struct QueryVNC: QMPCommand {
        public static let name = "query-vnc"
        public init() {}
        public struct Reply: Decodable, Sendable {
            public var enabled: Bool
            public var host: String?
            public var service: String?
        }
    }

    public struct QuerySpice: QMPCommand {
        public static let name = "query-spice"
        public init() {}
        public struct Reply: Decodable, Sendable {
            public var enabled: Bool
            public var port: Int?
            public var tlsPort: Int?
            enum CodingKeys: String, CodingKey {
                case enabled, port
                case tlsPort = "tls-port"
            }
        }
    }

    public struct QueryChardev: QMPCommand {
        public typealias Reply = [Chardev]
        public static let name = "query-chardev"
        public init() {}
        public struct Chardev: Decodable, Sendable {
            public var label: String
            /// `pty:/dev/pts/3`, `unix:/run/…,server=on`, …
            public var filename: String
        }
    }

    public struct QueryBlockstats: QMPCommand {
        public typealias Reply = [Entry]
        public static let name = "query-blockstats"
        public init() {}
        public struct Entry: Decodable, Sendable {
            public var device: String?
            public var qdev: String?
            public var nodeName: String?
            public var stats: Stats
            enum CodingKeys: String, CodingKey {
                case device, qdev, stats
                case nodeName = "node-name"
            }
        }
        public struct Stats: Decodable, Sendable {
            public var rdBytes: Int64
            public var wrBytes: Int64
            public var rdOperations: Int64
            public var wrOperations: Int64
            public var failedRdOperations: Int64?
            public var failedWrOperations: Int64?
            enum CodingKeys: String, CodingKey {
                case rdBytes = "rd_bytes"
                case wrBytes = "wr_bytes"
                case rdOperations = "rd_operations"
                case wrOperations = "wr_operations"
                case failedRdOperations = "failed_rd_operations"
                case failedWrOperations = "failed_wr_operations"
            }
        }
    }

    public struct QueryBalloon: QMPCommand {
        public static let name = "query-balloon"
        public init() {}
        public struct Reply: Decodable, Sendable {
            /// Bytes the guest has.
            public var actual: Int64
        }
    }

    /// Sets the guest's memory target, in bytes.
    public struct Balloon: QMPCommand {
        public typealias Reply = QMPEmpty
        public static let name = "balloon"
        public var value: Int64
        public init(bytes: Int64) { value = bytes }
    }

    public struct QOMGet: QMPCommand {
        public typealias Reply = JSONValue
        public static let name = "qom-get"
        public var path: String
        public var property: String
        public init(path: String, property: String) {
            self.path = path
            self.property = property
        }
    }

    /// The guest's real-time clock as it reads now: PC machines alias their MC146818's
    /// `date` as `/machine`'s `rtc-time`. Fields as C's `struct tm` (year since 1900,
    /// month from 0), in whatever zone the guest keeps its RTC.
    public struct RTCTime: QMPCommand {
        public static let name = "qom-get"
        public let path = "/machine"
        public let property = "rtc-time"
        public init() {}
        public struct Reply: Decodable, Sendable {
            public var tm_year: Int32
            public var tm_mon: Int32
            public var tm_mday: Int32
            public var tm_hour: Int32
            public var tm_min: Int32
            public var tm_sec: Int32
        }
    }

    public struct QOMSet: QMPCommand {
        public typealias Reply = QMPEmpty
        public static let name = "qom-set"
        public var path: String
        public var property: String
        public var value: JSONValue
        public init(path: String, property: String, value: JSONValue) {
            self.path = path
            self.property = property
            self.value = value
        }
    }

    public struct QueryCPUsFast: QMPCommand {
        public typealias Reply = [CPU]
        public static let name = "query-cpus-fast"
        public init() {}
        public struct CPU: Decodable, Sendable {
            public var cpuIndex: Int
            public var threadID: Int
            public var qomPath: String
            enum CodingKeys: String, CodingKey {
                case cpuIndex = "cpu-index"
                case threadID = "thread-id"
                case qomPath = "qom-path"
            }
        }
    }

    /// The display as an image; `format` png needs QEMU 7.1.
    public struct Screendump: QMPCommand {
        public typealias Reply = QMPEmpty
        public static let name = "screendump"
        public var filename: String
        public var format: String?
        public init(filename: String, format: String? = "png") {
            self.filename = filename
            self.format = format
        }
    }

    /// Guest memory to a descriptor passed with `GetFD` (`fd:NAME`).
    public struct DumpGuestMemory: QMPCommand {
        public typealias Reply = QMPEmpty
        public static let name = "dump-guest-memory"
        public var paging: Bool
        public var `protocol`: String
        public var format: String?
        public init(protocol: String, format: String? = nil) {
            paging = false
            self.protocol = `protocol`
            self.format = format
        }
    }

    /// Outgoing migration (`fd:NAME` for save, `tcp:HOST:PORT` for live migration).
    public struct Migrate: QMPCommand {
        public typealias Reply = QMPEmpty
        public static let name = "migrate"
        public var uri: String
        public init(uri: String) { self.uri = uri }
    }

    public struct MigrateIncoming: QMPCommand {
        public typealias Reply = QMPEmpty
        public static let name = "migrate-incoming"
        public var uri: String
        public init(uri: String) { self.uri = uri }
    }

    public struct QueryMigrate: QMPCommand {
        public static let name = "query-migrate"
        public init() {}
        public struct Reply: Decodable, Sendable {
            /// `setup`, `active`, `completed`, `failed`, `cancelled`, …; absent before any.
            public var status: String?
            public var errorDesc: String?
            enum CodingKeys: String, CodingKey {
                case status
                case errorDesc = "error-desc"
            }
        }
    }

    /// Hands QEMU the descriptor sent along with this command, under `fdname`.
    public struct GetFD: QMPCommand {
        public typealias Reply = QMPEmpty
        public static let name = "getfd"
        public var fdname: String
        public init(fdname: String) { self.fdname = fdname }
    }

    public struct CloseFD: QMPCommand {
        public typealias Reply = QMPEmpty
        public static let name = "closefd"
        public var fdname: String
        public init(fdname: String) { self.fdname = fdname }
    }

    public struct BlockdevAdd: QMPObjectCommand {
        public static let name = "blockdev-add"
        public var object: JSONValue
        public init(_ object: JSONValue) { self.object = object }
    }

    public struct BlockdevDel: QMPCommand {
        public typealias Reply = QMPEmpty
        public static let name = "blockdev-del"
        public var nodeName: String
        public init(nodeName: String) { self.nodeName = nodeName }
        enum CodingKeys: String, CodingKey { case nodeName = "node-name" }
    }

    public struct DeviceAdd: QMPObjectCommand {
        public static let name = "device_add"
        public var object: JSONValue
        public init(_ object: JSONValue) { self.object = object }
    }

    public struct DeviceDel: QMPCommand {
        public typealias Reply = QMPEmpty
        public static let name = "device_del"
        public var id: String
        public init(id: String) { self.id = id }
    }

    public struct NetdevAdd: QMPObjectCommand {
        public static let name = "netdev_add"
        public var object: JSONValue
        public init(_ object: JSONValue) { self.object = object }
    }

    public struct NetdevDel: QMPCommand {
        public typealias Reply = QMPEmpty
        public static let name = "netdev_del"
        public var id: String
        public init(id: String) { self.id = id }
    }

    /// What QEMU does on guest shutdown, reboot and panic (`-action` at run time).
    public struct SetAction: QMPCommand {
        public typealias Reply = QMPEmpty
        public static let name = "set-action"
        public var shutdown: String?
        public var reboot: String?
        public var panic: String?
        public init(shutdown: String? = nil, reboot: String? = nil, panic: String? = nil) {
            self.shutdown = shutdown
            self.reboot = reboot
            self.panic = panic
        }
    }

    public struct QueryKVM: QMPCommand {
        public static let name = "query-kvm"
        public init() {}
        public struct Reply: Decodable, Sendable {
            public var enabled: Bool
            public var present: Bool
        }
    }
}

extension QMP {
    /// Migration tunables (`max-bandwidth`, …) as one object.
    public struct MigrateSetParameters: QMPObjectCommand {
        public static let name = "migrate-set-parameters"
        public var object: JSONValue
        public init(_ object: JSONValue) { self.object = object }
    }
}

extension QMP {
    /// The children of a QOM path (`/machine/peripheral` lists devices by id).
    public struct QOMList: QMPCommand {
        public typealias Reply = [Property]
        public static let name = "qom-list"
        public var path: String
        public init(path: String) { self.path = path }
        public struct Property: Decodable, Sendable {
            public var name: String
            public var type: String
        }
    }
}
