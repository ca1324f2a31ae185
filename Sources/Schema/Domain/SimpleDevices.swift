/// `<input type='tablet' bus='usb'/>`.
public struct Input: XMLModel {
    public var type: InputType?
    public var bus: InputBus?
    public var model: String?
    public var source: OpaqueElement?
    public var driver: OpaqueElement?
    public var alias: DeviceAlias?
    public var address: DeviceAddress?
    public var unknown = XMLUnknown()
    public init() {}
    public init(type: InputType, bus: InputBus?) {
        self.type = type
        self.bus = bus
    }
    public static let xml = XMLMapping<Input> {
        Field.attribute("type", \.type)
        Field.attribute("bus", \.bus)
        Field.attribute("model", \.model)
        Field.element("source", \.source)
        Field.element("driver", \.driver)
        Field.element("alias", \.alias)
        Field.element("address", \.address)
    }
}

public enum InputType: XMLEnum {
    case mouse, tablet, keyboard, passthrough, evdev
    case other(String)
    public static let xmlNames: [(InputType, String)] = [
        (.mouse, "mouse"), (.tablet, "tablet"), (.keyboard, "keyboard"),
        (.passthrough, "passthrough"), (.evdev, "evdev"),
    ]
}

public enum InputBus: XMLEnum {
    case ps2, usb, xen, virtio, none
    case other(String)
    public static let xmlNames: [(InputBus, String)] = [
        (.ps2, "ps2"), (.usb, "usb"), (.xen, "xen"), (.virtio, "virtio"), (.none, "none"),
    ]
}

/// `<sound model>`: the emulated sound card.
public enum SoundModel: XMLEnum {
    case sb16, es1370, pcspk, ac97, ich6, ich7, ich9, usb, ics6000
    case other(String)
    public static let xmlNames: [(SoundModel, String)] = [
        (.sb16, "sb16"), (.es1370, "es1370"), (.pcspk, "pcspk"), (.ac97, "ac97"), (.ich6, "ich6"),
        (.ich7, "ich7"), (.ich9, "ich9"), (.usb, "usb"), (.ics6000, "ics6000"),
    ]
}

/// `<sound model='ich6'>` with optional codecs.
public struct Sound: XMLModel {
    public var model: SoundModel?
    public var codecs: [OpaqueElement] = []
    public var audio: OpaqueElement?
    public var alias: DeviceAlias?
    public var address: DeviceAddress?
    public var unknown = XMLUnknown()
    public init() {}
    public init(model: SoundModel) { self.model = model }
    public static let xml = XMLMapping<Sound> {
        Field.attribute("model", \.model)
        Field.elements("codec", \.codecs)
        Field.element("audio", \.audio)
        Field.element("alias", \.alias)
        Field.element("address", \.address)
    }
}

/// `<video><model type>`: the emulated display adapter.
public enum VideoModelType: XMLEnum {
    case vga, cirrus, vmvga, xen, vbox, qxl, virtio, gop, bochs, ramfb, none
    case other(String)
    public static let xmlNames: [(VideoModelType, String)] = [
        (.vga, "vga"), (.cirrus, "cirrus"), (.vmvga, "vmvga"), (.xen, "xen"), (.vbox, "vbox"), (.qxl, "qxl"),
        (.virtio, "virtio"), (.gop, "gop"), (.bochs, "bochs"), (.ramfb, "ramfb"), (.none, "none"),
    ]
}

/// `<video><model type='vga' vram='16384' heads='1' primary='yes'/></video>`.
public struct Video: XMLModel {
    public var model: Model?
    public var driver: OpaqueElement?
    public var alias: DeviceAlias?
    public var address: DeviceAddress?
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<Video> {
        Field.element("model", \.model)
        Field.element("driver", \.driver)
        Field.element("alias", \.alias)
        Field.element("address", \.address)
    }

    public struct Model: XMLModel {
        public var type: VideoModelType?
        public var ram: UInt?
        public var vram: UInt?
        public var vram64: UInt?
        public var vgamem: UInt?
        public var heads: UInt?
        public var primary: YesNo?
        public var acceleration: OpaqueElement?
        public var resolution: OpaqueElement?
        public var unknown = XMLUnknown()
        public init() {}
        public static let xml = XMLMapping<Model> {
            Field.attribute("type", \.type)
            Field.attribute("ram", \.ram)
            Field.attribute("vram", \.vram)
            Field.attribute("vram64", \.vram64)
            Field.attribute("vgamem", \.vgamem)
            Field.attribute("heads", \.heads)
            Field.attribute("primary", \.primary)
            Field.element("acceleration", \.acceleration)
            Field.element("resolution", \.resolution)
        }
    }
}

/// `<watchdog model='i6300esb' action='reset'/>`.
public struct Watchdog: XMLModel {
    public var model: String?
    public var action: String?
    public var alias: DeviceAlias?
    public var address: DeviceAddress?
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<Watchdog> {
        Field.attribute("model", \.model)
        Field.attribute("action", \.action)
        Field.element("alias", \.alias)
        Field.element("address", \.address)
    }
}

