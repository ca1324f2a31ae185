import Foundation
import Schema
import TestSupport
import Testing

@testable import Runtime

#if canImport(Glibc)
    import Glibc
#endif

/// The QEMU driver on real QEMU processes, in a private root per test. Every test kills
/// what it started (`ScratchRoot.remove`), pass or fail.
@Suite(.enabled(if: HostFacts.qemu || HostFacts.ci, "needs qemu-system-x86_64"), .serialized)
struct QemuDriverTests {
    static func open(_ root: ScratchRoot) async throws -> QemuDriver {
        try await QemuDriver.open(uri: ConnectURI(root.uri), readOnly: false)
    }

    /// QEMU's own run state of a guest, asked on its query monitor by the test itself.
    static func qemuRunState(_ driver: QemuDriver, _ name: String) async throws -> String {
        let status = try #require(DomainStatus.read(driver.paths.statusFile(of: name)))
        let qmp = try await QMPConnection.connect(path: status.queryMonitor)
        defer { qmp.close() }
        return try await qmp.execute(QMP.QueryStatus()).status
    }

    static func pid(_ driver: QemuDriver, _ name: String) -> Int32? {
        DomainStatus.read(driver.paths.statusFile(of: name))?.pid
    }

    static func alive(_ pid: Int32?) -> Bool {
        guard let pid, let p = HostProcess.current(pid: pid) else { return false }
        return p.isRunning
    }

    @Test func tinyGuestThroughItsWholeLife() async throws {
        let root = ScratchRoot()
        defer { root.remove() }
        let d = try await Self.open(root)
        let defined = try await d.domainDefineXML(HostFacts.tinyXML(name: "tiny"), flags: 0).domain
        #expect(FileManager.default.fileExists(atPath: d.paths.config(of: "tiny")))
        #expect(root.qemuProcesses().isEmpty)

        _ = try await d.domainCreate(defined, flags: 0)
        let pid = try #require(Self.pid(d, "tiny"))
        #expect(root.qemuProcesses() == [pid])
        #expect(try await Self.qemuRunState(d, "tiny") == "running")
        let running = try await d.domainLookupByName("tiny")
        #expect(running.id > 0)
        #expect(try await d.domainGetState(running, flags: 0) == .booted)
        let live = try await d.domainGetXMLDesc(running, flags: 0)
        #expect(live.contains("id='\(running.id)'"))
        #expect(live.contains("<alias name='net0'/>"))
        #expect(live.contains("<source path='/dev/pts/"))
        // The definition on disk is not the live one.
        #expect(!(try await d.domainGetXMLDesc(running, flags: DomainXMLFlags.inactive.rawValue)).contains("/dev/pts/"))

        try await d.domainSuspend(running)
        #expect(try await Self.qemuRunState(d, "tiny") == "paused")
        #expect(try await d.domainGetState(running, flags: 0) == .pausedUser)
        try await d.domainResume(running)
        #expect(try await Self.qemuRunState(d, "tiny") == "running")

        let image = root.path + "/tiny.save"
        try await d.domainSave(running, to: image, xml: nil, flags: 0)
        #expect(!Self.alive(pid))
        #expect(root.qemuProcesses().isEmpty)
        #expect(try await d.domainGetState(defined, flags: 0) == .shutoffSaved)
        #expect(try SaveImage.read(image).xml.contains("<name>tiny</name>"))

        let restored = try await d.domainRestore(from: image, xml: nil, flags: 0)
        let pid2 = try #require(Self.pid(d, "tiny"))
        #expect(pid2 != pid && Self.alive(pid2))
        #expect(restored.id > running.id)
        #expect(try await Self.qemuRunState(d, "tiny") == "running")
        #expect(try await d.domainGetState(restored, flags: 0) == .restored)
        #expect(try await d.domainIsPersistent(restored))

        try await d.domainDestroy(restored, flags: 0)
        #expect(!Self.alive(pid2))
        #expect(root.qemuProcesses().isEmpty)
        #expect(try await d.domainGetState(defined, flags: 0) == .shutoffDestroyed)
        #expect(!FileManager.default.fileExists(atPath: d.paths.statusFile(of: "tiny")))

        try await d.domainUndefine(defined, flags: 0)
        #expect(!FileManager.default.fileExists(atPath: d.paths.config(of: "tiny")))
        await #expect(throws: VirtError.self) { try await d.domainLookupByName("tiny") }
        // The log kept both starts and stops.
        let log = try String(contentsOfFile: d.paths.logFile(of: "tiny"), encoding: .utf8)
        #expect(log.components(separatedBy: "starting up").count == 3)
        #expect(log.contains("shutting down, reason=saved") && log.contains("shutting down, reason=destroyed"))
    }

