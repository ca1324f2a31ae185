import Convert
import Foundation
import Schema
import TestSupport
import Testing

/// XML → argv → XML keeps what the domain says, for every fixture the converter supports.
@Suite struct QemuArgvRoundTripTests {
    static let fixtures: [URL] =
        Fixtures.files(in: Fixtures.fixtures.appendingPathComponent("qemu-argv"), suffix: ".xml")
        + Fixtures.files(in: Fixtures.fixtures.appendingPathComponent("seeds/domain"), suffix: ".xml")
        + (Fixtures.hasConformance
            ? Fixtures.files(in: Fixtures.conformance.appendingPathComponent("qemu-argv"), suffix: ".xml") : [])

    @Test(arguments: fixtures, ["7.2.0", "1.5.0", "0.10.0"])
    func modelSurvives(_ url: URL, version: String) async throws {
        let original = try Domain.parse(Fixtures.read(url), fileName: url.path)
        guard original.type == .qemu || original.type == .kvm else { return }  // Xen guests are not QEMU's
        let format = QemuArgvFormat()
        let options = ConversionOptions(emulatorVersion: version)
        let argv: String
        do {
            argv = try await format.write(original, fileName: url.path, options: options).text
        } catch let d as Diagnostic {
            // Only what the dialect cannot express may fail, and it must say so: devices
            // older QEMUs lack, network disks before -drive, protocols QEMU has since dropped
            // (sheepdog went in 6.0). Anything else is a builder bug in that dialect.
            let dialectLimits = ["not supported by this QEMU", "cannot be expressed for QEMU", "not supported by QEMU before"]
            #expect(
                dialectLimits.contains { d.message.contains($0) }, "\(Fixtures.relative(url)) @\(version): \(d)")
            return
        }
        let back = try await format.read(argv, fileName: "-", options: options).domain
        let before = Summary(original, dialect: version)
        let after = Summary(back, dialect: version, reference: original)
        if before != after { Issue.record(
            "\(Fixtures.relative(url)) @\(version): lost \(before.lines.filter { !after.lines.contains($0) }), gained \(after.lines.filter { !before.lines.contains($0) })") }
        // And the argv of the result is the argv we started from: a fixpoint. (A domain with
        // no UUID gets one on the way back, so its fixpoint starts one round later.)
        var first = argv
        var domain = back
        if original.uuid == nil {
            first = try await format.write(back, fileName: "-", options: options).text
            domain = try await format.read(first, fileName: "-", options: options).domain
        }
        let again = try await format.write(domain, fileName: "-", options: options).text
        let a = first.split(separator: " "), b = again.split(separator: " ")
        if again != first {
            Issue.record("\(Fixtures.relative(url)) @\(version) is not a fixpoint: \(a.filter { !b.contains($0) }) → \(b.filter { !a.contains($0) })")
        }
    }
}

/// Every video, sound, NIC and controller model and every disk bus and medium QEMU has a
/// device for is written and read back as itself (the builder and the parser share one
/// table of names, `QemuVocabulary`).
@Suite struct QemuVocabularyRoundTripTests {
    func roundTrip(_ devices: String) async throws -> Domain {
        let xml = """
            <domain type='qemu'><name>v</name><memory>65536</memory><os><type arch='x86_64'>hvm</type></os>
            <devices>\(devices)</devices></domain>
            """
        let options = ConversionOptions(emulatorVersion: "7.2.0")
        let argv = try await QemuArgvFormat().write(try Domain.parse(xml), fileName: "v.xml", options: options).text
        return try await QemuArgvFormat().read(argv, fileName: "v.args", options: options).domain
    }

    @Test(arguments: ["vga", "cirrus", "vmvga", "qxl", "virtio", "bochs", "ramfb"])
    func videoModel(_ type: String) async throws {
        // A secondary display too, so both the primary and the secondary device names travel.
        let back = try await roundTrip(
            "<graphics type='vnc'/><video><model type='\(type)'/></video><video><model type='\(type)'/></video>")
        #expect(back.devices?.videos.map { $0.model?.type?.xmlValue } == [type, type])
    }

