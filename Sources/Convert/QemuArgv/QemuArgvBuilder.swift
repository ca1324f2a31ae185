import Schema

/// Settings the runtime adds when it launches a guest itself (not used by domxml-to-native).
public struct LaunchSettings: Sendable {
    /// Where QEMU listens for QMP.
    public var qmpSocket: String
    /// More QMP monitors (the runtime keeps one for queries and one for a daemon's events,
    /// since a QMP socket serves one client at a time).
    public var extraMonitors: [String] = []
    /// Start with CPUs stopped (`-S`) so the caller can finish setup through QMP first.
    public var startPaused: Bool
    public var pidFile: String?
    /// `-no-shutdown`: keep QEMU (stopped) after the guest powers off, so its manager can
    /// act on it. The runtime asks for it only when a life-cycle action needs it.
    public var keepAfterShutdown = true
    /// Tap descriptors the runtime opened, by NIC index: the NIC's backend is `tap,fd=N`.
    public var tapDescriptors: [Int: Int32] = [:]
    /// The caller sets VNC/SPICE passwords over QMP itself (no warning that it must).
    public var setsPasswords = false

    public init(qmpSocket: String, startPaused: Bool = true, pidFile: String? = nil) {
        self.qmpSocket = qmpSocket
        self.startPaused = startPaused
        self.pidFile = pidFile
    }
}

/// One device of a domain by family and position (`disk` 0, `interface` 1): how the
/// builder reports which QEMU ids it gave the domain's devices.
public struct DeviceSlot: Hashable, Sendable {
    public var family: String
    public var index: Int
    public init(_ family: String, _ index: Int) {
        self.family = family
        self.index = index
    }
}

/// Turns a `Domain` into a QEMU command line for one emulator's capabilities.
///
/// Three dialects (see `EmulatorCapabilities.Dialect`): the legacy one reproduces what
/// libvirt wrote for QEMU before 0.12; the device one the `-device` generation; the modern
/// one is what QEMU 7/8 wants and runs as printed. Every value that lands inside a QEMU
/// option list is escaped (`,` → `,,`); values that cannot be expressed safely (control
/// characters) are refused.
public struct QemuArgvBuilder {
    public var capabilities: EmulatorCapabilities
    public var environment: [String: String]
    public var launch: LaunchSettings?
    /// Used in diagnostics.
    public var fileName: String
    /// Maps a libvirt network name to its host bridge (default: `virbr0` for `default`).
    public var networkBridge: @Sendable (String) -> String? = { $0 == "default" ? "virbr0" : nil }
    /// The moment the guest starts (seconds since the epoch), for clocks that start from a chosen time (`-rtc base=`).
    public var startTime = RTCBase.now()

    public init(
        capabilities: EmulatorCapabilities, environment: [String: String] = [:], launch: LaunchSettings? = nil,
        fileName: String = "-"
    ) {
        self.capabilities = capabilities
        self.environment = environment
        self.launch = launch
        self.fileName = fileName
    }

    public func build(_ domain: Domain) throws(Diagnostic) -> QemuCommandLine {
        var b = ArgvBuild(domain: domain, caps: capabilities, fileName: fileName, launch: launch)
        b.networkBridge = networkBridge
        b.startTime = startTime
        try b.run()
        var env: [(name: String, value: String)] = [("LC_ALL", "C"), ("PATH", "/usr/bin:/bin")]
        for key in ["HOME", "USER", "LOGNAME"] {
            if let v = environment[key] { env.append((key, v)) }
        }
        for e in domain.qemuCommandline?.env ?? [] {
            if let name = e.name { env.append((name, e.value ?? "")) }
        }
        var line = QemuCommandLine(environment: env, binary: b.binary, arguments: b.args)
        line.warnings = b.warnings
        line.aliases = b.aliases
        line.chardevs = b.chardevs
        return line
    }
}

