import Convert
import Foundation
import Runtime
import Schema
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The argv for the host's QEMU must run: every fixture whose resources exist here (disk
/// images are made on the fly) is started with the real qemu-system-x86_64, paused and with a
/// QMP socket, asked for its status over QMP, and told to quit. KVM when /dev/kvm opens, TCG
/// otherwise.
@Suite(.serialized, .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/qemu-system-x86_64"),
    "qemu-system-x86_64 is not installed"))
struct QemuLaunchTests {
    static let binary = "/usr/bin/qemu-system-x86_64"

    static var fixtures: [URL] {
        Fixtures.files(in: Fixtures.fixtures.appendingPathComponent("qemu-argv"), suffix: ".xml")
            + Fixtures.files(in: Fixtures.fixtures.appendingPathComponent("seeds/domain"), suffix: ".xml")
            + Fixtures.files(in: Fixtures.fixtures.appendingPathComponent("valid/domain"), suffix: ".xml")
            + (Fixtures.hasConformance
                ? Fixtures.files(in: Fixtures.conformance.appendingPathComponent("qemu-argv"), suffix: ".xml") : [])
    }

    @Test func everyLaunchableFixtureStartsOnRealQEMU() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("virtkit-launch-\(getpid())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let caps = try await EmulatorProbe.capabilities(of: Self.binary, cacheDirectory: work.path + "/cache")
        let kvm = HostProbe.kvmUsable()
        var launched: [String] = []
        var skipped: [String: [String]] = [:]
        for (n, url) in Self.fixtures.enumerated() {
            let name = Fixtures.relative(url)
            var domain = try Domain.parse(Fixtures.read(url), fileName: url.path)
            let dir = work.appendingPathComponent("\(n)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            if let reason = try await adapt(&domain, in: dir, caps: caps, kvm: kvm) {
                skipped[reason, default: []].append(url.lastPathComponent)
                continue
            }
            let qmp = dir.appendingPathComponent("qmp.sock").path
            let line = try QemuArgvBuilder(capabilities: caps, launch: LaunchSettings(qmpSocket: qmp)).build(domain)
            let problem = try await launch(line, qmp: qmp, log: dir.appendingPathComponent("qemu.log"))
            #expect(problem == nil, "\(name): \(problem ?? "")\n\(line.rendered())")
            launched.append(url.lastPathComponent)
        }
        print("launch test (\(kvm ? "KVM" : "TCG")): \(launched.count) fixtures started on \(Self.binary); skipped:")
        for (reason, files) in skipped.sorted(by: { $0.key < $1.key }) {
            print("  \(reason): \(files.joined(separator: ", "))")
        }
        // Our own fixtures are written to be launchable; the corpus adds many more.
        #expect(launched.count >= (Fixtures.hasConformance ? 50 : 8), "only \(launched.count) fixtures launched")
    }