/// `<memballoon model='virtio'>`; `model='none'` means no balloon at all.
public struct MemBalloon: XMLModel {
    public var model: String?
    public var autodeflate: OnOff?
    public var freePageReporting: OnOff?
    public var stats: OpaqueElement?
    public var driver: OpaqueElement?
    public var alias: DeviceAlias?
    public var address: DeviceAddress?
    public var unknown = XMLUnknown()
    public init() {}
    public init(model: String) { self.model = model }
    public static let xml = XMLMapping<MemBalloon> {
        Field.attribute("model", \.model)
        Field.attribute("autodeflate", \.autodeflate)
        Field.attribute("freePageReporting", \.freePageReporting)
        Field.element("stats", \.stats)
        Field.element("driver", \.driver)
        Field.element("alias", \.alias)
        Field.element("address", \.address)
    }
}

/// `<panic model='hyperv'/>`.
public struct Panic: XMLModel {
    public var model: String?
    public var address: DeviceAddress?
    public var unknown = XMLUnknown()
    public init() {}
    public init(model: String) { self.model = model }
    public static let xml = XMLMapping<Panic> {
        Field.attribute("model", \.model)
        Field.element("address", \.address)
    }
}

/// `<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>`.
public struct RNG: XMLModel {
    public var model: String?
    public var rate: OpaqueElement?
    public var backend: OpaqueElement?
    public var driver: OpaqueElement?
    public var alias: DeviceAlias?
    public var address: DeviceAddress?
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<RNG> {
        Field.attribute("model", \.model)
        Field.element("rate", \.rate)
        Field.element("backend", \.backend)
        Field.element("driver", \.driver)
        Field.element("alias", \.alias)
        Field.element("address", \.address)
    }
}

/// `<filesystem type='mount' accessmode='passthrough'>`: a host folder shared with the guest.
public struct Filesystem: XMLModel {
    public var type: String?
    public var accessmode: String?
    public var model: String?
    public var multidevs: String?
    public var fmode: String?
    public var dmode: String?
    public var driver: FilesystemDriver?
    public var binary: OpaqueElement?
    public var source: Source?
    public var target: Target?
    public var readonly = false
    public var spaceHardLimit: OpaqueElement?
    public var spaceSoftLimit: OpaqueElement?
    public var boot: DeviceBoot?
    public var alias: DeviceAlias?
    public var address: DeviceAddress?
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<Filesystem> {
        Field.attribute("type", \.type)
        Field.attribute("accessmode", \.accessmode)
        Field.attribute("model", \.model)
        Field.attribute("multidevs", \.multidevs)
        Field.attribute("fmode", \.fmode)
        Field.attribute("dmode", \.dmode)
        Field.element("driver", \.driver)
        Field.element("binary", \.binary)
        Field.element("source", \.source)
        Field.element("target", \.target)
        Field.flag("readonly", \.readonly)
        Field.element("space_hard_limit", \.spaceHardLimit)
        Field.element("space_soft_limit", \.spaceSoftLimit)
        Field.element("boot", \.boot)
        Field.element("alias", \.alias)
        Field.element("address", \.address)
    }

    public struct FilesystemDriver: XMLModel {
        public var type: String?
        public var format: String?
        public var wrpolicy: String?
        public var queue: UInt?
        public var unknown = XMLUnknown()
        public init() {}
        public static let xml = XMLMapping<FilesystemDriver> {
            Field.attribute("type", \.type)
            Field.attribute("format", \.format)
            Field.attribute("wrpolicy", \.wrpolicy)
            Field.attribute("queue", \.queue)
        }
    }

    public struct Source: XMLModel {
        public var dir: String?
        public var file: String?
        public var name: String?
        public var socket: String?
        public var usage: String?
        public var units: String?
        public var unknown = XMLUnknown()
        public init() {}
        public static let xml = XMLMapping<Source> {
            Field.attribute("dir", \.dir)
            Field.attribute("file", \.file)
            Field.attribute("name", \.name)
            Field.attribute("socket", \.socket)
            Field.attribute("usage", \.usage)
            Field.attribute("units", \.units)
        }
    }

    public struct Target: XMLModel {
        public var dir: String?
        public var unknown = XMLUnknown()
        public init() {}
        public static let xml = XMLMapping<Target> { Field.attribute("dir", \.dir) }
    }
}

/// `<vsock model='virtio'><cid auto='no' address='3'/></vsock>`.
public struct Vsock: XMLModel {
    public var model: String?
    public var cid: CID?
    public var alias: DeviceAlias?
    public var address: DeviceAddress?
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<Vsock> {
        Field.attribute("model", \.model)
        Field.element("cid", \.cid)
        Field.element("alias", \.alias)
        Field.element("address", \.address)
    }

    public struct CID: XMLModel {
        public var auto: YesNo?
        public var address: UInt?
        public var unknown = XMLUnknown()
        public init() {}
        public static let xml = XMLMapping<CID> {
            Field.attribute("auto", \.auto)
            Field.attribute("address", \.address)
        }
    }
}

/// `<iommu model='intel'><driver intremap='on'/></iommu>`.
public struct IOMMU: XMLModel {
    public var model: String?
    public var driver: OpaqueElement?
    public var alias: DeviceAlias?
    public var address: DeviceAddress?
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<IOMMU> {
        Field.attribute("model", \.model)
        Field.element("driver", \.driver)
        Field.element("alias", \.alias)
        Field.element("address", \.address)
    }
}