/// The state of one build: arguments so far, PCI slots handed out, device ids.
struct ArgvBuild {
    let domain: Domain
    let caps: EmulatorCapabilities
    let fileName: String
    let launch: LaunchSettings?
    var networkBridge: @Sendable (String) -> String? = { _ in nil }
    var startTime = RTCBase.now()
    var args: [String] = []
    var binary = ""
    var pci = PCIAllocator()
    var warnings: [String] = []
    /// The `id` each device got, and the `-chardev` id of each character device's host end.
    var aliases: [DeviceSlot: String] = [:]
    var chardevs: [DeviceSlot: String] = [:]
    /// Building one device for a running guest: no PCI slot is chosen (QEMU picks a free
    /// one; ours would collide with the guest's devices).
    var hotplug = false
    /// Boot order handed to devices when the dialect uses bootindex.
    var bootIndexes: [BootDevice: Int] = [:]
    var audiodevID: String?

    init(domain: Domain, caps: EmulatorCapabilities, fileName: String, launch: LaunchSettings?) {
        self.domain = domain
        self.caps = caps
        syntax = caps.syntax
        self.fileName = fileName
        self.launch = launch
    }

    var dialect: EmulatorCapabilities.Dialect { caps.dialect }
    /// The named differences between generations the builder acts on (worked out once).
    let syntax: QemuSyntax
    var devices: Devices { domain.devices ?? Devices() }

    var arch: String { domain.os?.type?.arch ?? EmulatorArch.arch(ofBinary: binary) }

    var isX86: Bool { ["i686", "i386", "x86_64"].contains(arch) }

    var isS390: Bool { arch == "s390x" }

    /// A virtio device model for this machine: `-pci` everywhere but s390, where it is `-ccw`.
    func virtio(_ base: String) -> String { base + (isS390 ? "-ccw" : "-pci") }

    var machine: String? {
        domain.os?.type?.machine ?? caps.defaultMachine ?? EmulatorArch.defaultMachine(forArch: arch)
    }

    var isQ35: Bool { machine.map { $0.hasPrefix("q35") || $0.hasPrefix("pc-q35") } ?? false }

    /// The root PCI bus name QEMU gives the machine.
    var rootBus: String { isQ35 ? "pcie.0" : "pci.0" }

    mutating func add(_ words: String...) { args += words }