    @Test(arguments: ["ich6", "ich9", "ac97", "es1370", "sb16", "usb"])
    func soundModel(_ model: String) async throws {
        let back = try await roundTrip("<sound model='\(model)'/>")
        #expect(back.devices?.sounds.map { $0.model?.xmlValue } == [model])
    }

    /// CPU modes with a QEMU model name come back as themselves; host-model runs as `host`
    /// under KVM and `max` under TCG, which read back as host-passthrough and maximum.
    @Test(arguments: [
        ("host-passthrough", "kvm", "host-passthrough"), ("maximum", "qemu", "maximum"),
        ("host-model", "kvm", "host-passthrough"), ("host-model", "qemu", "maximum"),
    ])
    func cpuMode(_ mode: String, type: String, back: String) async throws {
        let xml = """
            <domain type='\(type)'><name>v</name><memory>65536</memory><os><type arch='x86_64'>hvm</type></os>
            <cpu mode='\(mode)'/><devices/></domain>
            """
        let options = ConversionOptions(emulatorVersion: "7.2.0")
        let argv = try await QemuArgvFormat().write(try Domain.parse(xml), fileName: "v.xml", options: options).text
        let read = try await QemuArgvFormat().read(argv, fileName: "v.args", options: options).domain
        #expect(read.cpu?.mode?.xmlValue == back, "\(argv)")
    }

    @Test(arguments: ["virtio", "e1000", "e1000e", "rtl8139", "vmxnet3", "i82551", "i82557b", "i82559er", "ne2k_pci", "pcnet", "usb-net"])
    func nicModel(_ model: String) async throws {
        let back = try await roundTrip("<interface type='user'><model type='\(model)'/></interface>")
        #expect(back.devices?.interfaces.map(\.modelType) == [model])
    }

    @Test(arguments: [
        ("ide", "disk", "hda"), ("ide", "cdrom", "hdc"), ("sata", "disk", "sda"), ("sata", "cdrom", "sdb"),
        ("scsi", "disk", "sda"), ("scsi", "cdrom", "sdb"), ("scsi", "lun", "sdc"), ("virtio", "disk", "vda"),
        ("fdc", "floppy", "fda"), ("usb", "disk", "sdd"),
    ])
    func diskFrontend(_ bus: String, device: String, target: String) async throws {
        let source = device == "lun" ? "<source dev='/dev/sdz'/>" : "<source file='/i/a.img'/>"
        let back = try await roundTrip("""
            <disk type='\(device == "lun" ? "block" : "file")' device='\(device)'>\(source)<target dev='\(target)' bus='\(bus)'/></disk>
            """)
        let disk = try #require(back.devices?.disks.first)
        #expect(disk.effectiveBus.xmlValue == bus)
        #expect(disk.effectiveDevice.xmlValue == device)
    }

    @Test(arguments: [
        ("usb", "piix3-uhci"), ("usb", "piix4-uhci"), ("usb", "ehci"), ("usb", "ich9-ehci1"), ("usb", "ich9-uhci1"),
        ("usb", "nec-xhci"), ("usb", "qemu-xhci"), ("usb", "vt82c686b-uhci"), ("usb", "pci-ohci"),
        ("scsi", "virtio-scsi"), ("scsi", "lsilogic"), ("scsi", "lsisas1068"), ("scsi", "lsisas1078"),
        ("pci", "pci-bridge"), ("pci", "pcie-root-port"), ("pci", "dmi-to-pci-bridge"), ("pci", "pcie-to-pci-bridge"),
    ])
    func controllerModel(_ type: String, model: String) async throws {
        // A disk on the SCSI bus keeps the HBA in the command line; a PCI bridge is bus 1
        // (bus 0 is the machine's own).
        let disk = type == "scsi" ? "<disk type='file' device='disk'><source file='/i/a.img'/><target dev='sda' bus='scsi'/></disk>" : ""
        let index = type == "pci" ? 1 : 0
        let back = try await roundTrip("<controller type='\(type)' index='\(index)' model='\(model)'/>" + disk)
        let c = back.devices?.controllers.first { $0.type?.xmlValue == type && $0.index == UInt(index) }
        #expect(c?.model?.xmlValue == model)
    }
}

