/// Checks the schemas cannot express: uniqueness across elements and references between
/// them. Each problem names the line and element of the offending (second) occurrence.
///
/// A duplicate disk target is an error (libvirt refuses such a domain). A shared MAC and a
/// boot device with nothing to boot are warnings: libvirt accepts both (its own test data
/// has them) but the guest will not work as meant.
public enum SemanticChecks {
    public static func check(_ domain: Domain, file: String) -> [Diagnostic] {
        var problems: [Diagnostic] = []
        let devices = domain.devices ?? Devices()

        var targets: [String: Int] = [:]
        for disk in devices.disks {
            guard let target = disk.target, let dev = target.dev else { continue }
            if let first = targets[dev] {
                problems.append(
                    Diagnostic(
                        file: file, line: target.line, element: "target",
                        message: "duplicate disk target '\(dev)' (first used on line \(first))"))
            } else {
                targets[dev] = target.line
            }
        }

        var macs: [String: Int] = [:]
        for nic in devices.interfaces {
            guard let mac = nic.mac, let address = mac.address else { continue }
            let key = address.lowercased()
            if let first = macs[key] {
                problems.append(
                    Diagnostic(
                        file: file, line: mac.line, element: "mac",
                        message: "duplicate MAC address '\(address)' (first used on line \(first))", severity: .warning))
            } else {
                macs[key] = mac.line
            }
        }

        for boot in domain.os?.boots ?? [] {
            guard let dev = boot.dev, let wanted = deviceClass(for: dev) else { continue }
            let present: Bool
            switch wanted {
            case .nic: present = !devices.interfaces.isEmpty || !devices.hostdevs.isEmpty
            case .disk(let kinds): present = devices.disks.contains { kinds.contains($0.effectiveDevice) }
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

    public static func check(_ network: Network, file: String) -> [Diagnostic] {
        var problems: [Diagnostic] = []
        var macs: [String: Int] = [:]
        var ips: [String: Int] = [:]
        for ip in network.ips {
            for host in ip.dhcp?.hosts ?? [] {
                if let mac = host.mac?.lowercased() {
                    if let first = macs[mac] {
                        problems.append(
                            Diagnostic(
                                file: file, line: host.line, element: "host",
                                message: "duplicate DHCP host MAC '\(mac)' (first used on line \(first))"))
                    } else {
                        macs[mac] = host.line
                    }
                }
                if let addr = host.ip {
                    if let first = ips[addr] {
                        problems.append(
                            Diagnostic(
                                file: file, line: host.line, element: "host",
                                message: "duplicate DHCP host address '\(addr)' (first used on line \(first))"))
                    } else {
                        ips[addr] = host.line
                    }
                }
            }
        }
        return problems
    }

    private enum DeviceClass {
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

    private static func deviceClass(for dev: BootDevice) -> DeviceClass? {
        switch dev {
        case .hd: .disk([.disk, .lun])
        case .cdrom: .disk([.cdrom])
        case .fd: .disk([.floppy])
        case .network: .nic
        case .other: nil
        }
    }
}
