/// `<os>`: what to boot and how.
public struct OS: XMLModel {
    public var firmware: String?
    public var type: OSType?
    public var firmwareInfo: OpaqueElement?
    public var loader: Loader?
    public var nvram: OpaqueElement?
    public var kernel: String?
    public var initrd: String?
    public var cmdline: String?
    public var dtb: String?
    public var root: String?
    public var initPath: String?
    public var boots: [Boot] = []
    public var bootmenu: OpaqueElement?
    public var smbios: OpaqueElement?
    public var bios: BIOS?
    public var unknown = XMLUnknown()
    public init() {}

    public static let xml = XMLMapping<OS> {
        Field.attribute("firmware", \.firmware)
        Field.element("type", \.type)
        Field.element("firmware", \.firmwareInfo)
        Field.element("loader", \.loader)
        Field.element("nvram", \.nvram)
        Field.textElement("kernel", \.kernel)
        Field.textElement("initrd", \.initrd)
        Field.textElement("cmdline", \.cmdline)
        Field.textElement("dtb", \.dtb)
        Field.textElement("root", \.root)
        Field.textElement("init", \.initPath)
        Field.elements("boot", \.boots)
        Field.element("bootmenu", \.bootmenu)
        Field.element("smbios", \.smbios)
        Field.element("bios", \.bios)
    }

    /// Boot devices in order of preference.
    public var bootDevices: [BootDevice] { boots.compactMap(\.dev) }
}

/// `<type arch='x86_64' machine='pc'>hvm</type>`.
public struct OSType: XMLModel {
    public var arch: String?
    public var machine: String?
    public var value: String?
    public var unknown = XMLUnknown()
    public init() {}

    public init(_ value: String, arch: String? = nil, machine: String? = nil) {
        self.value = value
        self.arch = arch
        self.machine = machine
    }

    public static let xml = XMLMapping<OSType> {
        Field.attribute("arch", \.arch)
        Field.attribute("machine", \.machine)
        Field.text(\.value)
    }
}

/// `<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader>`.
public struct Loader: XMLModel {
    public var readonly: YesNo?
    public var secure: YesNo?
    public var type: String?
    public var format: String?
    public var stateless: YesNo?
    public var path: String?
    public var unknown = XMLUnknown()
    public init() {}

    public init(path: String) { self.path = path }

    public static let xml = XMLMapping<Loader> {
        Field.attribute("readonly", \.readonly)
        Field.attribute("secure", \.secure)
        Field.attribute("type", \.type)
        Field.attribute("format", \.format)
        Field.attribute("stateless", \.stateless)
        Field.text(\.path)
    }
}

/// `<boot dev='hd'/>`, repeated in order of preference.
public struct Boot: XMLModel {
    public var dev: BootDevice?
    public var unknown = XMLUnknown()
    public init() {}
    public init(_ dev: BootDevice) { self.dev = dev }

    public static let xml = XMLMapping<Boot> {
        Field.attribute("dev", \.dev)
    }
}

public enum BootDevice: XMLEnum {
    case fd, hd, cdrom, network
    case other(String)
    public static let xmlNames: [(BootDevice, String)] = [
        (.fd, "fd"), (.hd, "hd"), (.cdrom, "cdrom"), (.network, "network"),
    ]
}

/// `<bios useserial='yes' rebootTimeout='0'/>`.
public struct BIOS: XMLModel {
    public var useserial: YesNo?
    public var rebootTimeout: Int?
    public var unknown = XMLUnknown()
    public init() {}

    public static let xml = XMLMapping<BIOS> {
        Field.attribute("useserial", \.useserial)
        Field.attribute("rebootTimeout", \.rebootTimeout)
    }
}