    /// Refuses text QEMU or a one-line command cannot carry safely.
    func checked(_ value: String, _ what: String, line: Int) throws(Diagnostic) -> String {
        if value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) {
            throw Diagnostic(
                file: fileName, line: line, element: nil,
                message: "\(what) contains a control character and cannot be passed to QEMU safely")
        }
        return value
    }

    func fail(_ message: String, line: Int, element: String? = nil) -> Diagnostic {
        Diagnostic(file: fileName, line: line, element: element, message: message)
    }

    /// `-device` in the dialect's syntax: JSON when supported, key=value otherwise.
    mutating func device(_ driver: String, _ props: [(String, DeviceValue)]) {
        args.append("-device")
        args.append(renderObject([("driver", .string(driver))] + props))
    }

    func renderObject(_ props: [(String, DeviceValue)]) -> String {
        if caps.has(.json) {
            return QemuJSONObject(props.map { ($0.0, $0.1.json) }).rendered
        }
        var list = QemuOptionList()
        for (i, (k, v)) in props.enumerated() {
            // The first member is the driver/type, written bare as QEMU's keyval expects.
            if i == 0 && (k == "driver" || k == "type" || k == "qom-type") {
                list.append(nil, v.keyval)
            } else {
                list.append(k, v.keyval)
            }
        }
        return list.rendered
    }

    mutating func run() throws(Diagnostic) {
        binary = try checked(
            domain.devices?.emulator ?? EmulatorArch.defaultEmulator(forArch: domain.os?.type?.arch),
            "emulator path", line: domain.line)
        guard EmulatorArch.isQemu(binary) else {
            throw fail(
                "emulator \(binary) is not a QEMU binary (its name holds neither qemu nor kvm)",
                line: domain.devices?.line ?? domain.line, element: "emulator")
        }
        if let target = EmulatorArch.target(ofBinary: binary), EmulatorArch.arch(forTarget: target) == nil {
            throw fail(
                "emulator \(binary) names no architecture QEMU emulates", line: domain.devices?.line ?? domain.line,
                element: "emulator")
        }
        try checkDomain()
        try refuseUnsupportedDevices()  // in every dialect: refused, never dropped
        switch dialect {
        case .legacy: try buildLegacy()
        case .device, .modern: try buildDevices()
        }
        for arg in domain.qemuCommandline?.args ?? [] {
            if let v = arg.value { args.append(try checked(v, "qemu:arg value", line: arg.line)) }
        }
    }

    func checkDomain() throws(Diagnostic) {
        if let type = domain.type, ![.qemu, .kvm, .kqemu].contains(type) {
            throw fail(
                "domain type '\(type.xmlValue)' is not a QEMU guest (qemu, kvm or kqemu)", line: domain.line,
                element: "domain")
        }
        if domain.launchSecurity != nil {
            throw fail(
                "<launchSecurity> needs the host's firmware and a running host driver; it cannot be written as a command line",
                line: domain.launchSecurity!.line, element: "launchSecurity")
        }
        if let name = domain.name { _ = try checked(name, "domain name", line: domain.line) }
        guard domain.memory?.kibibytes != nil else {
            throw fail("domain has no usable <memory> size", line: domain.line, element: "domain")
        }
        if let os = domain.os?.type?.value, os != "hvm" {
            throw fail("QEMU runs hvm guests; os type '\(os)' is not supported", line: domain.line, element: "type")
        }
    }

    var memoryMiB: UInt64 { (domain.memory?.kibibytes ?? 0) / 1024 }

    var vcpuCount: UInt { domain.vcpu?.count ?? 1 }

    /// `-smp` with the topology and hotplug ceiling when the XML has them.
    var smp: String {
        let max = vcpuCount
        var list = QemuOptionList()
        list.append(nil, String(domain.vcpu?.current ?? max))
        if let current = domain.vcpu?.current, current < max { list.append("maxcpus", String(max)) }
        if let t = domain.cpu?.topology {
            list.append("sockets", t.sockets.map(String.init))
            list.append("dies", t.dies.map(String.init))
            list.append("cores", t.cores.map(String.init))
            list.append("threads", t.threads.map(String.init))
        } else if syntax.explicitSizes {
            list.append("sockets", String(max))
            list.append("cores", "1")
            list.append("threads", "1")
        }
        if domain.vcpu?.current != nil && domain.cpu?.topology != nil && list.value("maxcpus") == nil {
            list.append("maxcpus", String(max))
        }
        return list.rendered
    }

    /// The boot order; libvirt boots the first hard disk when the XML names nothing.
    var bootList: [BootDevice] {
        let list = domain.os?.bootDevices ?? []
        return list.isEmpty && !hasKernel ? [.hd] : list
    }

    /// Letters of `-boot` for the legacy syntax (`c`, `d`, `a`, `n`).
    var bootLetters: String {
        let letters = bootList.compactMap { dev -> Character? in
            switch dev {
            case .fd: "a"
            case .hd: "c"
            case .cdrom: "d"
            case .network: "n"
            case .other: nil
            }
        }
        return letters.isEmpty ? "c" : String(letters)
    }

    var hasKernel: Bool { domain.os?.kernel != nil }

    mutating func addKernel() throws(Diagnostic) {
        guard let os = domain.os else { return }
        if let k = os.kernel { add("-kernel", try checked(k, "kernel path", line: os.line)) }
        if let i = os.initrd { add("-initrd", try checked(i, "initrd path", line: os.line)) }
        if let c = os.cmdline { add("-append", try checked(c, "kernel command line", line: os.line)) }
        if let d = os.dtb { add("-dtb", try checked(d, "dtb path", line: os.line)) }
    }

    var lifecycleNoReboot: Bool { domain.onReboot == .destroy }
}

/// A property value for `-device`/`-netdev`/`-object`, written as JSON or key=value.
enum DeviceValue {
    case string(String)
    case int(Int)
    case bool(Bool)
    /// Only for JSON objects (blockdev server lists); key=value has no such thing.
    case raw(QemuJSONObject.Value)

    var json: QemuJSONObject.Value {
        switch self {
        case .string(let s): .string(s)
        case .int(let i): .int(Int64(i))
        case .bool(let b): .bool(b)
        case .raw(let v): v
        }
    }

    var keyval: String {
        switch self {
        case .string(let s): s
        case .int(let i): String(i)
        case .bool(let b): b ? "on" : "off"
        case .raw: ""
        }
    }
}
