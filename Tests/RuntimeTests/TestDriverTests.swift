import Foundation
import Schema
import TestSupport
import Testing

@testable import Runtime

/// `test:///default` and `test:///PATH`: every verb in memory.
@Suite struct TestDriverTests {
    func open(_ uri: String = "test:///default") async throws -> any Driver { try await Drivers.open(uri) }

    static let t1 = "<domain type='test'><name>t1</name><memory unit='KiB'>65536</memory><os><type>hvm</type></os></domain>"

    @Test func defaultHasOneRunningGuestAndANetwork() async throws {
        let d = try await open()
        let all = try await d.connectListAllDomains(flags: 0)
        #expect(all.map(\.name) == ["test"])
        #expect(all[0].id == 1)
        #expect(try await d.domainGetState(all[0], flags: 0) == .booted)
        let nets = try await d.connectListAllNetworks(flags: 0)
        #expect(nets.map(\.name) == ["default"])
        #expect(try await d.networkIsActive(nets[0]))
        #expect(try await d.networkGetBridgeName(nets[0]) == "virbr0")
        #expect(try await d.connectGetURI() == "test:///default")
        #expect(try await d.connectGetType() == "TEST")
    }

    @Test func lifeCycleOfADefinedGuest() async throws {
        let d = try await open()
        let events = try await d.domainEvents()
        let t1 = try await d.domainDefineXML(Self.t1, flags: 0).domain
        #expect(t1.id == -1)
        #expect(try await d.domainGetState(t1, flags: 0).state == .shutoff)
        _ = try await d.domainCreate(t1, flags: 0)
        let running = try await d.domainLookupByName("t1")
        #expect(running.id > 1)
        #expect(try await d.domainLookupByID(running.id).uuid == running.uuid)
        #expect(try await d.domainLookupByUUID(running.uuid).name == "t1")
        try await d.domainSuspend(running)
        #expect(try await d.domainGetState(running, flags: 0) == .pausedUser)
        await #expect(throws: VirtError.self) { try await d.domainSuspend(running) }
        try await d.domainResume(running)
        #expect(try await d.domainGetState(running, flags: 0) == .unpaused)
        try await d.domainShutdown(running, flags: 0)
        #expect(try await d.domainGetState(running, flags: 0) == .shutoffShutdown)
        _ = try await d.domainCreate(t1, flags: CreateFlags.paused.rawValue)
        #expect(try await d.domainGetState(t1, flags: 0) == .pausedUser)
        try await d.domainDestroy(t1, flags: 0)
        #expect(try await d.domainGetState(t1, flags: 0) == .shutoffDestroyed)
        try await d.domainUndefine(t1, flags: 0)
        await #expect(throws: VirtError.self) { try await d.domainLookupByName("t1") }
        var kinds: [DomainEvent.Kind] = []
        for await e in events where e.domain.name == "t1" {
            kinds.append(e.kind)
            if e.kind == .undefined { break }
        }
        #expect(kinds == [.defined, .started, .suspended, .resumed, .shutdown, .stopped, .started, .suspended, .stopped, .undefined])
    }

    @Test func transientGuestsDisappearWhenStopped() async throws {
        let d = try await open()
        let t = try await d.domainCreateXML(Self.t1, flags: 0).domain
        #expect(try await d.domainIsPersistent(t) == false)
        await #expect(throws: VirtError.self) { try await d.domainSetAutostart(t, true) }
        try await d.domainDestroy(t, flags: 0)
        await #expect(throws: VirtError.self) { try await d.domainLookupByName("t1") }
    }

    @Test func undefiningARunningGuestLeavesItRunningAsTransient() async throws {
        let d = try await open()
        let test = try await d.domainLookupByName("test")
        try await d.domainUndefine(test, flags: 0)
        #expect(try await d.domainIsPersistent(test) == false)
        #expect(try await d.domainGetState(test, flags: 0).state == .running)
        try await d.domainDestroy(test, flags: 0)
        #expect(try await d.connectListAllDomains(flags: ListDomainsFlags.all.rawValue).isEmpty)
    }