/// A domain that leaves its architecture to the emulator gets the same architecture and
/// machine from the builder and the reader (one table, `EmulatorArch`): they used to differ
/// for `qemu-system-arm` (no -machine written, armv7l/virt read) and `qemu-kvm`.
@Suite struct EmulatorArchRoundTripTests {
    @Test(arguments: [
        ("/usr/bin/qemu-system-arm", "armv7l", "virt"), ("/usr/bin/qemu-system-aarch64", "aarch64", "virt"),
        ("/usr/bin/qemu-kvm", "x86_64", "pc"), ("/usr/bin/qemu-system-riscv64", "riscv64", "virt"),
        ("/usr/bin/qemu-system-i386", "i686", "pc"), ("/usr/bin/qemu-system-s390x", "s390x", "s390-ccw-virtio"),
    ])
    func archFromTheEmulator(_ emulator: String, arch: String, machine: String) async throws {
        let xml = """
            <domain type='qemu'><name>a</name><memory unit='MiB'>64</memory><os><type>hvm</type></os>
            <devices><emulator>\(emulator)</emulator></devices></domain>
            """
        let format = QemuArgvFormat()
        let options = ConversionOptions(emulatorVersion: "7.2.0")
        let argv = try await format.write(try Domain.parse(xml), fileName: "-", options: options).text
        let words = argv.split(separator: " ").map(String.init)
        let written = zip(words, words.dropFirst()).first { $0.0 == "-machine" }?.1
        #expect(written?.split(separator: ",").first.map(String.init) == machine, "\(argv)")
        let back = try await format.read(argv, fileName: "-", options: options).domain
        #expect(back.os?.type?.arch == arch)
        #expect(back.os?.type?.machine == machine)
    }
}

/// What a command line can carry of a domain, in comparable form.
struct Summary: Equatable, CustomStringConvertible {
    var lines: [String] = []