    @Test func managedSaveIsRestoredByTheNextStart() async throws {
        let root = ScratchRoot()
        defer { root.remove() }
        let d = try await Self.open(root)
        let dom = try await d.domainDefineXML(HostFacts.tinyXML(name: "ms"), flags: 0).domain
        _ = try await d.domainCreate(dom, flags: 0)
        try await d.domainManagedSave(dom, flags: 0)
        #expect(root.qemuProcesses().isEmpty)
        #expect(try await d.domainHasManagedSaveImage(dom, flags: 0))
        #expect(try await d.domainGetState(dom, flags: 0) == .shutoffSaved)
        await #expect(throws: VirtError.self) { try await d.domainUndefine(dom, flags: 0) }
        _ = try await d.domainCreate(dom, flags: 0)
        #expect(try await Self.qemuRunState(d, "ms") == "running")
        #expect(try await d.domainGetState(dom, flags: 0) == .restored)
        #expect(try await d.domainHasManagedSaveImage(dom, flags: 0) == false)
        // Saved while paused, it comes back paused.
        try await d.domainSuspend(dom)
        try await d.domainManagedSave(dom, flags: 0)
        _ = try await d.domainCreate(dom, flags: 0)
        #expect(try await Self.qemuRunState(d, "ms") == "paused")
        try await d.domainDestroy(dom, flags: 0)
        await #expect(throws: VirtError.self) { try await d.domainManagedSave(dom, flags: 0) }
        // --force-boot discards an image instead of restoring it.
        _ = try await d.domainCreate(dom, flags: 0)
        try await d.domainManagedSave(dom, flags: 0)
        _ = try await d.domainCreate(dom, flags: CreateFlags.forceBoot.rawValue)
        #expect(try await d.domainGetState(dom, flags: 0) == .booted)
        #expect(try await d.domainHasManagedSaveImage(dom, flags: 0) == false)
    }

