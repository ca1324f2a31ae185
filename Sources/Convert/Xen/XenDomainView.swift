import Schema

/// A domain read the way libvirt's parser normalised it before any Xen writer ran: defaults
/// filled in, legacy spellings resolved. All three writers start from this view.
struct XenDomainView {
    let domain: Domain
    let fileName: String

    init(_ domain: Domain, fileName: String) {
        self.domain = domain
        self.fileName = fileName
    }

    func fail(_ message: String, element: String? = nil, line: Int = 0) -> Diagnostic {
        Diagnostic(file: fileName, line: max(line, 1), element: element, message: message)
    }

    /// xend's `vcpu_avail`: a 64-bit mask of the online vCPUs, the first `current` ones.
    /// A guest with more than 64 online of a larger maximum has no such mask.
    func vcpuAvailMask() throws(Diagnostic) -> UInt64 {
        guard currentVCPUs <= 64 else {
            throw fail(
                "\(currentVCPUs) online vCPUs do not fit xend's 64-bit vcpu_avail mask", element: "vcpu",
                line: domain.vcpu?.line ?? 0)
        }
        return currentVCPUs == 64 ? .max : (UInt64(1) << UInt64(currentVCPUs)) - 1
    }

    var devices: Devices { domain.devices ?? Devices() }

    func name() throws(Diagnostic) -> String {
        guard let n = domain.name, !n.isEmpty else { throw fail("missing domain name", element: "name") }
        return n
    }

    /// The domain's UUID; libvirt makes one up when the XML has none.
    var uuid: UUIDValue { domain.uuid ?? .random() }

    var osType: String { domain.os?.type?.value ?? "xen" }
    var isHVM: Bool { osType == "hvm" }
    /// `linux` is the pre-0.7 spelling of a paravirtual guest.
    var isPV: Bool { osType == "xen" || osType == "linux" }

    /// Maximum and current memory in KiB.
    func memory() throws(Diagnostic) -> (maximum: UInt64, current: UInt64) {
        guard let total = domain.memory?.kibibytes ?? domain.currentMemory?.kibibytes else {
            throw fail("missing or invalid memory size", element: "memory", line: domain.memory?.line ?? 0)
        }
        let current = min(domain.currentMemory?.kibibytes ?? total, total)
        return (total, current)
    }

    static func mebibytes(_ kib: UInt64) -> UInt64 { (kib + 1023) / 1024 }

    var maxVCPUs: UInt { domain.vcpu?.count ?? 1 }
    var currentVCPUs: UInt { min(domain.vcpu?.current ?? maxVCPUs, maxVCPUs) }

    /// The vcpu pinning mask in libvirt's canonical form.
    func cpuset() throws(Diagnostic) -> String? {
        guard let raw = domain.vcpu?.cpuset else { return nil }
        guard let set = XenCPUSet.parse(raw), !set.isEmpty else {
            throw fail("invalid cpuset '\(raw)'", element: "vcpu", line: domain.vcpu?.line ?? 0)
        }
        return XenCPUSet.format(set)
    }

    func lifecycle(_ action: LifecycleAction?, _ element: String, default value: LifecycleAction)
        throws(Diagnostic) -> String
    {
        let a = action ?? value
        guard a.isKnown else { throw fail("unknown lifecycle action '\(a.xmlValue)'", element: element) }
        return a.xmlValue
    }

    /// Serial ports, with an HVM guest's lone `<console>` standing for serial port 0 as
    /// libvirt's parser treats it.
    var serials: [CharDevice] {
        let d = devices
        if !d.serials.isEmpty || !isHVM { return d.serials }
        guard let console = d.consoles.first,
            console.target?.type == nil || console.target?.type == "serial"
        else { return [] }
        var serial = console
        if serial.type == nil { serial.type = .pty }
        serial.target = CharTarget(port: 0)
        return [serial]
    }

    /// A disk's target without the legacy `ioemu:` prefix libvirt's parser dropped.
    static func target(_ disk: Disk) -> String {
        var dev = disk.target?.dev ?? ""
        if dev.hasPrefix("ioemu:") { dev.removeFirst(6) }
        return dev
    }

    /// The VNC display to write (port − 5900), or nil for a port chosen at start-up. xend
    /// numbers displays from port 5900, so a fixed port outside 5900…65535 cannot be written.
    func vncDisplay(_ g: Graphics) throws(Diagnostic) -> Int? {
        guard let port = g.port, port != -1, g.autoport != .yes else { return nil }
        guard (5900...65535).contains(port) else {
            throw fail("VNC port \(port) is not a Xen display (5900 and up)", element: "graphics", line: g.line)
        }
        return port - 5900
    }

    /// Clock offset and RTC adjustment as Xen's `localtime`/`rtc_timeoffset` express them.
    func timeOffset() throws(Diagnostic) -> (localtime: Bool, rtcOffset: Int) {
        guard let clock = domain.clock else { return (false, 0) }
        let line = clock.line
        switch clock.offset ?? clock.sync ?? .utc {
        case .utc: return (false, 0)
        case .localtime: return (true, 0)
        case .variable where isHVM:
            let adjustment = Int(clock.adjustment ?? "0") ?? 0
            return (clock.basis == "localtime", adjustment)
        case let other:
            throw fail("unsupported clock offset='\(other.xmlValue)'", element: "clock", line: line)
        }
    }

    /// The explicit HPET setting, if any.
    var hpet: Bool? {
        domain.clock?.timer("hpet")?.present?.bool
    }
}
