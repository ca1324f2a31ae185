import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `virtkit daemon` driven by the stock clients of Debian's libvirt 9.0 (virsh and
/// python-libvirt), over unix sockets, TCP, TLS (certificates made at test time) and ssh
/// (a private sshd), with the refusals libvirtd makes, and the daemon killed and restarted
/// under a running guest.
@Suite struct DaemonTests {
    static let virshPath = "/usr/bin/virsh"
    static let python = "/usr/bin/python3"

    /// Stock clients present? In CI their absence is a failure.
    static func haveClients() -> Bool {
        let ok = Command.exists(virshPath) && HostFacts.qemu
        if !ok { #expect(!HostFacts.ci, "virsh and QEMU are needed in CI") }
        return ok
    }

    /// A daemon on a fresh scratch root for one test, both gone when it returns however it
    /// ends; nothing runs without the stock clients (a failure in CI).
    static func withDaemon(_ body: (ScratchRoot, DaemonProcess) throws -> Void) throws {
        guard haveClients() else { return }
        let root = ScratchRoot()
        defer { root.remove() }
        let daemon = try DaemonProcess(root: root)
        defer { daemon.stop() }
        try body(root, daemon)
    }

    static func virsh(_ uri: String, _ args: [String], timeout: TimeInterval = 60) throws -> Command.Result {
        try Command.run(virshPath, ["-c", uri] + args, timeout: timeout)
    }

    static func guestFile(_ root: ScratchRoot, _ name: String) throws -> String {
        let path = root.path + "/\(name).xml"
        try HostFacts.tinyXML(name: name, extraDevices: "<graphics type='vnc' autoport='yes'/>")
            .write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// `virsh event --all --loop` in the background, its output in a file.
    final class EventListener {
        let process: BackgroundProcess
        init(uri: String, seconds: Int, root: ScratchRoot) throws {
            process = try BackgroundProcess(
                DaemonTests.virshPath, ["-c", uri, "event", "--all", "--loop", "--timeout", String(seconds)],
                directory: root.path, name: "events-\(UUID().uuidString.prefix(6))")
            // Registered once the daemon counts its 27 callbacks; a short wait suffices.
            usleep(1_200_000)
        }
        func finish() -> String {
            if process.wait(timeout: 60) == nil { process.stop() }
            return process.output
        }
        deinit { process.stop() }
    }

    @Test func virshDrivesAGuestOverTheUnixSocket() throws {
        try Self.withDaemon { root, daemon in
            let uri = daemon.unixURI
            let xml = try Self.guestFile(root, "vd1")

            let defined = try Self.virsh(uri, ["define", xml])
            #expect(defined.status == 0, "\(defined)")
            #expect(defined.stdout.contains("Domain 'vd1' defined"))
            let listed = try Self.virsh(uri, ["list", "--all"])
            #expect(listed.stdout.contains("vd1") && listed.stdout.contains("shut off"), "\(listed)")

            let events = try EventListener(uri: uri, seconds: 12, root: root)
            #expect(try Self.virsh(uri, ["start", "vd1"]).stdout.contains("Domain 'vd1' started"))
            let info = try Self.virsh(uri, ["dominfo", "vd1"])
            #expect(info.stdout.contains("State:          running"), "\(info)")
            #expect(info.stdout.contains("Max memory:     65536 KiB"))
            let dump = try Self.virsh(uri, ["dumpxml", "vd1"])
            #expect(dump.stdout.contains("<name>vd1</name>") && dump.stdout.contains("<domain type="), "\(dump)")

            // The embedded CLI on the same root sees what the daemon did.
            let embedded = try VirtKitCLI.run(["-c", root.uri, "list"])
            #expect(embedded.stdout.contains("vd1") && embedded.stdout.contains("running"), "\(embedded.stdout)")

            // A reset and a USB disk plugged in and out (USB lets go without the guest's help).
            #expect(try Self.virsh(uri, ["reset", "vd1"]).status == 0)
            let image = root.path + "/usb.img"
            #expect(FileManager.default.createFile(atPath: image, contents: Data(count: 1 << 20)))
            let usbDisk = root.path + "/usb-disk.xml"
            try "<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='\(image)'/><target dev='sdb' bus='usb'/></disk>"
                .write(toFile: usbDisk, atomically: true, encoding: .utf8)
            let attached = try Self.virsh(uri, ["attach-device", "vd1", usbDisk, "--live"])
            #expect(attached.status == 0, "\(attached)")
            let detached = try Self.virsh(uri, ["detach-device", "vd1", usbDisk, "--live"])
            #expect(detached.status == 0, "\(detached)")

            #expect(try Self.virsh(uri, ["suspend", "vd1"]).status == 0)
            #expect(try Self.virsh(uri, ["domstate", "vd1"]).stdout.hasPrefix("paused"))
            #expect(try Self.virsh(uri, ["resume", "vd1"]).status == 0)
            #expect(try Self.virsh(uri, ["domstate", "vd1"]).stdout.hasPrefix("running"))

            let caps = try Self.virsh(uri, ["capabilities"])
            #expect(caps.stdout.contains("<capabilities>") && caps.stdout.contains("<arch>x86_64</arch>"))
            let native = try Self.virsh(uri, ["domxml-to-native", "qemu-argv", xml])
            #expect(native.status == 0, "\(native)")
            #expect(native.stdout.contains("-name guest=vd1"), "\(native.stdout)")

            #expect(try Self.virsh(uri, ["destroy", "vd1"]).stdout.contains("Domain 'vd1' destroyed"))
            #expect(try Self.virsh(uri, ["domstate", "vd1"]).stdout.hasPrefix("shut off"))
            #expect(try Self.virsh(uri, ["undefine", "vd1"]).status == 0)
            #expect(!(try Self.virsh(uri, ["list", "--all"]).stdout.contains("vd1")))

            let seen = events.finish()
            for line in [
                "event 'lifecycle' for domain 'vd1': Started Booted",
                "event 'reboot' for domain 'vd1'",
                "event 'device-added' for domain 'vd1': usb-disk1",
                "event 'device-removed' for domain 'vd1': usb-disk1",
                "event 'lifecycle' for domain 'vd1': Suspended Paused",
                "event 'lifecycle' for domain 'vd1': Resumed Unpaused",
                "event 'lifecycle' for domain 'vd1': Stopped Destroyed",
                "event 'lifecycle' for domain 'vd1': Undefined Removed",
            ] {
                #expect(seen.contains(line), "missing \(line) in:\n\(seen)")
            }
            #expect(root.qemuProcesses().isEmpty)
        }
    }

    /// A VNC client comes, completes the RFB handshake and goes: stock virsh prints the
    /// three graphics events with both addresses, and our own client prints the same lines.
    @Test func graphicsEventsFollowAVNCClient() throws {
        try Self.withDaemon { root, daemon in
            let uri = daemon.unixURI
            #expect(try Self.virsh(uri, ["create", try Self.guestFile(root, "vg1")]).status == 0)
            let theirs = try BackgroundProcess(
                Self.virshPath, ["-c", uri, "event", "--event", "graphics", "--loop", "--timeout", "6"],
                directory: root.path, name: "virsh-graphics")
            defer { theirs.stop() }
            let ours = try BackgroundProcess(
                VirtKitCLI.binary, ["-c", uri, "event", "--event", "graphics", "--loop", "--timeout", "6"],
                directory: root.path, name: "our-graphics")
            defer { ours.stop() }
            usleep(1_200_000)

            let live = try Self.virsh(uri, ["dumpxml", "vg1"]).stdout
            let port = try #require(live.firstMatch(of: /<graphics type='vnc' port='(\d+)'/).flatMap { Int($0.1) }, "\(live)")
            let clientPort = try Self.vncHandshake(port: port)

            #expect(theirs.wait(timeout: 30) == 0)
            #expect(ours.wait(timeout: 30) == 0)
            let addresses = "local[IPv4 127.0.0.1 \(port)] remote[IPv4 127.0.0.1 \(clientPort)] none"
            let expected = ["connect", "initialize", "disconnect"].map { "event 'graphics' for domain 'vg1': \($0) \(addresses)" }
            let virshLines = theirs.output.split(separator: "\n").map(String.init).filter { $0.hasPrefix("event 'graphics'") }
            let ourLines = ours.output.split(separator: "\n").map(String.init).filter { $0.hasPrefix("event 'graphics'") }
            #expect(virshLines == expected, "\(theirs.output)")
            #expect(ourLines == virshLines, "\(ours.output)")
            #expect(try Self.virsh(uri, ["destroy", "vg1"]).status == 0)
            #expect(root.qemuProcesses().isEmpty)
        }
    }

    /// `virtkit event` on the root's own embedded URI while a daemon serves that root: what
    /// only QEMU reports (here a reset, made by another embedded CLI) reaches whoever holds
    /// the guest's event monitor — the daemon — and so comes through it.
    @Test func embeddedEventsComeThroughTheDaemonServingTheRoot() throws {
        try Self.withDaemon { root, daemon in
            #expect(try Self.virsh(daemon.unixURI, ["create", try Self.guestFile(root, "ve1")]).status == 0)
            let watching = try BackgroundProcess(
                VirtKitCLI.binary, ["-c", root.uri, "event", "--event", "reboot", "--timeout", "20"],
                directory: root.path, name: "embedded-events")
            defer { watching.stop() }
            usleep(1_200_000)
            let reset = try VirtKitCLI.run(["-c", root.uri, "reset", "ve1"])
            #expect(reset.status == 0, "\(reset.stderr)")
            #expect(watching.wait(timeout: 30) == 0)
            #expect(watching.output.contains("event 'reboot' for domain 've1'"), "\(watching.output)")
            #expect(watching.output.contains("events received: 1"), "\(watching.output)")
            #expect(try Self.virsh(daemon.unixURI, ["destroy", "ve1"]).status == 0)
            #expect(root.qemuProcesses().isEmpty)
        }
    }

    /// Connects to QEMU's VNC server on loopback and goes through RFB 3.8 with no
    /// authentication up to the server's init message, then hangs up. Returns the client's port.
    static func vncHandshake(port: Int) throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(connected == 0)
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        func receive(_ n: Int) throws -> [UInt8] {
            var bytes = [UInt8](repeating: 0, count: n)
            var got = 0
            while got < n {
                let r = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, n - got) }
                try #require(r > 0, "the VNC server hung up")
                got += r
            }
            return bytes
        }
        func send(_ bytes: [UInt8]) { _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, bytes.count) } }
        let version = try receive(12)
        #expect(String(decoding: version, as: UTF8.self).hasPrefix("RFB 003.00"))
        send(Array("RFB 003.008\n".utf8))
        let count = Int(try receive(1)[0])
        let types = try receive(count)
        #expect(types.contains(1), "no 'None' security type: \(types)")
        send([1])
        #expect(try receive(4) == [0, 0, 0, 0])  // SecurityResult: OK
        send([1])  // ClientInit: shared
        let serverInit = try receive(24)
        _ = try receive(Int(serverInit[20]) << 24 | Int(serverInit[21]) << 16 | Int(serverInit[22]) << 8 | Int(serverInit[23]))
        var mine = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &mine) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: mine.sin_port))
    }

    /// `virsh create --autodestroy`: the guest ends when virsh's connection does (virsh
    /// returns at once); one created without it keeps running. Our own client too.
    @Test func autodestroyGuestsEndWithTheirConnection() throws {
        try Self.withDaemon { root, daemon in
            let uri = daemon.unixURI
            let brief = try Self.guestFile(root, "brief"), stays = try Self.guestFile(root, "stays")
            // Our own client's `event`, over the same socket, sees the autodestroy happen.
            let all = try BackgroundProcess(
                VirtKitCLI.binary, ["-c", uri, "event", "--all", "--loop", "--timeout", "6"], directory: root.path, name: "all-events")
            defer { all.stop() }
            usleep(1_000_000)
            #expect(try Self.virsh(uri, ["create", brief, "--autodestroy"]).status == 0)
            #expect(try Self.virsh(uri, ["create", stays]).status == 0)
            let ours = try VirtKitCLI.run(["-c", uri, "create", "--autodestroy", try Self.guestFile(root, "ours")])
            #expect(ours.status == 0, "\(ours.stderr)")
            var names = ""
            for _ in 0..<100 {
                names = try Self.virsh(uri, ["list", "--all", "--name"]).stdout
                if !names.contains("brief") && !names.contains("ours") { break }
                usleep(100_000)
            }
            #expect(!names.contains("brief") && !names.contains("ours") && names.contains("stays"), "\(names)")
            #expect(all.wait(timeout: 20) == 0)
            let seen = all.output
            for line in ["event 'lifecycle' for domain 'brief': Started Booted", "event 'lifecycle' for domain 'brief': Stopped Destroyed",
                "event 'lifecycle' for domain 'stays': Started Booted", "event loop timed out"] {
                #expect(seen.contains(line), "missing \(line) in:\n\(seen)")
            }
            #expect(root.qemuProcesses().count == 1)
            #expect(try Self.virsh(uri, ["destroy", "stays"]).status == 0)
            #expect(root.qemuProcesses().isEmpty)
        }
    }

    /// `virsh net-event`: network definitions coming and going reach the client.
    @Test func networkEventsReachVirsh() throws {
        try Self.withDaemon { root, daemon in
            let uri = daemon.unixURI
            let listener = try BackgroundProcess(
                Self.virshPath, ["-c", uri, "net-event", "--event", "lifecycle", "--loop", "--timeout", "5"],
                directory: root.path, name: "net-events")
            defer { listener.stop() }
            let ours = try BackgroundProcess(
                VirtKitCLI.binary, ["-c", uri, "net-event", "--loop", "--timeout", "5"], directory: root.path, name: "our-net-events")
            defer { ours.stop() }
            usleep(1_200_000)
            let xml = root.path + "/net.xml"
            try "<network><name>vknet</name><bridge name='vkbr7'/></network>".write(toFile: xml, atomically: true, encoding: .utf8)
            #expect(try Self.virsh(uri, ["net-define", xml]).status == 0)
            #expect(try Self.virsh(uri, ["net-undefine", "vknet"]).status == 0)
            #expect(listener.wait(timeout: 20) == 0)
            let seen = listener.output
            #expect(
                seen == """
                    event 'lifecycle' for network vknet: Defined
                    event 'lifecycle' for network vknet: Undefined
                    event loop timed out
                    events received: 2


                    """, "\(seen)")
            // Our own client prints the same.
            #expect(ours.wait(timeout: 20) == 0)
            #expect(ours.output == seen)
        }
    }

    @Test func virshAndOurClientOverTCP() throws {
        guard Self.haveClients() else { return }
        let root = ScratchRoot()
        defer { root.remove() }
        let port = FreePort.next()
        let config = root.path + "/d.conf"
        try """
        # TCP only, on loopback
        listen_tls = 0
        listen_tcp = 1
        listen_addr = "127.0.0.1"
        tcp_port = "\(port)"
        auth_tcp = "none"
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess(root: root, arguments: ["--listen", "--config", config])
        defer { daemon.stop() }
        let uri = "qemu+tcp://127.0.0.1:\(port)/system"
        let xml = try Self.guestFile(root, "vt1")
        #expect(try Self.virsh(uri, ["define", xml]).status == 0)
        #expect(try Self.virsh(uri, ["start", "vt1"]).status == 0)
        #expect(try Self.virsh(uri, ["list"]).stdout.contains("vt1"))
        // Our own client through the same protocol.
        let ours = try VirtKitCLI.run(["-c", uri, "dominfo", "vt1"])
        #expect(ours.status == 0, "\(ours.stderr)")
        #expect(ours.stdout.contains("State:          running"))
        #expect(try VirtKitCLI.run(["-c", uri, "destroy", "vt1"]).status == 0)
        #expect(try VirtKitCLI.run(["-c", uri, "undefine", "vt1"]).status == 0)
        #expect(!(try Self.virsh(uri, ["list", "--all"]).stdout.contains("vt1")))
        // The test driver, through the daemon.
        let test = try Self.virsh("test+tcp://127.0.0.1:\(port)/default", ["list"])
        #expect(test.stdout.contains(" 1    test   running"), "\(test)")
    }

    @Test func readOnlyAccessRefusesChanges() throws {
        try Self.withDaemon { root, daemon in
            let ro = "qemu+unix:///system?socket=\(daemon.roSocket)"
            let xml = try Self.guestFile(root, "vr1")
            #expect(try Self.virsh(ro, ["list", "--all"]).status == 0)
            let refused = try Self.virsh(ro, ["define", xml])
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("operation forbidden: read only access prevents virDomainDefineXML"), "\(refused)")
            // virsh -r on the read-write socket asks for read-only itself.
            let testRW = "test+unix:///default?socket=\(daemon.rwSocket)"
            let r = try Command.run(Self.virshPath, ["-r", "-c", testRW, "destroy", "test"])
            #expect(r.stderr.contains("read only access prevents virDomainDestroy"), "\(r)")
            let ours = try VirtKitCLI.run(["-r", "-c", daemon.unixURI, "define", xml])
            #expect(ours.status == 1)
            #expect(ours.stderr.contains("read only access prevents virDomainDefineXML"), "\(ours.stderr)")
            #expect(!(try VirtKitCLI.run(["-c", root.uri, "list", "--all"]).stdout.contains("vr1")))
        }
    }

    /// What a fleet manager does when it connects: version, capabilities, hostname, list,
    /// define, start, info, XML, the three lookups, destroy, undefine, and a lifecycle
    /// callback seeing it all.
    @Test func pythonLibvirtFleetManagerCalls() throws {
        guard Self.haveClients() else { return }
        let probe = try Command.run(Self.python, ["-c", "import libvirt"])
        guard probe.status == 0 else {
            #expect(!HostFacts.ci, "python3-libvirt is needed in CI: \(probe.stderr)")
            return
        }
        let root = ScratchRoot()
        defer { root.remove() }
        let daemon = try DaemonProcess(root: root)
        defer { daemon.stop() }
        let xml = try Self.guestFile(root, "vp1")
        let script = """
            import libvirt, sys, threading, time
            libvirt.virEventRegisterDefaultImpl()
            threading.Thread(target=lambda: [libvirt.virEventRunDefaultImpl() for _ in iter(int, 1)], daemon=True).start()
            c = libvirt.open(sys.argv[1])
            print("type", c.getType())
            print("version", c.getVersion() > 0, c.getLibVersion() > 0)
            print("caps", "<capabilities>" in c.getCapabilities())
            print("hostname", c.getHostname() != "")
            seen = []
            cb = c.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                          lambda conn, dom, ev, det, op: seen.append((dom.name(), ev, det)), None)
            print("before", [d.name() for d in c.listAllDomains()])
            d = c.defineXML(open(sys.argv[2]).read())
            d.create()
            state, maxmem, mem, vcpus, cputime = d.info()
            print("info", state, maxmem, mem, vcpus)
            print("xml", "<name>vp1</name>" in d.XMLDesc())
            print("lookups", c.lookupByName("vp1").UUIDString() == d.UUIDString(),
                  c.lookupByUUIDString(d.UUIDString()).name(), c.lookupByID(d.ID()).name())
            print("during", [x.name() for x in c.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)])
            d.destroy()
            d.undefine()
            for _ in range(50):
                if len(seen) >= 4: break
                time.sleep(0.1)
            print("events", seen)
            try:
                c.lookupByName("vp1")
            except libvirt.libvirtError as e:
                print("missing", e.get_error_code())
            c.domainEventDeregisterAny(cb)
            c.close()
            """
        let r = try Command.run(Self.python, ["-c", script, daemon.unixURI, xml], timeout: 120)
        #expect(r.status == 0, "\(r)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("type QEMU"))
        #expect(lines.contains("version True True"))
        #expect(lines.contains("caps True"))
        #expect(lines.contains("hostname True"))
        #expect(lines.contains("before []"))
        #expect(lines.contains("info 1 65536 65536 1"), "\(r.stdout)")
        #expect(lines.contains("xml True"))
        #expect(lines.contains("lookups True vp1 vp1"))
        #expect(lines.contains("during ['vp1']"))
        // Defined/Added, Started/Booted, Stopped/Destroyed, Undefined/Removed.
        #expect(lines.contains("events [('vp1', 0, 0), ('vp1', 2, 0), ('vp1', 5, 1), ('vp1', 1, 0)]"), "\(r.stdout)")
        #expect(lines.contains("missing 42"))
    }

    @Test func tlsAdmitsOnlyTheRightCertificates() throws {
        guard Self.haveClients() else { return }
        let root = ScratchRoot()
        defer { root.remove() }
        let pki = root.path + "/pki"
        let made = try Command.run("/bin/bash", [Fixtures.repoRoot.appendingPathComponent("scripts/test-pki.sh").path, pki])
        #expect(made.status == 0, "\(made)")
        let port = FreePort.next()
        let config = root.path + "/tls.conf"
        try """
        listen_tls = 1
        listen_tcp = 0
        listen_addr = "127.0.0.1"
        tls_port = "\(port)"
        key_file = "\(pki)/server/serverkey.pem"
        cert_file = "\(pki)/server/servercert.pem"
        ca_file = "\(pki)/ca/cacert.pem"
        crl_file = "\(pki)/ca/crl.pem"
        # client3 is listed but revoked; client2 is not listed
        tls_allowed_dn_list = [
            "C=GB,O=virtkit test,CN=client1",
            "C=GB,O=virtkit test,CN=client3",
        ]
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess(root: root, arguments: ["--listen", "--config", config])
        defer { daemon.stop() }
        func uri(_ who: String) -> String { "qemu+tls://127.0.0.1:\(port)/system?pkipath=\(pki)/\(who)" }

        let good = try Self.virsh(uri("client1"), ["list", "--all"])
        #expect(good.status == 0, "\(good)")
        let xml = try Self.guestFile(root, "vs1")
        #expect(try Self.virsh(uri("client1"), ["define", xml]).status == 0)
        #expect(try Self.virsh(uri("client1"), ["start", "vs1"]).status == 0)
        #expect(try Self.virsh(uri("client1"), ["destroy", "vs1"]).status == 0)

        for who in ["client2", "revoked", "stranger"] {
            let refused = try Self.virsh(uri(who), ["list", "--all"], timeout: 30)
            #expect(refused.status != 0, "\(who) was admitted: \(refused)")
        }
        // Our client: admitted with the good certificate, refused with the others; and it
        // checks the server against its CA unless told not to.
        #expect(try VirtKitCLI.run(["-c", uri("client1"), "list", "--all"]).stdout.contains("vs1"))
        for who in ["client2", "revoked", "stranger"] {
            let refused = try VirtKitCLI.run(["-c", uri(who), "list", "--all"])
            #expect(refused.status == 1, "\(who) was admitted")
        }
        let wrongCA = try VirtKitCLI.run([
            "-c", "qemu+tls://127.0.0.1:\(port)/system?pkipath=\(pki)/other", "list",
        ])
        #expect(wrongCA.status == 1)
        // The daemon still serves after all that.
        #expect(try Self.virsh(uri("client1"), ["undefine", "vs1"]).status == 0)
    }

    @Test func tlsAndTCPAddressAllowList() throws {
        guard Self.haveClients() else { return }
        let root = ScratchRoot()
        defer { root.remove() }
        let port = FreePort.next()
        let config = root.path + "/ip.conf"
        try """
        listen_tls = 0
        listen_tcp = 1
        listen_addr = "127.0.0.1"
        tcp_port = "\(port)"
        tls_allowed_ip_list = ["10.*", "192.168.*"]
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess(root: root, arguments: ["--listen", "--config", config])
        defer { daemon.stop() }
        let refused = try Self.virsh("qemu+tcp://127.0.0.1:\(port)/system", ["list"], timeout: 30)
        #expect(refused.status != 0, "\(refused)")
        // Local sockets are not subject to the list.
        #expect(try Self.virsh(daemon.unixURI, ["list"]).status == 0)
    }

    @Test func sshAndExtTransports() throws {
        guard Self.haveClients() else { return }
        guard Command.exists("/usr/sbin/sshd"), Command.exists("/usr/bin/ssh-keygen"), Command.exists("/usr/bin/nc") else {
            #expect(!HostFacts.ci, "openssh-server and netcat-openbsd are needed in CI")
            return
        }
        let root = ScratchRoot()
        defer { root.remove() }
        let daemon = try DaemonProcess(root: root)
        defer { daemon.stop() }
        let dir = root.path + "/ssh"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (key, file) in [("host", "host_key"), ("user", "id")] {
            let r = try Command.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", key, "-f", dir + "/" + file])
            #expect(r.status == 0, "\(r)")
        }
        try FileManager.default.copyItem(atPath: dir + "/id.pub", toPath: dir + "/authorized_keys")
        chmod(dir, 0o700)
        try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        let port = FreePort.next()
        try """
        Port \(port)
        ListenAddress 127.0.0.1
        HostKey \(dir)/host_key
        AuthorizedKeysFile \(dir)/authorized_keys
        PermitRootLogin prohibit-password
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        UsePAM no
        StrictModes no
        PidFile \(dir)/sshd.pid
        """.write(toFile: dir + "/sshd_config", atomically: true, encoding: .utf8)
        let sshd = try Spawn.start(
            "/usr/sbin/sshd", ["-D", "-e", "-f", dir + "/sshd_config"], stdout: "/dev/null", stderr: dir + "/sshd.log")
        defer {
            kill(sshd, SIGTERM)
            if Spawn.wait(sshd, timeout: 10) == nil { kill(sshd, SIGKILL) }
        }
        // The ssh command the URIs name: our keys, no host-key prompts.
        let wrapper = dir + "/ssh"
        try """
        #!/bin/sh
        exec /usr/bin/ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -i \(dir)/id "$@"
        """.write(toFile: wrapper, atomically: true, encoding: .utf8)
        chmod(wrapper, 0o755)
        var ready = false
        for _ in 0..<100 where !ready {
            ready = (try? Command.run(wrapper, ["-p", String(port), "root@127.0.0.1", "true"], timeout: 10))?.status == 0
            if !ready { usleep(100_000) }
        }
        #expect(ready, "sshd did not come up")
        let uri = "qemu+ssh://root@127.0.0.1:\(port)/system?socket=\(daemon.rwSocket)&command=\(wrapper)&no_tty=1"
        let theirs = try Self.virsh(uri + "&mode=legacy", ["list", "--all"])
        #expect(theirs.status == 0, "\(theirs)")
        let xml = try Self.guestFile(root, "vh1")
        let ours = try VirtKitCLI.run(["-c", uri, "define", xml])
        #expect(ours.status == 0, "\(ours.stderr)")
        #expect(try Self.virsh(uri + "&mode=legacy", ["list", "--all"]).stdout.contains("vh1"))
        #expect(try VirtKitCLI.run(["-c", uri, "undefine", "vh1"]).status == 0)
        // ext: any program that speaks the protocol on its standard input and output.
        let ext = dir + "/ext"
        try "#!/bin/sh\nexec /usr/bin/nc -U \(daemon.rwSocket)\n".write(toFile: ext, atomically: true, encoding: .utf8)
        chmod(ext, 0o755)
        let viaExt = try VirtKitCLI.run(["-c", "qemu+ext:///system?command=\(ext)", "list", "--all"])
        #expect(viaExt.status == 0, "\(viaExt.stderr)")
        #expect(viaExt.stdout.contains("Id   Name   State"))
    }

    @Test func daemonKilledAndRestartedUnderARunningGuest() throws {
        guard Self.haveClients() else { return }
        let root = ScratchRoot()
        defer { root.remove() }
        var daemon = try DaemonProcess(root: root)
        let xml = try Self.guestFile(root, "vk1")
        #expect(try Self.virsh(daemon.unixURI, ["define", xml]).status == 0)
        #expect(try Self.virsh(daemon.unixURI, ["start", "vk1"]).status == 0)
        let qemu = root.qemuProcesses()
        #expect(qemu.count == 1)
        // A second guest started with autodestroy by a client still connected when the
        // daemon dies: its connection is gone with the daemon, so the next daemon ends it.
        #expect(try Self.virsh(daemon.unixURI, ["define", try Self.guestFile(root, "vk2")]).status == 0)
        let holder = try BackgroundProcess(
            Self.virshPath, ["-c", daemon.unixURI, "start vk2 --autodestroy ; event --all --loop --timeout 60"],
            directory: root.path, name: "holder")
        defer { holder.stop() }
        for _ in 0..<100 where root.qemuProcesses().count < 2 { usleep(100_000) }
        #expect(root.qemuProcesses().count == 2)
        daemon.kill9()
        #expect(root.qemuProcesses().count == 2, "the guests must outlive the daemon")
        daemon = try DaemonProcess(root: root)
        defer { daemon.stop() }
        let list = try Self.virsh(daemon.unixURI, ["list", "--all"])
        #expect(list.stdout.contains("vk1") && list.stdout.contains("running"), "\(list)")
        #expect(try Self.virsh(daemon.unixURI, ["domstate", "vk2"]).stdout.hasPrefix("shut off"))
        #expect(root.qemuProcesses() == qemu)
        #expect(try Self.virsh(daemon.unixURI, ["suspend", "vk1"]).status == 0)
        #expect(try Self.virsh(daemon.unixURI, ["domstate", "vk1"]).stdout.hasPrefix("paused"))
        #expect(try Self.virsh(daemon.unixURI, ["destroy", "vk1"]).status == 0)
        #expect(root.qemuProcesses().isEmpty)
    }

    @Test func sigtermClosesSocketsAndLeavesGuestsRunning() throws {
        guard Self.haveClients() else { return }
        let root = ScratchRoot()
        defer { root.remove() }
        let daemon = try DaemonProcess(root: root)
        let xml = try Self.guestFile(root, "vg1")
        #expect(try Self.virsh(daemon.unixURI, ["create", xml]).status == 0)
        #expect(daemon.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: daemon.rwSocket))
        #expect(!FileManager.default.fileExists(atPath: daemon.roSocket))
        #expect(root.qemuProcesses().count == 1)
        let embedded = try VirtKitCLI.run(["-c", root.uri, "list"])
        #expect(embedded.stdout.contains("vg1"))
        #expect(try VirtKitCLI.run(["-c", root.uri, "destroy", "vg1"]).status == 0)
    }

    @Test func badConfigurationNamesTheLine() throws {
        let root = ScratchRoot()
        defer { root.remove() }
        let config = root.path + "/bad.conf"
        try "listen_tcp = 1\n\n# a typo follows\nlisten_tpc = 1\n".write(toFile: config, atomically: true, encoding: .utf8)
        let r = try VirtKitCLI.run(["daemon", "--root", root.path, "--config", config])
        #expect(r.status == 2)
        #expect(r.stderr == "error: \(config):4: unknown setting 'listen_tpc'\n")
        try "tcp_port = 16509\n".write(toFile: config, atomically: true, encoding: .utf8)
        let r2 = try VirtKitCLI.run(["daemon", "--root", root.path, "--config", config])
        #expect(r2.status == 2)
        #expect(r2.stderr.contains("\(config):1: tcp_port: expected a quoted string"), "\(r2.stderr)")
        #expect(!FileManager.default.fileExists(atPath: root.path + "/run/libvirt-sock"))
    }

    @Test func oneDaemonPerRoot() throws {
        let root = ScratchRoot()
        defer { root.remove() }
        let first = try DaemonProcess(root: root)
        defer { first.stop() }
        #expect(throws: DaemonProcess.Failure.self) { try DaemonProcess(root: root) }
        #expect(first.isRunning)
    }
}