    @Test func duplicatesAndBadNamesAreRefused() async throws {
        let d = try await open()
        _ = try await d.domainDefineXML(Self.t1, flags: 0)
        let otherUUID = Self.t1.replacingOccurrences(of: "<name>t1</name>", with: "<name>t1</name><uuid>11111111-2222-3333-4444-555555555555</uuid>")
        await #expect(throws: VirtError.self) { try await d.domainDefineXML(otherUUID, flags: 0) }
        let sameUUIDAsTest = Self.t1.replacingOccurrences(
            of: "<name>t1</name>", with: "<name>t2</name><uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>")
        do {
            _ = try await d.domainDefineXML(sameUUIDAsTest, flags: 0)
            Issue.record("a second domain with test's UUID was defined")
        } catch let e as VirtError {
            #expect(e.message.contains("'test' is already defined"))
        }
        for bad in ["a/b", "..", ".hidden", "x\u{1}y"] {
            let xml = Self.t1.replacingOccurrences(of: "<name>t1</name>", with: "<name>\(bad)</name>")
            await #expect(throws: VirtError.self) { try await d.domainDefineXML(xml, flags: 0) }
        }
        // An invalid document names the line and element.
        do {
            _ = try await d.domainDefineXML("<domain type='test'>\n<name>x</name>\n<memory>lots</memory></domain>", flags: 0)
            Issue.record("invalid XML accepted")
        } catch let e as VirtError {
            #expect(e.diagnostics.first?.line == 3, "\(e.diagnostics)")
            #expect(e.message.contains("line 3"))
        }
        #expect(try await d.connectListAllDomains(flags: ListDomainsFlags.all.rawValue).count == 2)
    }

    @Test func saveRestoreAndManagedSave() async throws {
        let d = try await open()
        let test = try await d.domainLookupByName("test")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("vk-test-\(UUID()).save").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try await d.domainSave(test, to: file, xml: nil, flags: 0)
        #expect(try await d.domainGetState(test, flags: 0) == .shutoffSaved)
        let back = try await d.domainRestore(from: file, xml: nil, flags: 0)
        #expect(back.uuid == test.uuid)
        #expect(try await d.domainGetState(test, flags: 0) == .restored)
        try await d.domainManagedSave(test, flags: 0)
        #expect(try await d.domainHasManagedSaveImage(test, flags: 0))
        await #expect(throws: VirtError.self) { try await d.domainUndefine(test, flags: 0) }
        _ = try await d.domainCreate(test, flags: 0)
        #expect(try await d.domainGetState(test, flags: 0) == .restored)
        #expect(try await d.domainHasManagedSaveImage(test, flags: 0) == false)
        await #expect(throws: VirtError.self) { try await d.domainRestore(from: "/etc/hostname", xml: nil, flags: 0) }
    }

    @Test func devicesMemoryScreenAndConsole() async throws {
        let d = try await open()
        let test = try await d.domainLookupByName("test")
        let disk = "<disk type='file' device='disk'><source file='/guest/extra.img'/><target dev='vdb' bus='virtio'/></disk>"
        try await d.domainAttachDevice(test, xml: disk, flags: ModificationFlags.live.rawValue | ModificationFlags.config.rawValue)
        let live = try await d.domainGetXMLDesc(test, flags: 0)
        let config = try await d.domainGetXMLDesc(test, flags: DomainXMLFlags.inactive.rawValue)
        #expect(live.contains("dev='vdb'") && config.contains("dev='vdb'"))
        await #expect(throws: VirtError.self) { try await d.domainAttachDevice(test, xml: disk, flags: 0) }
        try await d.domainDetachDevice(test, xml: disk, flags: ModificationFlags.live.rawValue)
        #expect(try await !d.domainGetXMLDesc(test, flags: 0).contains("dev='vdb'"))
        #expect(try await d.domainGetXMLDesc(test, flags: DomainXMLFlags.inactive.rawValue).contains("dev='vdb'"))
        try await d.domainSetMemory(test, kibibytes: 1_048_576, flags: 0)
        #expect(try await d.domainGetInfo(test).memoryKiB == 1_048_576)
        await #expect(throws: VirtError.self) { try await d.domainSetMemory(test, kibibytes: 1 << 40, flags: 0) }
        let shot = try await d.domainScreenshot(test, screen: 0, flags: 0)
        #expect(shot.mimeType == "image/png")
        #expect(Array(shot.bytes.prefix(8)) == [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
        let console = try await d.domainOpenConsole(test, device: nil, flags: 0)
        try await console.write(Array("hello\r".utf8))
        #expect(try await console.read() == Array("hello\n".utf8))
        await console.close()
        #expect(try await d.domainBlockStats(test, disk: "vda").readBytes > 0)
        await #expect(throws: VirtError.self) { try await d.domainBlockStats(test, disk: "vdz") }
        #expect(try await d.domainInterfaceStats(test, device: "testnet0").rxPackets > 0)
        #expect(try await d.domainGetVcpus(test).count == 2)
        #expect(try await d.domainMemoryStats(test, flags: 0).contains { $0.tag == .actualBalloon })
    }

