/// A libvirt guest definition: the `<domain>` document.
///
/// Children are written in libvirt's order; anything the model does not know is kept in
/// `unknown` and written after the known children.
public struct Domain: XMLRootModel {
    public static let rootElementName = "domain"

    public var type: DomainType?
    public var id: Int?
    public var name: String?
    public var uuid: UUIDValue?
    public var genid: String?
    public var title: String?
    public var description: String?
    public var metadata: OpaqueElement?
    public var maxMemory: MaxMemory?
    public var memory: MemorySize?
    public var currentMemory: MemorySize?
    public var blkiotune: OpaqueElement?
    public var memtune: OpaqueElement?
    public var memoryBacking: MemoryBacking?
    public var vcpu: VCPUs?
    public var vcpus: OpaqueElement?
    public var iothreads: UInt?
    public var iothreadids: OpaqueElement?
    public var cputune: OpaqueElement?
    public var numatune: OpaqueElement?
    public var resource: OpaqueElement?
    public var sysinfo: [OpaqueElement] = []
    public var bootloader: String?
    public var bootloaderArgs: String?
    public var os: OS?
    public var idmap: OpaqueElement?
    public var features: Features?
    public var cpu: CPU?
    public var clock: Clock?
    public var onPoweroff: LifecycleAction?
    public var onReboot: LifecycleAction?
    public var onCrash: LifecycleAction?
    public var onLockfailure: String?
    public var pm: PowerManagement?
    public var perf: OpaqueElement?
    public var devices: Devices?
    public var seclabels: [SecurityLabel] = []
    public var keywrap: KeyWrap?
    public var launchSecurity: OpaqueElement?
    public var qemuCommandline: QemuCommandline?
    public var unknown = XMLUnknown()

    public init() {}

    public static let xml = XMLMapping<Domain> {
        Field.attribute("type", \.type)
        Field.attribute("id", \.id)
        Field.textElement("name", \.name)
        Field.textElement("uuid", \.uuid)
        Field.textElement("genid", \.genid)
        Field.textElement("title", \.title)
        Field.textElement("description", \.description)
        Field.element("metadata", \.metadata)
        Field.element("maxMemory", \.maxMemory)
        Field.element("memory", \.memory)
        Field.element("currentMemory", \.currentMemory)
        Field.element("blkiotune", \.blkiotune)
        Field.element("memtune", \.memtune)
        Field.element("memoryBacking", \.memoryBacking)
        Field.element("vcpu", \.vcpu)
        Field.element("vcpus", \.vcpus)
        Field.textElement("iothreads", \.iothreads)
        Field.element("iothreadids", \.iothreadids)
        Field.element("cputune", \.cputune)
        Field.element("numatune", \.numatune)
        Field.element("resource", \.resource)
        Field.elements("sysinfo", \.sysinfo)
        Field.textElement("bootloader", \.bootloader)
        Field.textElement("bootloader_args", \.bootloaderArgs)
        Field.element("os", \.os)
        Field.element("idmap", \.idmap)
        Field.element("features", \.features)
        Field.element("cpu", \.cpu)
        Field.element("clock", \.clock)
        Field.textElement("on_poweroff", \.onPoweroff)
        Field.textElement("on_reboot", \.onReboot)
        Field.textElement("on_crash", \.onCrash)
        Field.textElement("on_lockfailure", \.onLockfailure)
        Field.element("pm", \.pm)
        Field.element("perf", \.perf)
        Field.element("devices", \.devices)
        Field.elements("seclabel", \.seclabels)
        Field.element("keywrap", \.keywrap)
        Field.element("launchSecurity", \.launchSecurity)
        Field.element("commandline", \.qemuCommandline, namespace: .qemu)
    }

    /// Devices, created empty on first write so callers can append.
    public var deviceList: Devices {
        get { devices ?? Devices() }
        set { devices = newValue }
    }
}

/// The hypervisor a domain is for (`<domain type=…>`).
public enum DomainType: XMLEnum {
    case xen, qemu, kqemu, kvm, lxc, openvz, test, vmware, hyperv, vbox, phyp, vz, bhyve, ch, uml
    case other(String)
    public static let xmlNames: [(DomainType, String)] = [
        (.xen, "xen"), (.qemu, "qemu"), (.kqemu, "kqemu"), (.kvm, "kvm"), (.lxc, "lxc"),
        (.openvz, "openvz"), (.test, "test"), (.vmware, "vmware"), (.hyperv, "hyperv"),
        (.vbox, "vbox"), (.phyp, "phyp"), (.vz, "vz"), (.bhyve, "bhyve"), (.ch, "ch"), (.uml, "uml"),
    ]
}