    init(_ d: Domain, dialect: String, reference: Domain? = nil) {
        let modern = dialect == "7.2.0"
        lines.append("name=\(d.name ?? "")")
        // QEMU 0.10 had no -uuid: the identity cannot travel through that dialect.
        // A domain without a UUID gets a fresh one on the way back; that is not a change.
        if dialect != "0.10.0" && (reference ?? d).uuid != nil { lines.append("uuid=\(d.uuid?.xmlValue ?? "")") }
        lines.append("mem=\((d.memory?.kibibytes ?? 0) / (modern ? 1 : 1024))")
        lines.append("vcpu=\(d.vcpu?.count ?? 1)")
        lines.append("machine=\(d.os?.type?.machine ?? "pc")")
        if d.os?.kernel == nil { lines.append("boot=\(Summary.bootOrder(d))") }
        lines.append("kernel=\(d.os?.kernel ?? "") \(d.os?.cmdline ?? "")")
        lines.append("acpi=\(d.features?.acpi != nil)")
        lines.append("clock=\(d.clock?.effectiveOffset.xmlValue ?? "utc")")
        lines.append("reboot=\((d.onReboot ?? .restart) == .destroy ? "destroy" : "restart")")
        let devices = d.devices ?? Devices()
        for disk in devices.disks {
            // A command line places disks by bus position; the guest name is libvirt's. So
            // compare positions (SCSI disks by their address), not names.
            var position = "\(disk.effectiveBus.xmlValue):\(disk.targetDev ?? "")"
            if disk.effectiveBus == .scsi {
                let byName = disk.targetDev.flatMap { $0.last }.map { Int($0.asciiValue ?? 97) - 97 }
                position = "scsi:unit\(disk.address?.drive?.unit ?? byName.map(String.init) ?? "?")"
            }
            var s = "disk \(position) \(disk.effectiveDevice.xmlValue) \(disk.sourcePath ?? "-")"
            if modern || dialect == "1.5.0" { s += " fmt=\(disk.driver?.type ?? "raw")" }
            s += " ro=\(disk.readonly || disk.effectiveDevice == .cdrom)"
            if case .network(let n)? = disk.source {
                var name = n?.name ?? ""
                if n?.protocol == "iscsi" && name.hasSuffix("/0") { name.removeLast(2) }  // LUN 0 either way
                s += " net=\(n?.protocol ?? "") \(name) \(n?.hosts.map { "\($0.name ?? $0.socket ?? ""):\($0.port ?? "")" } ?? [])" }
            lines.append(s)
        }
        for (i, nic) in devices.interfaces.enumerated() {
            // A command line knows no libvirt networks (they become their bridge), and before
            // 0.12 no bridges either (a tap plus an ifup script). MACs are always written, so
            // one the XML left out is generated and not part of the model to keep.
            var type = nic.source?.tag ?? "user"
            if type == "network" { type = "bridge" }
            if dialect == "0.10.0" && type == "bridge" { type = "ethernet" }
            var s = "nic\(i) type=\(type)"
            if let m = nic.macAddress, reference == nil || reference!.devices?.interfaces[i].macAddress != nil {
                s += " mac=\(m.lowercased())"
            }
            s += " model=\(nic.modelType ?? "rtl8139")"
            switch nic.source {
            case .mcast(let x)?, .server(let x)?, .client(let x)?, .udp(let x)?: s += " \(x?.address ?? ""):\(x?.port ?? 0)"
            case .ethernet? where dialect != "0.10.0": s += " dev=\(nic.target?.dev ?? "") script=\(nic.script?.path ?? "")"
            default: break
            }
            lines.append(s)
        }
        for s in devices.serials { lines.append("serial \(s.endpoint)") }
        // libvirt's rule: a serial console with no serial port is serial port 0.
        if devices.serials.isEmpty, let c = devices.consoles.first, (c.target?.type ?? "serial") == "serial" {
            lines.append("serial \(c.endpoint)")
        }
        for p in devices.parallels { lines.append("parallel \(p.endpoint)") }
        for (i, c) in devices.channels.enumerated() {
            // A bound socket without a path gets one chosen by the converter; that is a fill-in.
            var endpoint = c.endpoint
            let given = (reference ?? d).devices?.channels.indices.contains(i) == true
                ? (reference ?? d).devices!.channels[i].endpoint : endpoint
            if case .unix(let path, let listen) = endpoint, case .unix(let before, _) = given, before.isEmpty,
                !path.isEmpty
            {
                endpoint = .unix(path: before, listen: listen)
            }
            lines.append("channel \(endpoint) \(c.target?.name ?? "")")
        }
        for g in devices.graphics { lines.append("graphics \(g.type?.xmlValue ?? "")") }
        for s in devices.sounds { lines.append("sound \(s.model?.xmlValue ?? "")") }
        for input in devices.inputs where input.bus != .ps2 && input.bus != nil {
            lines.append("input \(input.type?.xmlValue ?? "") \(input.bus?.xmlValue ?? "")")
        }
        for h in devices.hostdevs { lines.append("hostdev \(h.type ?? "")") }
        for w in devices.watchdogs { lines.append("watchdog \(w.model ?? "")") }
        for f in devices.filesystems {
            lines.append("fs \(f.accessmode ?? "passthrough") \(f.source?.dir ?? "") → \(f.target?.dir ?? "") ro=\(f.readonly)")
        }
        for r in devices.redirdevs { lines.append("redirdev \(r.bus ?? "usb") \(r.endpoint)") }
        lines.append("hubs=\(devices.hubs.count)")
        if let v = devices.vsock { lines.append("vsock cid=\(v.cid?.address.map(String.init) ?? "auto")") }
        if let m = devices.iommu { lines.append("iommu \(m.model ?? "")") }
    }

    var description: String { lines.joined(separator: "; ") }

    /// The boot order whichever way it is given: per-device `<boot order>` or the os list.
    static func bootOrder(_ d: Domain) -> [String] {
        let devices = d.devices ?? Devices()
        var ordered: [(UInt, String)] = []
        for disk in devices.disks {
            if let o = disk.boot?.order {
                let cls = disk.effectiveDevice == .cdrom ? "cdrom" : disk.effectiveDevice == .floppy ? "fd" : "hd"
                ordered.append((o, cls))
            }
        }
        for nic in devices.interfaces { if let o = nic.boot?.order { ordered.append((o, "network")) } }
        if !ordered.isEmpty { return ordered.sorted { $0.0 < $1.0 }.map(\.1) }
        let list = d.os?.bootDevices.map(\.xmlValue) ?? []
        return list.isEmpty ? ["hd"] : list
    }
}
