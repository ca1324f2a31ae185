/// `<disk>`: anything that looks like a disk to the guest.
public struct Disk: XMLModel {
    /// The source, tagged by the disk's `type` attribute.
    public var source: DiskSource?
    public var device: DiskDevice?
    public var snapshot: String?
    public var model: String?
    public var driver: DiskDriver?
    /// Pre-1.2.18 placement of `<auth>` (directly under `<disk>`).
    public var auth: DiskAuth?
    public var backingStore: OpaqueElement?
    public var target: DiskTarget?
    public var iotune: OpaqueElement?
    public var boot: DeviceBoot?
    public var readonly = false
    public var shareable = false
    public var transient: OpaqueElement?
    public var serial: String?
    public var wwn: String?
    public var vendor: String?
    public var product: String?
    public var encryption: OpaqueElement?
    public var geometry: OpaqueElement?
    public var blockio: OpaqueElement?
    public var alias: DeviceAlias?
    public var address: DeviceAddress?
    public var unknown = XMLUnknown()
    public init() {}

    public static let xml = XMLMapping<Disk> {
        Field.unionTag("type", \.source)
        Field.attribute("device", \.device)
        Field.attribute("snapshot", \.snapshot)
        Field.attribute("model", \.model)
        Field.element("driver", \.driver)
        Field.element("auth", \.auth)
        Field.union(tag: "type", payload: "source", \.source)
        Field.element("backingStore", \.backingStore)
        Field.element("target", \.target)
        Field.element("iotune", \.iotune)
        Field.element("boot", \.boot)
        Field.flag("readonly", \.readonly)
        Field.flag("shareable", \.shareable)
        Field.element("transient", \.transient)
        Field.textElement("serial", \.serial)
        Field.textElement("wwn", \.wwn)
        Field.textElement("vendor", \.vendor)
        Field.textElement("product", \.product)
        Field.element("encryption", \.encryption)
        Field.element("geometry", \.geometry)
        Field.element("blockio", \.blockio)
        Field.element("alias", \.alias)
        Field.element("address", \.address)
    }

    /// The path of a local source (file, block device or directory), whatever the type.
    public var sourcePath: String? { source?.path }
    public var targetDev: String? { target?.dev }
    /// The device kind, `disk` when unspecified as libvirt defaults it.
    public var effectiveDevice: DiskDevice { device ?? .disk }

    /// The bus, from the target or implied by its name as libvirt does (hd→ide, vd→virtio…).
    public var effectiveBus: DiskBus {
        target?.bus ?? target?.dev.map(DiskBus.implied(byTargetName:)) ?? .ide
    }
}

public enum DiskDevice: XMLEnum {
    case disk, cdrom, floppy, lun
    case other(String)
    public static let xmlNames: [(DiskDevice, String)] = [
        (.disk, "disk"), (.cdrom, "cdrom"), (.floppy, "floppy"), (.lun, "lun"),
    ]
}

public enum DiskBus: XMLEnum {
    case ide, fdc, scsi, virtio, xen, usb, uml, sata, sd
    case other(String)

    /// The bus a target name implies when the XML does not say.
    public static func implied(byTargetName name: String) -> DiskBus {
        if name.hasPrefix("hd") { return .ide }
        if name.hasPrefix("vd") { return .virtio }
        if name.hasPrefix("fd") { return .fdc }
        if name.hasPrefix("xvd") { return .xen }
        if name.hasPrefix("ubd") { return .uml }
        return .scsi
    }
    public static let xmlNames: [(DiskBus, String)] = [
        (.ide, "ide"), (.fdc, "fdc"), (.scsi, "scsi"), (.virtio, "virtio"), (.xen, "xen"),
        (.usb, "usb"), (.uml, "uml"), (.sata, "sata"), (.sd, "sd"),
    ]
}

/// Where the disk's data comes from; the case is the disk's `type` attribute.
public enum DiskSource: XMLTaggedUnion {
    case file(DiskFileSource?)
    case block(DiskBlockSource?)
    case dir(DiskDirSource?)
    case network(NetworkDiskSource?)
    case volume(DiskVolumeSource?)
    /// No `type` attribute, or one virtkit does not model (nvme, vhostuser…): kept as written.
    case other(type: String?, source: OpaqueElement?)

    public enum Tag: String, XMLUnionTag {
        case file, block, dir, network, volume
    }

    public init(known tag: Tag, payload: XMLElement?) {
        switch tag {
        case .file: self = .file(payload.map(DiskFileSource.init(element:)))
        case .block: self = .block(payload.map(DiskBlockSource.init(element:)))
        case .dir: self = .dir(payload.map(DiskDirSource.init(element:)))
        case .network: self = .network(payload.map(NetworkDiskSource.init(element:)))
        case .volume: self = .volume(payload.map(DiskVolumeSource.init(element:)))
        }
    }

    public init(unknown tag: String?, payload: XMLElement?) {
        self = .other(type: tag, source: payload.map(OpaqueElement.init(element:)))
    }

    public var knownTag: Tag? {
        switch self {
        case .file: .file
        case .block: .block
        case .dir: .dir
        case .network: .network
        case .volume: .volume
        case .other: nil
        }
    }

    public var unknownTag: String? { if case .other(let t, _) = self { t } else { nil } }

    public var payloadModel: (any XMLElementConvertible)? {
        switch self {
        case .file(let s): s
        case .block(let s): s
        case .dir(let s): s
        case .network(let s): s
        case .volume(let s): s
        case .other(_, let s): s
        }
    }

    /// The local path, for the types that have one. An untyped disk (early Xen documents)
    /// is read as libvirt reads it: a file, or a block device when only `dev` is given.
    public var path: String? {
        switch self {
        case .file(let s): s?.file
        case .block(let s): s?.dev
        case .dir(let s): s?.dir
        case .other(_, let s):
            s.flatMap { $0.unknown.attributes.first { $0.name == "file" || $0.name == "dev" }?.value }
        case .network, .volume: nil
        }
    }

