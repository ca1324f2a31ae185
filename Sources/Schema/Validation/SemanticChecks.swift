/// Checks the schemas cannot express: uniqueness across elements and references between
/// them. Each problem names the line and element of the offending (second) occurrence.
///
/// A duplicate disk target is an error (libvirt refuses such a domain). A shared MAC and a
/// boot device with nothing to boot are warnings: libvirt accepts both (its own test data
/// has them) but the guest will not work as meant.
public enum SemanticChecks {
    public static func check(_ domain: Domain, file: String) -> [Diagnostic] {
        var state = DomainState(file: file)
        state.add(domain.devices ?? Devices())
        return state.finish(boots: domain.os?.boots ?? [])
    }

    /// The domain checks fed a part of `<devices>` at a time, for documents validated as a
    /// stream (`StreamingDomainCheck`): it keeps only what a later device or `<boot>` is
    /// checked against, never the devices themselves.
    public struct DomainState {
        let file: String
        private var problems: [Diagnostic] = []
        private var targets = FirstUse()
        private var macs = FirstUse()
        private var hasNICs = false
        private var diskKinds: Set<DiskDevice> = []

        public init(file: String) {
            self.file = file
        }

        public mutating func add(_ devices: Devices) {
            for disk in devices.disks {
                diskKinds.insert(disk.effectiveDevice)
                guard let target = disk.target, let dev = target.dev else { continue }
                if let first = targets.earlier(dev, at: target.line) {
                    problems.append(
                        Diagnostic(
                            file: file, line: target.line, element: "target",
                            message: "duplicate disk target '\(dev)' (first used on line \(first))"))
                }
            }
            hasNICs = hasNICs || !devices.interfaces.isEmpty || !devices.hostdevs.isEmpty
            for nic in devices.interfaces {
                guard let mac = nic.mac, let address = mac.address else { continue }
                if let first = macs.earlier(address.lowercased(), at: mac.line) {
                    problems.append(
                        Diagnostic(
                            file: file, line: mac.line, element: "mac",
                            message: "duplicate MAC address '\(address)' (first used on line \(first))", severity: .warning))
                }
            }
        }

        /// The problems found, once every device has been added; `boots` are the domain's
        /// `<os><boot>` elements.
        public func finish(boots: [Boot]) -> [Diagnostic] {
            var problems = problems
            for boot in boots {
                guard let dev = boot.dev, let wanted = SemanticChecks.deviceClass(for: dev) else { continue }
                let present: Bool
                switch wanted {
                case .nic: present = hasNICs
                case .disk(let kinds): present = !kinds.isDisjoint(with: diskKinds)
                }
                if !present {
                    problems.append(
                        Diagnostic(
                            file: file, line: boot.line, element: "boot",
                            message: "boot device '\(dev.xmlValue)' has no matching \(wanted.noun) in <devices>",
                            severity: .warning))
                }
            }
            return problems
        }
    }

    public static func check(_ network: Network, file: String) -> [Diagnostic] {
        var problems: [Diagnostic] = []
        var macs = FirstUse()
        var ips = FirstUse()
        for ip in network.ips {
            for host in ip.dhcp?.hosts ?? [] {
                if let mac = host.mac?.lowercased(), let first = macs.earlier(mac, at: host.line) {
                    problems.append(
                        Diagnostic(
                            file: file, line: host.line, element: "host",
                            message: "duplicate DHCP host MAC '\(mac)' (first used on line \(first))"))
                }
                if let addr = host.ip, let first = ips.earlier(addr, at: host.line) {
                    problems.append(
                        Diagnostic(
                            file: file, line: host.line, element: "host",
                            message: "duplicate DHCP host address '\(addr)' (first used on line \(first))"))
                }
            }
        }
        return problems
    }

    fileprivate enum DeviceClass {
        case disk(Set<DiskDevice>)
        case nic

        var noun: String {
            switch self {
            case .nic: "network interface"
            case .disk(let kinds) where kinds.contains(.cdrom): "cdrom disk"
            case .disk(let kinds) where kinds.contains(.floppy): "floppy disk"
            case .disk: "hard disk"
            }
        }
    }

    fileprivate static func deviceClass(for dev: BootDevice) -> DeviceClass? {
        switch dev {
        case .hd: .disk([.disk, .lun])
        case .cdrom: .disk([.cdrom])
        case .fd: .disk([.floppy])
        case .network: .nic
        case .other: nil
        }
    }
}

/// The line each value was first used on, to name it when the value comes again.
struct FirstUse {
    private var lines: [String: Int] = [:]

    /// The line `value` was first used on, if it was used before; otherwise `line` is noted
    /// as its first use and the answer is nil.
    mutating func earlier(_ value: String, at line: Int) -> Int? {
        if let first = lines[value] { return first }
        lines[value] = line
        return nil
    }
}
