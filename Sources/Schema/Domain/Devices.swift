/// `<devices>`: one list per device family, written in libvirt's order.
public struct Devices: XMLModel {
    public var emulator: String?
    public var disks: [Disk] = []
    public var controllers: [Controller] = []
    public var leases: [OpaqueElement] = []
    public var filesystems: [Filesystem] = []
    public var interfaces: [Interface] = []
    public var smartcards: [OpaqueElement] = []
    public var serials: [CharDevice] = []
    public var parallels: [CharDevice] = []
    public var consoles: [CharDevice] = []
    public var channels: [CharDevice] = []
    public var inputs: [Input] = []
    public var tpms: [OpaqueElement] = []
    public var graphics: [Graphics] = []
    public var sounds: [Sound] = []
    public var audios: [OpaqueElement] = []
    public var videos: [Video] = []
    public var hostdevs: [Hostdev] = []
    /// `<redirdev bus='usb' type='spicevmc'/>`: host end and bus, like a character device.
    public var redirdevs: [CharDevice] = []
    public var redirfilters: [OpaqueElement] = []
    public var hubs: [TypeAttribute] = []
    public var watchdogs: [Watchdog] = []
    public var memballoon: MemBalloon?
    public var rngs: [RNG] = []
    public var panics: [Panic] = []
    public var shmems: [OpaqueElement] = []
    public var memories: [OpaqueElement] = []
    public var iommu: IOMMU?
    public var vsock: Vsock?
    public var cryptos: [OpaqueElement] = []
    public var nvram: OpaqueElement?
    public var unknown = XMLUnknown()
    public init() {}

    public static let xml = XMLMapping<Devices> {
        Field.textElement("emulator", \.emulator)
        Field.elements("disk", \.disks)
        Field.elements("controller", \.controllers)
        Field.elements("lease", \.leases)
        Field.elements("filesystem", \.filesystems)
        Field.elements("interface", \.interfaces)
        Field.elements("smartcard", \.smartcards)
        Field.elements("serial", \.serials)
        Field.elements("parallel", \.parallels)
        Field.elements("console", \.consoles)
        Field.elements("channel", \.channels)
        Field.elements("input", \.inputs)
        Field.elements("tpm", \.tpms)
        Field.elements("graphics", \.graphics)
        Field.elements("sound", \.sounds)
        Field.elements("audio", \.audios)
        Field.elements("video", \.videos)
        Field.elements("hostdev", \.hostdevs)
        Field.elements("redirdev", \.redirdevs)
        Field.elements("redirfilter", \.redirfilters)
        Field.elements("hub", \.hubs)
        Field.elements("watchdog", \.watchdogs)
        Field.element("memballoon", \.memballoon)
        Field.elements("rng", \.rngs)
        Field.elements("panic", \.panics)
        Field.elements("shmem", \.shmems)
        Field.elements("memory", \.memories)
        Field.element("iommu", \.iommu)
        Field.element("vsock", \.vsock)
        Field.elements("crypto", \.cryptos)
        Field.element("nvram", \.nvram)
    }
}
