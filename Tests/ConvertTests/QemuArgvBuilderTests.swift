import Convert
import Foundation
import Schema
import TestSupport
import Testing

/// What the builder writes for each dialect, checked option by option against QEMU's syntax.
@Suite struct QemuArgvBuilderTests {
    func argv(_ xml: String, version: String = "7.2.0") async throws -> [String] {
        let domain = try Domain.parse(xml)
        let caps = EmulatorCapabilities.profile(for: QemuVersion(version)!)
        return try QemuArgvBuilder(capabilities: caps).build(domain).arguments
    }

    func value(after option: String, in args: [String]) -> [String] {
        zip(args, args.dropFirst()).filter { $0.0 == option }.map(\.1)
    }

    static let basic = """
        <domain type='kvm'><name>b</name><memory unit='MiB'>100</memory><vcpu>2</vcpu>
        <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
        <devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
        <source file='/i/a.qcow2'/><target dev='vda' bus='virtio'/></disk>
        <interface type='user'><mac address='52:54:00:01:02:03'/><model type='virtio'/></interface>
        </devices></domain>
        """

    @Test func modernUsesBlockdevAndJSONDevices() async throws {
        let a = try await argv(Self.basic)
        #expect(value(after: "-accel", in: a) == ["kvm"])
        #expect(value(after: "-m", in: a) == ["size=102400k"])
        let blockdevs = value(after: "-blockdev", in: a).compactMap(QemuJSONObject.init(parsing:))
        #expect(blockdevs.count == 2)
        #expect(blockdevs[0].string("filename") == "/i/a.qcow2")
        #expect(blockdevs[1].string("driver") == "qcow2")
        // libvirt's node names: storage under format, numbered per disk.
        #expect(blockdevs[0].string("node-name") == "libvirt-1-storage")
        #expect(blockdevs[1].string("node-name") == "libvirt-1-format")
        #expect(blockdevs[1].string("file") == "libvirt-1-storage")
        let devices = value(after: "-device", in: a).compactMap(QemuJSONObject.init(parsing:))
        let disk = try #require(devices.first { $0.string("driver") == "virtio-blk-pci" })
        #expect(disk.string("drive") == "libvirt-1-format")
        #expect(disk.int("bootindex") == 1)
        let nic = try #require(devices.first { $0.string("driver") == "virtio-net-pci" })
        #expect(nic.string("mac") == "52:54:00:01:02:03")
        let netdev = try #require(value(after: "-netdev", in: a).first.flatMap(QemuJSONObject.init(parsing:)))
        #expect(netdev.string("type") == "user")
        #expect(netdev.string("id") == "hostnet0")
        #expect(nic.string("netdev") == "hostnet0")
        #expect(!a.contains("-S"))
    }