    public static func file(_ path: String) -> DiskSource { .file(DiskFileSource(file: path)) }
    public static func block(_ dev: String) -> DiskSource { .block(DiskBlockSource(dev: dev)) }
}

public struct DiskFileSource: XMLModel {
    public var file: String?
    public var startupPolicy: String?
    public var unknown = XMLUnknown()
    public init() {}
    public init(file: String) { self.file = file }
    public static let xml = XMLMapping<DiskFileSource> {
        Field.attribute("file", \.file)
        Field.attribute("startupPolicy", \.startupPolicy)
    }
}

public struct DiskBlockSource: XMLModel {
    public var dev: String?
    public var startupPolicy: String?
    public var unknown = XMLUnknown()
    public init() {}
    public init(dev: String) { self.dev = dev }
    public static let xml = XMLMapping<DiskBlockSource> {
        Field.attribute("dev", \.dev)
        Field.attribute("startupPolicy", \.startupPolicy)
    }
}

public struct DiskDirSource: XMLModel {
    public var dir: String?
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<DiskDirSource> { Field.attribute("dir", \.dir) }
}

public struct DiskVolumeSource: XMLModel {
    public var pool: String?
    public var volume: String?
    public var mode: String?
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<DiskVolumeSource> {
        Field.attribute("pool", \.pool)
        Field.attribute("volume", \.volume)
        Field.attribute("mode", \.mode)
    }
}

/// `<source protocol='rbd' name='pool/image'>` with hosts, snapshot, config and auth.
public struct NetworkDiskSource: XMLModel {
    public var `protocol`: String?
    public var name: String?
    public var tls: YesNo?
    public var query: String?
    public var hosts: [DiskSourceHost] = []
    public var snapshot: NameAttribute?
    public var config: ConfigFile?
    public var auth: DiskAuth?
    public var unknown = XMLUnknown()
    public init() {}

    public static let xml = XMLMapping<NetworkDiskSource> {
        Field.attribute("protocol", \.protocol)
        Field.attribute("name", \.name)
        Field.attribute("tls", \.tls)
        Field.attribute("query", \.query)
        Field.elements("host", \.hosts)
        Field.element("snapshot", \.snapshot)
        Field.element("config", \.config)
        Field.element("auth", \.auth)
    }

    public struct ConfigFile: XMLModel {
        public var file: String?
        public var unknown = XMLUnknown()
        public init() {}
        public static let xml = XMLMapping<ConfigFile> { Field.attribute("file", \.file) }
    }
}

public struct DiskSourceHost: XMLModel {
    public var name: String?
    public var port: String?
    public var transport: String?
    public var socket: String?
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<DiskSourceHost> {
        Field.attribute("name", \.name)
        Field.attribute("port", \.port)
        Field.attribute("transport", \.transport)
        Field.attribute("socket", \.socket)
    }
}

/// `<auth username='…'><secret type='ceph' usage='…'/></auth>`.
public struct DiskAuth: XMLModel {
    public var username: String?
    public var secret: Secret?
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<DiskAuth> {
        Field.attribute("username", \.username)
        Field.element("secret", \.secret)
    }

    public struct Secret: XMLModel {
        public var type: String?
        public var usage: String?
        public var uuid: String?
        public var unknown = XMLUnknown()
        public init() {}
        public static let xml = XMLMapping<Secret> {
            Field.attribute("type", \.type)
            Field.attribute("usage", \.usage)
            Field.attribute("uuid", \.uuid)
        }
    }
}

/// `<driver name='qemu' type='qcow2' cache='none' …/>`.
public struct DiskDriver: XMLModel {
    public var name: String?
    public var type: String?
    public var cache: String?
    public var errorPolicy: String?
    public var rerrorPolicy: String?
    public var io: String?
    public var ioeventfd: OnOff?
    public var eventIdx: OnOff?
    public var copyOnRead: OnOff?
    public var discard: String?
    public var detectZeroes: String?
    public var iothread: UInt?
    public var queues: UInt?
    public var unknown = XMLUnknown()
    public init() {}

    public init(name: String?, type: String?) {
        self.name = name
        self.type = type
    }

    public static let xml = XMLMapping<DiskDriver> {
        Field.attribute("name", \.name)
        Field.attribute("type", \.type)
        Field.attribute("cache", \.cache)
        Field.attribute("error_policy", \.errorPolicy)
        Field.attribute("rerror_policy", \.rerrorPolicy)
        Field.attribute("io", \.io)
        Field.attribute("ioeventfd", \.ioeventfd)
        Field.attribute("event_idx", \.eventIdx)
        Field.attribute("copy_on_read", \.copyOnRead)
        Field.attribute("discard", \.discard)
        Field.attribute("detect_zeroes", \.detectZeroes)
        Field.attribute("iothread", \.iothread)
        Field.attribute("queues", \.queues)
    }
}

/// `<target dev='vda' bus='virtio'/>`.
public struct DiskTarget: XMLModel {
    public var dev: String?
    public var bus: DiskBus?
    public var tray: String?
    public var removable: OnOff?
    public var rotationRate: UInt?
    public var unknown = XMLUnknown()
    public init() {}
    public init(dev: String, bus: DiskBus? = nil) {
        self.dev = dev
        self.bus = bus
    }
    public static let xml = XMLMapping<DiskTarget> {
        Field.attribute("dev", \.dev)
        Field.attribute("bus", \.bus)
        Field.attribute("tray", \.tray)
        Field.attribute("removable", \.removable)
        Field.attribute("rotation_rate", \.rotationRate)
    }
}