    /// Points the domain at resources that exist here, or says why it cannot run here.
    func adapt(_ d: inout Domain, in dir: URL, caps: EmulatorCapabilities, kvm: Bool) async throws -> String? {
        guard d.type == .qemu || d.type == .kvm || d.type == .kqemu else { return "not a QEMU guest" }
        if let os = d.os?.type?.value, os != "hvm" { return "not a QEMU guest" }
        if let arch = d.os?.type?.arch, !["i686", "x86_64"].contains(arch) { return "no \(arch) emulator here" }
        if let m = d.os?.type?.machine, !caps.machines.contains(m) { return "machine type not offered by this QEMU" }
        if d.type == .kvm && !kvm { d.type = .qemu }
        if d.type == .kqemu { d.type = .qemu }
        // `-cpu host` aborts QEMU 7.2 on nested KVM hosts (MSR 0x10a); host-model runs as
        // `-cpu max` under TCG instead, host-passthrough has no such stand-in.
        if d.cpu?.mode == .hostModel { d.type = .qemu }
        if kvm && d.type == .kvm && d.cpu?.mode == .hostPassthrough {
            return "host CPU model under nested KVM"
        }
        // Hyper-V enlightenments abort QEMU 7.2 on nested KVM hosts (MSR 0x40000073): run
        // those guests under TCG instead.
        if kvm && d.type == .kvm && d.features?.hyperv != nil { d.type = .qemu }
        if !(d.qemuCommandline?.args.isEmpty ?? true) { return "passes raw arguments through <qemu:commandline>" }
        if d.cpu?.mode == .hostPassthrough && d.type == .qemu { return "host CPU model needs KVM" }
        var devices = d.devices ?? Devices()
        devices.emulator = Self.binary
        for i in devices.disks.indices {
            let disk = devices.disks[i]
            switch disk.source {
            case .network?, .volume?, .dir?: return "network/volume disks"
            default: break
            }
            if [.xen, .uml, .sd].contains(disk.effectiveBus) { return "disk bus not offered by QEMU" }
            guard disk.sourcePath != nil else { continue }
            let image = dir.appendingPathComponent("disk\(i).img").path
            try await makeImage(image, format: disk.driver?.type ?? "raw")
            devices.disks[i].source = .file(image)
        }
        for nic in devices.interfaces {
            switch nic.source {
            case .user?, .mcast?, .server?, .udp?, nil: continue
            case .ethernet?:
                if let s = nic.script?.path, !FileManager.default.fileExists(atPath: s) { return "tap script missing" }
                if getuid() != 0 || !FileManager.default.fileExists(atPath: "/dev/net/tun") { return "tap needs root" }
            case .bridge(let b)?:
                if !FileManager.default.fileExists(atPath: "/sys/class/net/\(b?.bridgeName ?? "")/bridge") {
                    return "host bridge missing"
                }
            default: return "NIC needs host resources (network, client peer, macvtap…)"
            }
        }
        for list in [\Devices.serials, \Devices.parallels, \Devices.consoles, \Devices.channels] {
            for i in devices[keyPath: list].indices {
                var c = devices[keyPath: list][i]
                switch c.endpoint {
                case .dev(let path): if !FileManager.default.fileExists(atPath: path) { return "host serial device missing" }
                case .spicevmc, .spiceport:
                    if !(d.devices?.graphics.contains { $0.type == .spice } ?? false) { return "char device needs a peer" }
                case .pipe, .other: return "char device needs a peer"
                case .tcp(_, _, let listen, _), .unix(_, let listen): if !listen { return "char device needs a peer" }
                default: break
                }
                if case .file = c.endpoint {
                    c.setEndpoint(.file(path: dir.appendingPathComponent("char\(i).log").path, append: nil))
                }
                if case .unix = c.endpoint {
                    c.setEndpoint(.unix(path: dir.appendingPathComponent("char\(i).sock").path, listen: true))
                }
                devices[keyPath: list][i] = c
            }
        }
        if devices.graphics.contains(where: { ![.vnc, .spice].contains($0.type) }),
            ProcessInfo.processInfo.environment["DISPLAY"] == nil
        {
            return "graphics need a display"
        }
        // Fixed display ports collide with guests other suites start beside this one (the
        // runtime hands out 5900 and 5700 upwards): move them to ports nobody holds.
        for i in devices.graphics.indices {
            if let p = devices.graphics[i].port, p >= 5900 { devices.graphics[i].port = FreePort.next() }
            if let p = devices.graphics[i].tlsPort, p > 0 { devices.graphics[i].tlsPort = FreePort.next() }
            if let p = devices.graphics[i].websocket, p > 0 { devices.graphics[i].websocket = FreePort.next() }
        }
        if !devices.hostdevs.isEmpty { return "host devices" }
        if devices.vsock != nil && !FileManager.default.fileExists(atPath: "/dev/vhost-vsock") {
            return "vsock needs /dev/vhost-vsock"
        }
        for i in devices.filesystems.indices where devices.filesystems[i].source?.dir != nil {
            // A folder with a comma in its name, so QEMU's option escaping is tested too.
            let shared = dir.appendingPathComponent("share \(i), here")
            try FileManager.default.createDirectory(at: shared, withIntermediateDirectories: true)
            devices.filesystems[i].source?.dir = shared.path
        }
        for path in [d.os?.kernel, d.os?.initrd, d.os?.loader?.path].compactMap({ $0 })
        where !FileManager.default.fileExists(atPath: path) {
            return "kernel or firmware file missing"
        }
        d.devices = devices
        return nil
    }

    func makeImage(_ path: String, format: String) async throws {
        if format == "raw" {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try h.truncate(atOffset: 1 << 20)
            try h.close()
            return
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/qemu-img")
        p.arguments = ["create", "-q", "-f", format, path, "16M"]
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "qemu-img create -f \(format) failed")
    }

    /// Starts QEMU, checks it over QMP, quits it. Returns what went wrong, if anything.
    /// QEMU runs with -no-shutdown (as the runtime will), which makes it ignore SIGTERM, so
    /// a QEMU that does not quit over QMP is killed.
    func launch(_ line: QemuCommandLine, qmp: String, log: URL) async throws -> String? {
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let logHandle = try FileHandle(forWritingTo: log)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: line.binary)
        p.arguments = line.arguments
        p.environment = Dictionary(line.environment.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        p.standardInput = FileHandle.nullDevice
        // Sockets the XML leaves unnamed are made in the working folder: keep them here.
        p.currentDirectoryURL = log.deletingLastPathComponent()
        p.standardOutput = logHandle
        p.standardError = logHandle
        try p.run()
        let pid = p.processIdentifier
        func exited(within seconds: Double) async -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while p.isRunning && Date() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
            return !p.isRunning
        }
        var problem: String?
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: qmp) && problem == nil {
            if !p.isRunning || Date() > deadline {
                problem = "QEMU did not come up: " + Fixtures.read(log).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        if problem == nil {
            do {
                let client = try await QMPConnection.connect(path: qmp, within: .seconds(30), timeout: .seconds(30))
                let status = try await client.execute(QMP.QueryStatus()).status
                if status != "prelaunch" && status != "paused" { problem = "unexpected status \(status)" }
                _ = try? await client.execute(QMP.Quit())
                client.close()
            } catch {
                problem = "QMP: \(error) " + Fixtures.read(log)
            }
        }
        if !(await exited(within: 15)) {
            if problem == nil { problem = "QEMU did not quit" }
            kill(pid, SIGKILL)
            _ = await exited(within: 15)
        }
        try? logHandle.close()
        return problem
    }
}