    @Test func deviceEraUsesDriveIfNone() async throws {
        let a = try await argv(Self.basic, version: "1.5.0")
        let drive = try #require(value(after: "-drive", in: a).first.map(QemuOptionList.init(parsing:)))
        #expect(drive.value("if") == "none")
        #expect(drive.value("format") == "qcow2")
        let device = try #require(value(after: "-device", in: a).map(QemuOptionList.init(parsing:)).first {
            $0.firstBare == "virtio-blk-pci"
        })
        #expect(drive.value("id") == "drive-virtio-disk0")
        #expect(device.value("drive") == "drive-virtio-disk0")
        #expect(value(after: "-netdev", in: a).first?.hasPrefix("user,id=hostnet0") == true)
        #expect(a.contains("-S"))
    }

    @Test func legacyEraUsesDriveIndexAndNetNic() async throws {
        let a = try await argv(Self.basic, version: "0.10.0")
        #expect(value(after: "-drive", in: a) == ["file=/i/a.qcow2,if=virtio,index=0"])
        #expect(value(after: "-net", in: a) == ["nic,macaddr=52:54:00:01:02:03,vlan=0,model=virtio", "user,vlan=0"])
        #expect(a.contains("-no-kqemu") == false)  // kvm guests do not disable kqemu
        #expect(value(after: "-monitor", in: a) == ["pty"])
    }

    /// libvirt writes a variable clock as the start time plus the adjustment, an absolute
    /// one as its start; a dialect without -rtc says it cannot.
    @Test func clocksThatStartFromAChosenMoment() async throws {
        func build(_ clock: String, _ version: String) throws -> QemuCommandLine {
            let domain = try Domain.parse("""
                <domain type='qemu'><name>c</name><memory>65536</memory>
                <os><type arch='x86_64'>hvm</type></os>
                \(clock)</domain>
                """)
            var builder = QemuArgvBuilder(capabilities: EmulatorCapabilities.profile(for: QemuVersion(version)!))
            builder.startTime = 1_700_000_000  // 2023-11-14T22:13:20Z
            return try builder.build(domain)
        }
        let variable = try build("<clock offset='variable' adjustment='123456' basis='utc'/>", "7.2.0")
        #expect(value(after: "-rtc", in: variable.arguments) == ["base=2023-11-16T08:30:56"])
        let behind = try build("<clock offset='variable' adjustment='-86400'/>", "7.2.0")
        #expect(value(after: "-rtc", in: behind.arguments) == ["base=2023-11-13T22:13:20"])
        let absolute = try build("<clock offset='absolute' start='0'/>", "7.2.0")
        #expect(value(after: "-rtc", in: absolute.arguments) == ["base=1970-01-01T00:00:00"])
        let legacy = try build("<clock offset='variable' adjustment='123456'/>", "0.10.0")
        #expect(!legacy.arguments.contains("-rtc"))
        #expect(legacy.warnings.contains { $0.contains("line 3") && $0.contains("variable") }, "\(legacy.warnings)")
        #expect(throws: Diagnostic.self) { _ = try build("<clock offset='variable' adjustment='soon'/>", "7.2.0") }
    }

    @Test func lockedMemoryOnADialectThatCannotLockIsWarnedAbout() async throws {
        let xml = """
            <domain type='qemu'><name>l</name><memory>65536</memory>
            <memoryBacking><locked/></memoryBacking>
            <os><type arch='x86_64'>hvm</type></os></domain>
            """
        let domain = try Domain.parse(xml)
        let modern = try QemuArgvBuilder(capabilities: EmulatorCapabilities.profile(for: QemuVersion("7.2.0")!)).build(domain)
        #expect(value(after: "-overcommit", in: modern.arguments) == ["mem-lock=on"])
        #expect(modern.warnings.isEmpty)
        let legacy = try QemuArgvBuilder(capabilities: EmulatorCapabilities.profile(for: QemuVersion("0.10.0")!)).build(domain)
        #expect(!legacy.arguments.contains("-overcommit"))
        #expect(legacy.warnings.contains { $0.contains("line 2") && $0.contains("locked") }, "\(legacy.warnings)")
    }

    @Test func commasAreDoubledInsideOptionLists() async throws {
        let xml = """
            <domain type='qemu'><name>a,b</name><memory>65536</memory>
            <os><type arch='x86_64'>hvm</type></os><devices>
            <disk type='file'><source file='/x,y.img'/><target dev='hda'/></disk>
            <serial type='file'><source path='/tmp/s,1.log'/></serial></devices></domain>
            """
        for version in ["7.2.0", "1.5.0", "0.10.0"] {
            let a = try await argv(xml, version: version)
            let joined = a.joined(separator: " ")
            if version != "7.2.0" {
                #expect(joined.contains("/x,,y.img"), "\(version): \(joined)")
            } else {
                // JSON carries the comma as is; key=value options (chardev, name) double it.
                #expect(joined.contains("\"filename\":\"/x,y.img\""))
                #expect(joined.contains("path=/tmp/s,,1.log"))
                #expect(value(after: "-name", in: a) == ["guest=a,,b,debug-threads=on"])
            }
        }
    }

    @Test func controlCharactersAreRefused() async throws {
        let xml = """
            <domain type='qemu'><name>n</name><memory>65536</memory><os><type>hvm</type></os><devices>
            <disk type='file'><source file='/evil&#10;-device foo'/><target dev='hda'/></disk></devices></domain>
            """
        let error = await #expect(throws: Diagnostic.self) { _ = try await argv(xml) }
        #expect(error?.message.contains("control character") == true)
        #expect(error?.line == 2)
    }

    @Test func lifecycleClockAndFeaturesMapToOptions() async throws {
        let xml = """
            <domain type='qemu'><name>l</name><memory>65536</memory>
            <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='cdrom'/></os>
            <clock offset='localtime'/><on_reboot>destroy</on_reboot></domain>
            """
        let modern = try await argv(xml)
        #expect(value(after: "-rtc", in: modern) == ["base=localtime"])
        #expect(modern.contains("-no-reboot"))
        #expect(value(after: "-machine", in: modern).first?.contains("acpi=off") == true)
        let legacy = try await argv(xml, version: "0.10.0")
        #expect(legacy.contains("-localtime"))
        #expect(legacy.contains("-no-acpi"))
        #expect(value(after: "-boot", in: legacy) == ["d"])
    }

    @Test func allSevenNetworkingModesInTheLegacyDialect() async throws {
        let url = Fixtures.fixtures.appendingPathComponent("seeds/domain/qemu-networking-modes.xml")
        let a = try await argv(Fixtures.read(url), version: "0.10.0")
        let nets = value(after: "-net", in: a)
        #expect(nets.filter { $0.hasPrefix("nic,") }.count == 11)
        #expect(nets.filter { $0.hasPrefix("user,") }.count == 2)
        #expect(nets.filter { $0.hasPrefix("tap,") }.count == 6)
        #expect(nets.contains { $0.hasPrefix("socket,mcast=230.0.0.1:5558") })
        #expect(nets.contains { $0.hasPrefix("socket,listen=192.168.0.1:5558") })
        #expect(nets.contains { $0.hasPrefix("socket,connect=192.168.0.1:5558") })
        #expect(nets.contains { $0.contains("script=/etc/qemu-ifup-mynet") })
    }

    @Test func unsupportedDevicesAreRefusedNotDropped() async throws {
        let xml = """
            <domain type='kvm'><name>d</name><memory>65536</memory><os><type>hvm</type></os><devices>
            <interface type='direct'><source dev='eth0' mode='vepa'/></interface></devices></domain>
            """
        await #expect(throws: Diagnostic.self) { _ = try await argv(xml) }
    }

    /// Devices with no command-line form are refused in every dialect, naming the element and
    /// its line — never left out of a guest that would then start without them.
    @Test(arguments: [
        ("<smartcard mode='passthrough' type='spicevmc'/>", "smartcard"),
        ("<tpm model='tpm-crb'><backend type='emulator'/></tpm>", "tpm"),
        ("<shmem name='s'><size unit='M'>4</size></shmem>", "shmem"),
        ("<filesystem type='mount'><driver type='virtiofs'/><source dir='/s'/><target dir='t'/></filesystem>", "filesystem"),
    ], ["7.2.0", "1.5.0", "0.10.0"])
    func hostSideDevicesAreRefusedInEveryDialect(_ device: (String, String), version: String) async throws {
        let xml = "<domain type='kvm'><name>d</name><memory>65536</memory><os><type>hvm</type></os><devices>\n"
            + device.0 + "\n</devices></domain>"
        do {
            _ = try await argv(xml, version: version)
            Issue.record("<\(device.1)> was accepted for QEMU \(version)")
        } catch let d as Diagnostic {
            #expect(d.element == device.1, "\(d)")
            #expect(d.line == 2, "\(d)")
        }
    }

    @Test func sharedFoldersHubsVsockAndIOMMU() async throws {
        let xml = """
            <domain type='kvm'><name>f</name><memory>65536</memory><os><type machine='q35'>hvm</type></os><devices>
            <controller type='usb' model='qemu-xhci'/><hub type='usb'/>
            <filesystem type='mount' accessmode='squash'><source dir='/srv/a,b'/><target dir='tag'/><readonly/></filesystem>
            <vsock model='virtio'><cid auto='no' address='7'/></vsock><iommu model='intel'/>
            </devices></domain>
            """
        let a = try await argv(xml)
        // QEMU's keyval splits on single commas: the folder's comma must reach it doubled.
        #expect(value(after: "-fsdev", in: a) == ["local,security_model=none,id=fsdev-fs0,path=/srv/a,,b,readonly=on"])
        let devices = value(after: "-device", in: a).compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        func find(_ driver: String) -> [String: Any]? { devices.first { $0["driver"] as? String == driver } }
        #expect(find("virtio-9p-pci")?["mount_tag"] as? String == "tag")
        #expect(find("virtio-9p-pci")?["fsdev"] as? String == "fsdev-fs0")
        #expect(find("vhost-vsock-pci")?["guest-cid"] as? Int == 7)
        #expect(find("usb-hub")?["bus"] as? String == "usb.0")
        #expect(find("intel-iommu") != nil)
        // An automatic CID is chosen by a running host; a command line cannot.
        let auto = xml.replacingOccurrences(of: "<cid auto='no' address='7'/>", with: "<cid auto='yes'/>")
        await #expect(throws: Diagnostic.self) { _ = try await argv(auto) }
        // The 0.10 era had no -device: these are refused there, not dropped.
        await #expect(throws: Diagnostic.self) { _ = try await argv(xml, version: "0.10.0") }
    }

    @Test func launchSettingsAddPausedStartAndQMP() async throws {
        let domain = try Domain.parse(Self.basic)
        let caps = EmulatorCapabilities.profile(for: QemuVersion(7, 2, 0))
        let line = try QemuArgvBuilder(
            capabilities: caps, launch: LaunchSettings(qmpSocket: "/run/x/qmp.sock", pidFile: "/run/x/pid")
        ).build(domain)
        #expect(line.arguments.contains("-S"))
        #expect(value(after: "-chardev", in: line.arguments).first == "socket,id=charmonitor,path=/run/x/qmp.sock,server=on,wait=off")
        #expect(value(after: "-mon", in: line.arguments) == ["chardev=charmonitor,id=monitor,mode=control"])
        #expect(value(after: "-pidfile", in: line.arguments) == ["/run/x/pid"])
    }

    @Test func renderedLineIsShellSafe() async throws {
        let line = QemuCommandLine(
            environment: [("HOME", "/home/a b")], binary: "/usr/bin/qemu-system-x86_64",
            arguments: ["-name", "it's", "-device", "{\"driver\":\"e1000\"}"])
        #expect(line.rendered() == #"HOME='/home/a b' /usr/bin/qemu-system-x86_64 -name 'it'\''s' -device '{"driver":"e1000"}'"#)
    }
}
