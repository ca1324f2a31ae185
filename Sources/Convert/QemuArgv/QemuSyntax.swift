import Schema

/// The differences between QEMU command-line generations the builder acts on, each named for
/// what it is. They are derived from the emulator's dialect here and nowhere else: builder
/// code asks `syntax.blockdevDisks`, not which generation it is writing for.
public struct QemuSyntax: Sendable, Equatable {
    /// Boolean options spelled `server=on,wait=off` and CPU features `feat=on`, rather than
    /// bare `server,nowait` and `+feat`.
    public var onOffSwitches: Bool
    /// Disks as `-blockdev` storage and format nodes, with write cache and error policies on
    /// the front-end device; before, `-drive if=none` carries them.
    public var blockdevDisks: Bool
    /// ACPI and HPET switched off as `-machine` properties, not `-no-acpi`/`-no-hpet`.
    public var platformSwitchesOnMachine: Bool
    /// `-m size=Nk` (and `-smp` with sockets, cores and threads always spelled out).
    public var explicitSizes: Bool
    /// `-name guest=NAME,debug-threads=on`, as libvirt names guests today.
    public var namedThreads: Bool
    /// The command line runs as printed (no `-S` unless asked): libvirt's older ones were
    /// always started paused.
    public var runsAsPrinted: Bool
    /// The video device a guest with a display but no `<video>` gets.
    public var defaultVideoModel: VideoModelType
    /// The SCSI controller model when the XML names none (before the virtio-scsi default).
    public var defaultSCSIVirtio: Bool
    /// VNC `to=99`: with autoport, QEMU searches upwards for a free display.
    public var vncPortSearch: Bool
    /// Displays name the `-audiodev` backend they carry sound to.
    public var displayAudiodev: Bool
    /// `vgamem_mb` on VGA and Cirrus devices.
    public var vgaMemoryProperty: Bool
    /// Guest memory locked with `-overcommit mem-lock=on`.
    public var memoryLocking: Bool
    /// PCI passthrough through VFIO (`vfio-pci`) rather than KVM's `pci-assign`.
    public var vfioPassthrough: Bool
    /// `-action watchdog=…` rather than `-watchdog-action`.
    public var actionOption: Bool
    /// Hyper-V enlightenments named `hv-NAME` (QEMU's spelling since 4.1) rather than `hv_NAME`.
    public var hypervDashedNames: Bool
    /// Without a QMP socket to write, a `-chardev pty` + readline `-mon` monitor (the device
    /// generation's); the legacy one writes `-monitor pty`, the modern one none.
    public var ptyMonitorChardev: Bool

    init(_ dialect: EmulatorCapabilities.Dialect) {
        let modern = dialect == .modern
        onOffSwitches = modern
        blockdevDisks = modern
        platformSwitchesOnMachine = modern
        explicitSizes = modern
        namedThreads = modern
        runsAsPrinted = modern
        defaultVideoModel = modern ? .vga : .cirrus
        defaultSCSIVirtio = modern
        vncPortSearch = modern
        displayAudiodev = modern
        vgaMemoryProperty = modern
        memoryLocking = modern
        vfioPassthrough = modern
        actionOption = modern
        hypervDashedNames = modern
        ptyMonitorChardev = dialect == .device
    }
}

extension EmulatorCapabilities {
    public var syntax: QemuSyntax { QemuSyntax(dialect) }
}