/// What happens on guest power-off, reboot or crash.
public enum LifecycleAction: XMLEnum {
    case destroy, restart, preserve, renameRestart, coredumpDestroy, coredumpRestart
    case other(String)
    public static let xmlNames: [(LifecycleAction, String)] = [
        (.destroy, "destroy"), (.restart, "restart"), (.preserve, "preserve"),
        (.renameRestart, "rename-restart"), (.coredumpDestroy, "coredump-destroy"),
        (.coredumpRestart, "coredump-restart"),
    ]
}

/// `<vcpu placement='static' cpuset='1-3' current='1'>2</vcpu>`.
public struct VCPUs: XMLModel {
    public var placement: String?
    public var cpuset: String?
    public var current: UInt?
    public var count: UInt?
    public var unknown = XMLUnknown()
    public init() {}

    public init(_ count: UInt) { self.count = count }

    public static let xml = XMLMapping<VCPUs> {
        Field.attribute("placement", \.placement)
        Field.attribute("cpuset", \.cpuset)
        Field.attribute("current", \.current)
        Field.text(\.count)
    }
}

/// `<pm>`: guest power management switches.
public struct PowerManagement: XMLModel {
    public var suspendToMem: PMSwitch?
    public var suspendToDisk: PMSwitch?
    public var unknown = XMLUnknown()
    public init() {}

    public static let xml = XMLMapping<PowerManagement> {
        Field.element("suspend-to-mem", \.suspendToMem)
        Field.element("suspend-to-disk", \.suspendToDisk)
    }
}

public struct PMSwitch: XMLModel {
    public var enabled: YesNo?
    public var unknown = XMLUnknown()
    public init() {}
    public init(enabled: Bool) { self.enabled = YesNo(enabled) }

    public static let xml = XMLMapping<PMSwitch> {
        Field.attribute("enabled", \.enabled)
    }
}

/// `<seclabel type='dynamic' model='selinux' relabel='yes'>` with its labels.
public struct SecurityLabel: XMLModel {
    public var type: String?
    public var model: String?
    public var relabel: YesNo?
    public var label: String?
    public var imagelabel: String?
    public var baselabel: String?
    public var unknown = XMLUnknown()
    public init() {}

    public static let xml = XMLMapping<SecurityLabel> {
        Field.attribute("type", \.type)
        Field.attribute("model", \.model)
        Field.attribute("relabel", \.relabel)
        Field.textElement("label", \.label)
        Field.textElement("imagelabel", \.imagelabel)
        Field.textElement("baselabel", \.baselabel)
    }
}

/// `<keywrap>`: s390 AES/DEA key wrapping.
public struct KeyWrap: XMLModel {
    public var ciphers: [Cipher] = []
    public var unknown = XMLUnknown()
    public init() {}

    public static let xml = XMLMapping<KeyWrap> {
        Field.elements("cipher", \.ciphers)
    }

    public struct Cipher: XMLModel {
        public var name: String?
        public var state: OnOff?
        public var unknown = XMLUnknown()
        public init() {}
        public init(name: String, state: OnOff) {
            self.name = name
            self.state = state
        }

        public static let xml = XMLMapping<Cipher> {
            Field.attribute("name", \.name)
            Field.attribute("state", \.state)
        }
    }
}

/// `<qemu:commandline>`: raw arguments and environment passed to QEMU as they are.
public struct QemuCommandline: XMLModel {
    public var args: [Arg] = []
    public var env: [Env] = []
    public var unknown = XMLUnknown()
    public init() {}

    public static let xml = XMLMapping<QemuCommandline> {
        Field.elements("arg", \.args, namespace: .qemu)
        Field.elements("env", \.env, namespace: .qemu)
    }

    public struct Arg: XMLModel {
        public var value: String?
        public var unknown = XMLUnknown()
        public init() {}
        public init(_ value: String) { self.value = value }
        public static let xml = XMLMapping<Arg> { Field.attribute("value", \.value) }
    }

    public struct Env: XMLModel {
        public var name: String?
        public var value: String?
        public var unknown = XMLUnknown()
        public init() {}
        public static let xml = XMLMapping<Env> {
            Field.attribute("name", \.name)
            Field.attribute("value", \.value)
        }
    }
}