    @Test func screenDumpStatisticsAndMemory() async throws {
        let root = ScratchRoot()
        defer { root.remove() }
        let d = try await Self.open(root)
        let dom = try await d.domainDefineXML(
            HostFacts.tinyXML(name: "probe", extraDevices: "<graphics type='vnc' autoport='yes'/><video><model type='vga'/></video>"),
            flags: 0
        ).domain
        _ = try await d.domainCreate(dom, flags: 0)
        let shot = try await d.domainScreenshot(dom, screen: 0, flags: 0)
        #expect(shot.mimeType == "image/png")
        #expect(Array(shot.bytes.prefix(4)) == [0x89, 0x50, 0x4e, 0x47])
        let core = root.path + "/probe.core"
        try await d.domainCoreDump(dom, to: core, format: .raw, flags: CoreDumpFlags.memoryOnly.rawValue)
        let header = try #require(FileManager.default.contents(atPath: core))
        #expect(Array(header.prefix(4)) == [0x7f, 0x45, 0x4c, 0x46])  // ELF
        #expect(header.count > 64 << 20)  // all of the guest's 64 MiB is in it
        #expect(try await d.domainGetState(dom, flags: 0).state == .running)  // paused for the dump, resumed after
        let vcpus = try await d.domainGetVcpus(dom)
        #expect(vcpus.count == 1 && vcpus[0].number == 0 && vcpus[0].affinity.contains(true))
        let mem = try await d.domainMemoryStats(dom, flags: 0)
        #expect(mem.first { $0.tag == .actualBalloon }?.value == 65536)
        #expect((mem.first { $0.tag == .rss }?.value ?? 0) > 0)
        let info = try await d.domainGetInfo(dom)
        #expect(info.maxMemoryKiB == 65536 && info.vcpus == 1 && info.cpuTimeNanoseconds > 0)
        // The balloon target is asked of QEMU and recorded live; --config reaches the definition.
        try await d.domainSetMemory(dom, kibibytes: 49152, flags: ModificationFlags.live.rawValue | ModificationFlags.config.rawValue)
        #expect(try await d.domainGetXMLDesc(dom, flags: 0).contains("<currentMemory unit='KiB'>49152</currentMemory>"))
        #expect(try await d.domainGetXMLDesc(dom, flags: DomainXMLFlags.inactive.rawValue).contains(">49152<"))
        await #expect(throws: VirtError.self) { try await d.domainSetMemory(dom, kibibytes: 1 << 30, flags: 0) }
        await #expect(throws: VirtError.self) {
            try await d.domainSetMemory(dom, kibibytes: 1 << 20, flags: ModificationFlags.maximum.rawValue | ModificationFlags.live.rawValue)
        }
        // A dump with --crash stops the guest.
        try await d.domainCoreDump(dom, to: core, format: .raw, flags: CoreDumpFlags.crash.rawValue)
        #expect(try await d.domainGetState(dom, flags: 0) == .shutoffCrashed)
        #expect(root.qemuProcesses().isEmpty)
    }

    @Test func badDocumentsBadNamesAndDuplicatesChangeNothingOnDisk() async throws {
        let root = ScratchRoot()
        defer { root.remove() }
        let d = try await Self.open(root)
        _ = try await d.domainDefineXML(HostFacts.tinyXML(name: "keep"), flags: 0)
        let before = try Self.snapshot(root.path)
        let uuid = try #require(try await d.domainLookupByName("keep")).uuid.xmlValue
        let refused = [
            "<domain type='kvm'><name>x</name><memory>64</memory>",  // not well-formed
            "<domain type='kvm'><name>x</name><memory unit='lots'>64</memory><os><type>hvm</type></os></domain>",
            HostFacts.tinyXML(name: "a/b"), HostFacts.tinyXML(name: ".."), HostFacts.tinyXML(name: ".dot"),
            HostFacts.tinyXML(name: "ctl\u{7}"),
            HostFacts.tinyXML(name: "keep").replacingOccurrences(of: "<name>keep</name>", with: "<name>keep</name><uuid>00000000-1111-2222-3333-444444444444</uuid>"),
            HostFacts.tinyXML(name: "other").replacingOccurrences(of: "<name>other</name>", with: "<name>other</name><uuid>\(uuid)</uuid>"),
            HostFacts.tinyXML(name: "xen").replacingOccurrences(of: "type='kvm'", with: "type='xen'").replacingOccurrences(of: "type='qemu'", with: "type='xen'"),
            HostFacts.tinyXML(name: "badnic", extraDevices: "<interface type='direct'><source dev='eth0' mode='bridge'/></interface>"),
            HostFacts.tinyXML(name: "renamer").replacingOccurrences(of: "<devices>", with: "<on_poweroff>rename-restart</on_poweroff><devices>"),
        ]
        for xml in refused {
            await #expect(throws: VirtError.self, "\(xml)") { try await d.domainDefineXML(xml, flags: 0) }
            await #expect(throws: VirtError.self, "\(xml)") { try await d.domainCreateXML(xml, flags: 0) }
        }
        // The refusal says why, in libvirt's terms.
        let renamer = HostFacts.tinyXML(name: "renamer").replacingOccurrences(of: "<devices>", with: "<on_crash>rename-restart</on_crash><devices>")
        do {
            _ = try await d.domainDefineXML(renamer, flags: 0)
            Issue.record("rename-restart was accepted")
        } catch let e as VirtError {
            #expect(e.code == .configUnsupported && e.message.contains("on_crash action 'rename-restart'"), "\(e)")
        }
        let after = try Self.snapshot(root.path)
        #expect(after == before, "changed: \(Set(after.keys).symmetricDifference(before.keys)) \(after.filter { before[$0.key] != $0.value }.keys)")
        #expect(root.qemuProcesses().isEmpty)
    }

    /// Every file under `dir` with its contents (logs and caches excluded: reading is allowed
    /// to probe and cache).
    static func snapshot(_ dir: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        let e = FileManager.default.enumerator(atPath: dir)
        while let rel = e?.nextObject() as? String {
            if rel.hasPrefix("cache") || rel.hasPrefix("log") || rel.hasSuffix("driver.lock") { continue }
            let path = dir + "/" + rel
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue {
                out[rel] = FileManager.default.contents(atPath: path) ?? Data()
            }
        }
        return out
    }

    @Test func aQemuKilledBehindOurBackIsNoticed() async throws {
        let root = ScratchRoot()
        defer { root.remove() }
        let d = try await Self.open(root)
        let dom = try await d.domainDefineXML(HostFacts.tinyXML(name: "victim"), flags: 0).domain
        _ = try await d.domainCreate(dom, flags: 0)
        let pid = try #require(Self.pid(d, "victim"))
        let victim = try #require(HostProcess.current(pid: pid))
        kill(pid, SIGKILL)
        #expect(await victim.waitForExit(timeout: .seconds(5)))
        #expect(try await d.domainGetState(dom, flags: 0) == .shutoffCrashed)
        #expect(!FileManager.default.fileExists(atPath: d.paths.statusFile(of: "victim")))
        #expect(try await d.domainLookupByName("victim").id == -1)
        // Every verb still works.
        _ = try await d.domainCreate(dom, flags: 0)
        #expect(try await d.domainGetState(dom, flags: 0) == .booted)
        // A QEMU stopped with SIGTERM by someone else reads as destroyed.
        kill(try #require(Self.pid(d, "victim")), SIGTERM)
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await d.domainGetState(dom, flags: 0) == .shutoffDestroyed)

        // A transient guest whose QEMU dies disappears.
        let t = try await d.domainCreateXML(HostFacts.tinyXML(name: "ephemeral"), flags: 0).domain
        #expect(try await d.domainIsPersistent(t) == false)
        kill(try #require(Self.pid(d, "ephemeral")), SIGKILL)
        try await Task.sleep(for: .milliseconds(300))
        let names = try await d.connectListAllDomains(flags: ListDomainsFlags.all.rawValue).map(\.name)
        _ = try? await d.domainGetState(t, flags: 0)
        #expect(try await d.connectListAllDomains(flags: ListDomainsFlags.all.rawValue).map(\.name) == ["victim"], "\(names)")
    }

    @Test func transientAndPersistentGuests() async throws {
        let root = ScratchRoot()
        defer { root.remove() }
        let d = try await Self.open(root)
        let t = try await d.domainCreateXML(HostFacts.tinyXML(name: "t"), flags: 0).domain
        #expect(!FileManager.default.fileExists(atPath: d.paths.config(of: "t")))
        #expect(try await d.domainIsPersistent(t) == false)
        await #expect(throws: VirtError.self) { try await d.domainUndefine(t, flags: 0) }
        await #expect(throws: VirtError.self) { try await d.domainManagedSave(t, flags: 0) }
        // Defining it while it runs makes it persistent, live instance untouched.
        _ = try await d.domainDefineXML(HostFacts.tinyXML(name: "t"), flags: 0)
        #expect(try await d.domainIsPersistent(t))
        #expect(try await d.domainGetState(t, flags: 0).state == .running)
        // Undefining a running persistent guest leaves it running, transient.
        try await d.domainUndefine(t, flags: 0)
        #expect(try await d.domainIsPersistent(t) == false)
        #expect(try await d.domainGetState(t, flags: 0).state == .running)
        try await d.domainDestroy(t, flags: 0)
        #expect(try await d.connectListAllDomains(flags: ListDomainsFlags.all.rawValue).isEmpty)
        #expect(root.qemuProcesses().isEmpty)
    }

    @Test func hotplugOfADiskAndANicIsSeenByQemu() async throws {
        let root = ScratchRoot()
        defer { root.remove() }
        let d = try await Self.open(root)
        // PCI hotplug on a PC needs ACPI.
        let xml = HostFacts.tinyXML(name: "hp").replacingOccurrences(of: "</os>", with: "</os><features><acpi/></features>")
        let dom = try await d.domainDefineXML(xml, flags: 0).domain
        _ = try await d.domainCreate(dom, flags: 0)
        let image = root.path + "/extra.img"
        #expect(FileManager.default.createFile(atPath: image, contents: Data(count: 1 << 20)))
        let disk = "<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='\(image)'/><target dev='vdb' bus='virtio'/></disk>"
        try await d.domainAttachDevice(dom, xml: disk, flags: ModificationFlags.live.rawValue)
        try await d.domainAttachDevice(dom, xml: "<interface type='user'><mac address='52:54:00:aa:bb:01'/><model type='virtio'/></interface>", flags: 0)
        // Asked of QEMU directly (and the monitor let go: it serves one client at a time).
        let status = try #require(DomainStatus.read(d.paths.statusFile(of: "hp")))
        let qmp = try await QMPConnection.connect(path: status.queryMonitor)
        let peripherals = try await qmp.execute(QMP.QOMList(path: "/machine/peripheral")).map(\.name)
        let stats = try await qmp.execute(QMP.QueryBlockstats())
        qmp.close()
        #expect(peripherals.contains("virtio-disk1"), "\(peripherals)")
        #expect(peripherals.contains("net1"), "\(peripherals)")
        #expect(stats.contains { $0.qdev?.contains("virtio-disk1") == true })
        let live = try await d.domainGetXMLDesc(dom, flags: 0)
        #expect(live.contains("<alias name='virtio-disk1'/>") && live.contains("52:54:00:aa:bb:01"))
        // Live only: the definition did not change.
        #expect(!(try await d.domainGetXMLDesc(dom, flags: DomainXMLFlags.inactive.rawValue)).contains(image))
        #expect(try await d.domainBlockStats(dom, disk: "vdb").readBytes >= 0)
        // A second disk on the same target is refused before QEMU sees it.
        await #expect(throws: VirtError.self) { try await d.domainAttachDevice(dom, xml: disk, flags: 0) }
        // --config reaches the definition only.
        try await d.domainAttachDevice(
            dom, xml: disk.replacingOccurrences(of: "vdb", with: "vdc"), flags: ModificationFlags.config.rawValue)
        #expect(try await d.domainGetXMLDesc(dom, flags: DomainXMLFlags.inactive.rawValue).contains("vdc"))
        #expect(!(try await d.domainGetXMLDesc(dom, flags: 0)).contains("vdc"))
    }

    @Test func networkingThatNeedsNoHostSetUp() async throws {
        let root = ScratchRoot()
        defer { root.remove() }
        let d = try await Self.open(root)
        let port = FreePorts.find(from: 20000, to: 30000) ?? 24242
        let nics = """
            <interface type='user'/>
            <interface type='mcast'><mac address='52:54:00:00:00:11'/><source address='230.0.0.1' port='5558'/></interface>
            <interface type='server'><mac address='52:54:00:00:00:12'/><source address='127.0.0.1' port='\(port)'/></interface>
            """
        let dom = try await d.domainDefineXML(HostFacts.tinyXML(name: "nets", extraDevices: nics), flags: 0).domain
        _ = try await d.domainCreate(dom, flags: 0)
        let client = """
            <interface type='client'><mac address='52:54:00:00:00:13'/><source address='127.0.0.1' port='\(port)'/></interface>
            """
        let peer = try await d.domainCreateXML(HostFacts.tinyXML(name: "peer", extraDevices: client), flags: 0).domain
        #expect(try await d.domainGetState(peer, flags: 0).state == .running)
        #expect(root.qemuProcesses().count == 2)
        // A network whose bridge is not there is refused with the reason, before any QEMU starts.
        _ = try await d.networkDefineXML("<network><name>nobr</name><bridge name='vknobr0'/></network>", flags: 0)
        let onMissing = try await d.domainDefineXML(
            HostFacts.tinyXML(name: "onmissing", extraDevices: "<interface type='network'><source network='nobr'/></interface>"),
            flags: 0
        ).domain
        do {
            _ = try await d.domainCreate(onMissing, flags: 0)
            Issue.record("started on a missing bridge")
        } catch let e as VirtError {
            #expect(e.message.contains("vknobr0") && e.message.contains("does not exist"), "\(e.message)")
        }
        #expect(root.qemuProcesses().count == 2)
    }

    @Test(.enabled(if: getuid() == 0, "tap and bridge need root"))
    func bridgedAndEthernetNicsGetTapsOnTheHost() async throws {
        let root = ScratchRoot()
        defer { root.remove() }
        let bridge = "vkbr\(getpid() % 10000)"
        let tapName = "vkt\(getpid() % 10000)"
        #expect(Self.sh("ip link add \(bridge) type bridge") == 0)
        defer { _ = Self.sh("ip link del \(bridge)") }
        let d = try await Self.open(root)
        _ = try await d.networkDefineXML("<network><name>lan</name><bridge name='\(bridge)'/></network>", flags: 0)
        let nics = """
            <interface type='bridge'><source bridge='\(bridge)'/><target dev='\(tapName)'/><model type='virtio'/></interface>
            <interface type='network'><source network='lan'/><model type='virtio'/></interface>
            <interface type='ethernet'><target dev='\(tapName)e'/><model type='virtio'/></interface>
            """
        let dom = try await d.domainDefineXML(HostFacts.tinyXML(name: "br", extraDevices: nics), flags: 0).domain
        _ = try await d.domainCreate(dom, flags: 0)
        let master = try FileManager.default.destinationOfSymbolicLink(atPath: "/sys/class/net/\(tapName)/master")
        #expect(master.hasSuffix("/" + bridge))
        let live = try await d.domainGetXMLDesc(dom, flags: 0)
        #expect(live.contains("<target dev='\(tapName)'/>"))
        let viaNetwork = try #require(live.components(separatedBy: "<interface type='network'>").last?
            .components(separatedBy: "target dev='").dropFirst().first?.prefix { $0 != "'" })
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "/sys/class/net/\(viaNetwork)/master").hasSuffix("/" + bridge))
        #expect(FileManager.default.fileExists(atPath: "/sys/class/net/\(tapName)e"))
        // Interface counters come from the tap, turned round to the guest's view.
        let st = try await d.domainInterfaceStats(dom, device: String(tapName))
        #expect(st.rxBytes >= 0 && st.txBytes >= 0)
        try await d.domainDestroy(dom, flags: 0)
        // Taps go with their QEMU.
        #expect(!FileManager.default.fileExists(atPath: "/sys/class/net/\(tapName)"))
    }

    static func sh(_ command: String) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        try? p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }

    @Test func aKvmGuestWithoutKvmIsRefusedClearly() async throws {
        guard !HostFacts.kvm else { return }
        let root = ScratchRoot()
        defer { root.remove() }
        let d = try await Self.open(root)
        let xml = HostFacts.tinyXML(name: "k").replacingOccurrences(of: "type='qemu'", with: "type='kvm'")
        let dom = try await d.domainDefineXML(xml, flags: 0).domain
        do {
            _ = try await d.domainCreate(dom, flags: 0)
            Issue.record("a kvm guest started without KVM")
        } catch let e as VirtError {
            #expect(e.message.contains("KVM"))
        }
        #expect(root.qemuProcesses().isEmpty)
    }

    @Test func passwordsNeverReachTheCommandLineOrTheLog() async throws {
        let root = ScratchRoot()
        defer { root.remove() }
        let d = try await Self.open(root)
        let secret = "s3cret-\(getpid())"
        let dom = try await d.domainDefineXML(
            HostFacts.tinyXML(name: "pw", extraDevices: "<graphics type='vnc' autoport='yes' passwd='\(secret)'/>"), flags: 0
        ).domain
        let warnings = try await d.domainCreate(dom, flags: 0)
        #expect(!warnings.contains { $0.contains("password") })
        let pid = try #require(Self.pid(d, "pw"))
        let cmdline = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))
        #expect(cmdline.range(of: Data(secret.utf8)) == nil)
        let log = try String(contentsOfFile: d.paths.logFile(of: "pw"), encoding: .utf8)
        #expect(!log.contains(secret) && log.contains("password=on"))
        #expect(!(try await d.domainGetXMLDesc(dom, flags: 0)).contains(secret))
        #expect(try await d.domainGetXMLDesc(dom, flags: DomainXMLFlags.securityInfo.rawValue).contains(secret))
        // QEMU has it: the autoport VNC server asks for authentication.
        let live = try await d.domainGetXMLDesc(dom, flags: 0)
        let port = try #require(live.components(separatedBy: "port='").dropFirst().first.flatMap { Int($0.prefix { $0.isNumber }) })
        #expect(port >= 5900)
        let status = try #require(DomainStatus.read(d.paths.statusFile(of: "pw")))
        let qmp = try await QMPConnection.connect(path: status.queryMonitor)
        defer { qmp.close() }
        let vnc = try await qmp.execute(QMP.QueryVNC())
        #expect(vnc.service == String(port))
    }

    @Test func hostCapabilitiesValidateAsLibvirtsDo() async throws {
        let root = ScratchRoot()
        defer { root.remove() }
        let d = try await Self.open(root)
        let caps = try await d.connectGetCapabilities()
        #expect(caps.contains("<emulator>/usr/bin/qemu-system-x86_64</emulator>"))
        #expect(caps.contains("<machine canonical='pc-i440fx-"))
        #expect(caps.contains("<domain type='kvm'/>") == HostFacts.kvm)
        let validator = try Validator(schemaDirectory: Fixtures.schemas.path)
        #expect(try validator.validate(Array(caps.utf8), fileName: "caps", kind: .capabilities).isEmpty)
        let domcaps = try await d.connectGetDomainCapabilities(emulator: nil, arch: nil, machine: nil, virttype: nil, flags: 0)
        #expect(domcaps.contains("<path>/usr/bin/qemu-system-x86_64</path>"))
        #expect(domcaps.contains("vendor='Intel'>Skylake-Client"))
        let tcg = try await d.connectGetDomainCapabilities(emulator: nil, arch: nil, machine: "q35", virttype: "qemu", flags: 0)
        #expect(tcg.contains("<domain>qemu</domain>") && tcg.contains("<machine>pc-q35-"))
        await #expect(throws: VirtError.self) {
            try await d.connectGetDomainCapabilities(emulator: nil, arch: "sparc64", machine: nil, virttype: nil, flags: 0)
        }
        // libvirt 9.0's own schemas, when installed, agree.
        for (doc, rng) in [(caps, "capability.rng"), (domcaps, "domaincaps.rng")] {
            let schema = "/usr/share/libvirt/schemas/" + rng
            guard FileManager.default.fileExists(atPath: schema) else {
                #expect(!HostFacts.ci, "libvirt's schemas are missing in CI")
                continue
            }
            let file = root.path + "/" + rng + ".xml"
            try doc.write(toFile: file, atomically: true, encoding: .utf8)
            #expect(Self.sh("xmllint --noout --relaxng \(schema) \(file) 2>/dev/null") == 0, "\(rng)")
        }
    }
}