    @Test func unknownFlagsAreRefusedNamingTheFunction() async throws {
        let d = try await open()
        let test = try await d.domainLookupByName("test")
        do {
            try await d.domainDestroy(test, flags: 0x40)
            Issue.record("unknown flag accepted")
        } catch let e as VirtError {
            #expect(e.code == .invalidArg)
            #expect(e.message == "unsupported flags (0x40) in function testDomainDestroyFlags")
        }
    }

    @Test func networksDefinedStartedAndUndefined() async throws {
        let d = try await open()
        let xml = "<network><name>n1</name><bridge name='vkbr1'/></network>"
        let n = try await d.networkDefineXML(xml, flags: 0)
        #expect(try await d.networkIsActive(n) == false)
        try await d.networkSetAutostart(n, true)
        #expect(try await d.networkGetAutostart(n))
        try await d.networkCreate(n)
        await #expect(throws: VirtError.self) { try await d.networkUndefine(n) }
        try await d.networkDestroy(n)
        try await d.networkUndefine(n)
        await #expect(throws: VirtError.self) { try await d.networkLookupByName("n1") }
    }

    @Test func nodeFilesLoadDomainsAndNetworks() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vk-node-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.t1.replacingOccurrences(of: "t1", with: "fromfile").write(
            to: dir.appendingPathComponent("d.xml"), atomically: true, encoding: .utf8)
        let node = """
            <node>
              <cpu><nodes>1</nodes><sockets>1</sockets><cores>4</cores><threads>1</threads><mhz>3000</mhz></cpu>
              <memory>8388608</memory>
              \(Self.t1)
              <domain file='d.xml'/>
              <network><name>lan</name><bridge name='br9'/></network>
            </node>
            """
        let path = dir.appendingPathComponent("node.xml").path
        try node.write(toFile: path, atomically: true, encoding: .utf8)
        let d = try await open("test://\(path)")
        #expect(Set(try await d.connectListAllDomains(flags: 0).map(\.name)) == ["t1", "fromfile"])
        #expect(try await d.connectListAllNetworks(flags: 0).map(\.name) == ["lan"])
        let info = try await d.nodeGetInfo()
        #expect(info.cores == 4 && info.cpus == 4 && info.mhz == 3000 && info.memoryKiB == 8_388_608)
        // A single domain document works too; a broken one is refused with its file named.
        #expect(try await open("test://\(dir.appendingPathComponent("d.xml").path)").connectListAllDomains(flags: 0).count == 1)
        try "<domain type='test'><name>x</name><memory>lots</memory></domain>".write(
            to: dir.appendingPathComponent("bad.xml"), atomically: true, encoding: .utf8)
        do {
            _ = try await open("test://\(dir.appendingPathComponent("bad.xml").path)")
            Issue.record("invalid node file accepted")
        } catch let e as VirtError {
            #expect(e.message.contains("bad.xml"))
        }
    }
}
