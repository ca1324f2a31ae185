import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The virsh-style verbs on the command line: output as virsh lays it out (checked against
/// Debian's virsh 9.0 on the same test driver where it is installed), exit codes, and the
/// embedded QEMU driver across separate processes (killed ones included).
@Suite struct RuntimeCommandTests {
    static func vk(_ args: [String], stdin: String? = nil, env: [String: String]? = nil) throws -> VirtKitCLI.Result {
        try VirtKitCLI.run(args, stdin: stdin, environment: env)
    }

    static func virsh(_ args: [String]) -> String? {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/virsh") else { return nil }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/virsh")
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = Pipe()
        guard (try? p.run()) != nil else { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test(arguments: [
        ["list"], ["list", "--all"], ["list", "--name"], ["list", "--uuid"], ["list", "--inactive"], ["nodeinfo"],
        ["net-list", "--all"], ["net-list", "--name"], ["domid", "test"], ["domuuid", "test"], ["domname", "1"],
        ["hostname"], ["uri"], ["net-dumpxml", "default"], ["suspend", "test"], ["destroy", "test"],
        ["-q", "list"], ["-q", "domid", "test"], ["-q", "suspend", "test"],
    ])
    func testDriverOutputIsVirshs(_ args: [String]) throws {
        let ours = try Self.vk(["-c", "test:///default"] + args)
        #expect(ours.status == 0, "\(ours.stderr)")
        guard let theirs = Self.virsh(["-c", "test:///default"] + args) else {
            #expect(!HostFacts.ci, "virsh is missing in CI")
            return
        }
        #expect(ours.stdout == theirs)
    }

    @Test func dominfoLinesAreVirshs() throws {
        let ours = try Self.vk(["-c", "test:///default", "dominfo", "test"]).stdout
        guard let theirs = Self.virsh(["-c", "test:///default", "dominfo", "test"]) else { return }
        // CPU time and OS type differ by nature (libvirt's test driver calls every guest
        // linux); security lines come from a security driver we do not have.
        func keep(_ s: String) -> [String] {
            s.split(separator: "\n").map(String.init).filter {
                !$0.hasPrefix("CPU time") && !$0.hasPrefix("OS Type") && !$0.hasPrefix("Security")
            }
        }
        #expect(keep(ours) == keep(theirs))
    }

    @Test func errorsAndExitCodes() throws {
        let missing = try Self.vk(["-c", "test:///default", "dominfo", "nosuch"])
        #expect(missing.status == 1)
        #expect(missing.stderr == "error: failed to get domain 'nosuch'\n")
        let notRunning = try Self.vk(["-c", "test:///default", "resume", "test"])
        #expect(notRunning.status == 1)
        #expect(notRunning.stderr.hasPrefix("error: Failed to resume domain 'test'\nerror: "))
        let usage = try Self.vk(["-c", "test:///default", "list", "--bogus"])
        #expect(usage.status == 2)
        let badURI = try Self.vk(["-c", "qemu+pigeon:///system", "list"])
        #expect(badURI.status == 1)
        #expect(badURI.stderr.contains("unknown transport 'pigeon'"))
        let unknownDriver = try Self.vk(["-c", "vbox:///session", "list"])
        #expect(unknownDriver.status == 1 && unknownDriver.stderr.contains("no connection driver available"))
        let missingFile = try Self.vk(["-c", "test:///default", "define", "/nonexistent.xml"])
        #expect(missingFile.status == 2)
    }

    @Test func documentErrorsNameTheFileLineAndElement() throws {
        let dir = ScratchRoot()
        defer { dir.remove() }
        let file = dir.path + "/bad.xml"
        try "<domain type='test'>\n  <name>bad</name>\n  <memory unit='parsecs'>1</memory>\n</domain>\n".write(
            toFile: file, atomically: true, encoding: .utf8)
        let r = try Self.vk(["-c", "test:///default", "define", file])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("error: Failed to define domain from \(file)\nerror: \(file):3: element memory:"), "\(r.stderr)")
    }

    @Test func defaultURIFromTheEnvironment() throws {
        var env = ProcessInfo.processInfo.environment
        env["VIRTKIT_DEFAULT_URI"] = "test:///default"
        #expect(try Self.vk(["uri"], env: env).stdout == "test:///default\n\n")
        env["VIRTKIT_DEFAULT_URI"] = nil
        env["VIRSH_DEFAULT_CONNECT_URI"] = "test:///default"
        #expect(try Self.vk(["uri"], env: env).stdout == "test:///default\n\n")
        #expect(try Self.vk(["--connect=test:///default", "uri"]).stdout == "test:///default\n\n")
    }

    @Test func testDriverConsoleScreenshotAndSaveFromTheCommandLine() throws {
        let dir = ScratchRoot()
        defer { dir.remove() }
        let console = try Self.vk(["-c", "test:///default", "console", "test"], stdin: "hello there\n")
        #expect(console.status == 0)
        #expect(console.stdout.contains("Connected to domain 'test'"))
        #expect(console.stdout.contains("hello there"))
        let shot = try Self.vk(["-c", "test:///default", "screenshot", "test", dir.path + "/s.png"])
        #expect(shot.stdout.contains("with type of image/png"))
        #expect(FileManager.default.contents(atPath: dir.path + "/s.png")?.prefix(4) == Data([0x89, 0x50, 0x4e, 0x47]))
        let notSupported = try Self.vk(["-c", "test:///default", "dump", "test", dir.path + "/d", "--format", "bogus"])
        #expect(notSupported.status == 2)
    }

    @Test func verbsTheQemuDriverLacksSayNotSupported() throws {
        let root = ScratchRoot()
        defer { root.remove() }
        _ = try Self.vk(["-c", root.uri, "net-define", "-"], stdin: "<network><name>n</name><bridge name='vkbr9'/></network>")
        let r = try Self.vk(["-c", root.uri, "net-start", "n"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("this function is not supported by the connection driver: virNetworkCreate"))
    }

    @Test func hvsupportTableIsTheOneInTheReadme() throws {
        let r = try Self.vk(["hvsupport"])
        #expect(r.status == 0)
        let readme = Fixtures.read(Fixtures.repoRoot.appendingPathComponent("README.md"))
        let begin = "<!-- hvsupport:begin -->\n"
        let end = "<!-- hvsupport:end -->"
        let inReadme = readme.components(separatedBy: begin).dropFirst().first?.components(separatedBy: end).first
        #expect(inReadme == r.stdout, "README's support table differs from `virtkit hvsupport`")
        #expect(r.stdout.contains("| `virNetworkCreate` | — | yes |"))
    }
}

/// The embedded QEMU driver across processes: each verb a separate `virtkit` run, as users
/// drive it, guests outliving the command that started them.
@Suite(.enabled(if: HostFacts.qemu || HostFacts.ci, "needs qemu-system-x86_64"), .serialized)
struct EmbeddedQemuCommandTests {
    static func vk(_ root: ScratchRoot, _ args: [String], stdin: String? = nil) throws -> VirtKitCLI.Result {
        try VirtKitCLI.run(["-c", root.uri] + args, stdin: stdin)
    }

    static func write(_ root: ScratchRoot, _ name: String, _ text: String) throws -> String {
        let path = root.path + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func guestsOutliveTheCommandThatStartedThem() throws {
        let root = ScratchRoot()
        defer { root.remove() }
        let xml = try Self.write(root, "tiny.xml", HostFacts.tinyXML(name: "tiny"))
        #expect(try Self.vk(root, ["define", xml]).stdout == "Domain 'tiny' defined from \(xml)\n\n")
        let start = try Self.vk(root, ["start", "tiny"])
        #expect(start.status == 0, "\(start.stderr)")
        #expect(start.stdout == "Domain 'tiny' started\n\n")
        #expect(root.qemuProcesses().count == 1)
        let list = try Self.vk(root, ["list"])
        #expect(list.stdout == " Id   Name   State\n----------------------\n 1    tiny   running\n\n")
        let info = try Self.vk(root, ["dominfo", "tiny"]).stdout
        #expect(info.contains("State:          running\n") && info.contains("Persistent:     yes\n"))
        #expect(info.contains("Max memory:     65536 KiB\n"))
        #expect(try Self.vk(root, ["domstate", "--reason", "1"]).stdout == "running (booted)\n\n")
        #expect(try Self.vk(root, ["destroy", "tiny"]).status == 0)
        #expect(root.qemuProcesses().isEmpty)
        #expect(try Self.vk(root, ["domstate", "--reason", "tiny"]).stdout == "shut off (destroyed)\n\n")
        #expect(try Self.vk(root, ["undefine", "tiny"]).stdout == "Domain 'tiny' has been undefined\n\n")
        #expect(try Self.vk(root, ["list", "--all", "--name"]).stdout == "\n")
    }

    /// `start DOMAIN` skips the argument parser (Tools/VirtKit.swift); `start -- DOMAIN`
    /// means the same and goes through it. Both must print, fail and exit alike.
    @Test func startWithoutTheParserAgreesWithTheParsedCall() throws {
        let root = ScratchRoot()
        defer { root.remove() }
        let xml = try Self.write(root, "tiny.xml", HostFacts.tinyXML(name: "tiny"))
        #expect(try Self.vk(root, ["define", xml]).status == 0)
        for globals in [[], ["-q"]] {
            var results: [VirtKitCLI.Result] = []
            for args in [["start", "tiny"], ["start", "--", "tiny"]] {
                let started = try VirtKitCLI.run(["-c", root.uri] + globals + args)
                #expect(root.qemuProcesses().count == 1, "\(globals + args): \(started.stderr)")
                // Already running: the error and its status.
                let again = try VirtKitCLI.run(["-c", root.uri] + globals + args)
                #expect(try Self.vk(root, ["destroy", "tiny"]).status == 0)
                #expect(root.qemuProcesses().isEmpty)
                results += [started, again]
            }
            #expect(results[0].status == 0 && results[1].status == 1, "\(results[1].stderr)")
            for (direct, parsed) in [(results[0], results[2]), (results[1], results[3])] {
                #expect(direct.status == parsed.status)
                #expect(direct.stdout == parsed.stdout && direct.stderr == parsed.stderr, "\(direct.stderr) / \(parsed.stderr)")
            }
        }
        // By id and UUID too, and an unknown name.
        let uuid = try Self.vk(root, ["domuuid", "tiny"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        for name in [uuid, "nosuch"] {
            let direct = try Self.vk(root, ["start", name])
            if direct.status == 0 { _ = try Self.vk(root, ["destroy", "tiny"]) }
            let parsed = try Self.vk(root, ["start", "--", name])
            if parsed.status == 0 { _ = try Self.vk(root, ["destroy", "tiny"]) }
            #expect(direct.status == parsed.status && direct.stdout == parsed.stdout && direct.stderr == parsed.stderr, "\(name)")
        }
        #expect(root.qemuProcesses().isEmpty)
    }

    /// `--autodestroy` ties a guest to the connection that starts it; for the embedded
    /// driver that is the command itself, so the guest is gone once the command returns.
    @Test func autodestroyEndsWithTheCommand() throws {
        let root = ScratchRoot()
        defer { root.remove() }
        let xml = try Self.write(root, "tiny.xml", HostFacts.tinyXML(name: "brief"))
        #expect(try Self.vk(root, ["define", xml]).status == 0)
        let start = try Self.vk(root, ["start", "--autodestroy", "brief"])
        #expect(start.status == 0 && start.stdout == "Domain 'brief' started\n\n", "\(start.stderr)")
        #expect(try Self.vk(root, ["domstate", "--reason", "brief"]).stdout == "shut off (destroyed)\n\n")
        #expect(root.qemuProcesses().isEmpty)
        // Without the flag the guest outlives the command, as always.
        #expect(try Self.vk(root, ["start", "brief"]).status == 0)
        #expect(try Self.vk(root, ["domstate", "brief"]).stdout == "running\n\n")
        #expect(try Self.vk(root, ["destroy", "brief"]).status == 0)
        // A transient guest created with it disappears altogether.
        let other = try Self.write(root, "other.xml", HostFacts.tinyXML(name: "passing"))
        #expect(try Self.vk(root, ["create", "--autodestroy", other]).status == 0)
        #expect(!(try Self.vk(root, ["list", "--all", "--name"]).stdout.contains("passing")))
        #expect(root.qemuProcesses().isEmpty)
    }

    /// `virtkit event` on the embedded driver sees what other commands do to guests on the
    /// same root, in virsh's words, and says how many events it got.
    @Test func eventSeesWhatOtherCommandsDo() throws {
        let root = ScratchRoot()
        defer { root.remove() }
        let xml = try Self.write(root, "tiny.xml", HostFacts.tinyXML(name: "watched"))
        let listener = try BackgroundProcess(
            VirtKitCLI.binary, ["-c", root.uri, "event", "--all", "--loop", "--timeout", "5"], directory: root.path, name: "events")
        defer { listener.stop() }
        #expect(try Self.vk(root, ["define", xml]).status == 0)
        usleep(1_000_000)  // registered and scanning
        #expect(try Self.vk(root, ["start", "watched"]).status == 0)
        usleep(500_000)
        #expect(try Self.vk(root, ["reset", "watched"]).status == 0)
        usleep(300_000)
        #expect(try Self.vk(root, ["destroy", "watched"]).status == 0)
        #expect(listener.wait(timeout: 20) == 0)
        let text = listener.output
        // QEMU reports a reset twice under SeaBIOS (the host's, then the firmware's own), and
        // each is a reboot event, as libvirt relays them.
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let reboots = lines.filter { $0 == "event 'reboot' for domain 'watched'" }.count
        lines.removeAll { $0 == "event 'reboot' for domain 'watched'" }
        #expect(reboots >= 1, "\(text)")
        #expect(
            lines == [
                "event 'lifecycle' for domain 'watched': Started Booted",
                "event 'lifecycle' for domain 'watched': Stopped Destroyed", "event loop timed out",
                "events received: \(2 + reboots)", "", "",
            ], "\(text)")
        // Without --loop: the first event of the one guest asked for, then it returns.
        let one = try BackgroundProcess(
            VirtKitCLI.binary, ["-c", root.uri, "event", "--domain", "watched", "--event", "lifecycle"],
            directory: root.path, name: "single")
        defer { one.stop() }
        usleep(1_000_000)
        let other = try Self.write(root, "other.xml", HostFacts.tinyXML(name: "other"))
        #expect(try Self.vk(root, ["create", other]).status == 0)
        usleep(500_000)
        #expect(try Self.vk(root, ["start", "watched"]).status == 0)
        #expect(one.wait(timeout: 20) == 0)
        #expect(one.output == "event 'lifecycle' for domain 'watched': Started Booted\nevents received: 1\n\n")
        #expect(try Self.vk(root, ["destroy", "watched"]).status == 0)
        #expect(try Self.vk(root, ["destroy", "other"]).status == 0)
        // An event type virtkit does not deliver, or none, is a usage error.
        #expect(try Self.vk(root, ["event", "--event", "watchdog"]).status == 2)
        #expect(try Self.vk(root, ["event"]).status == 2)
    }

    /// `virtkit net-event` on the embedded driver sees network definitions other commands
    /// make and remove on the same root.
    @Test func netEventSeesOtherCommandsDefinitions() throws {
        let root = ScratchRoot()
        defer { root.remove() }
        let xml = try Self.write(root, "net.xml", "<network><name>seen</name><bridge name='vkbr5'/></network>")
        let listener = try BackgroundProcess(
            VirtKitCLI.binary, ["-c", root.uri, "net-event", "--loop", "--timeout", "3"], directory: root.path, name: "net-events")
        defer { listener.stop() }
        usleep(1_000_000)
        #expect(try Self.vk(root, ["net-define", xml]).status == 0)
        usleep(600_000)
        #expect(try Self.vk(root, ["net-undefine", "seen"]).status == 0)
        #expect(listener.wait(timeout: 20) == 0)
        #expect(
            listener.output == """
                event 'lifecycle' for network seen: Defined
                event 'lifecycle' for network seen: Undefined
                event loop timed out
                events received: 2


                """)
        #expect(try Self.vk(root, ["net-event", "--event", "metadata-change"]).status == 2)
    }

    /// Kill -9 the CLI at many points of `start`: whatever the moment, the next commands see
    /// one consistent state, and every verb still works.
    @Test func aStartKilledAtAnyPointLeavesAConsistentState() throws {
        let root = ScratchRoot()
        defer { root.remove() }
        let xml = try Self.write(root, "k.xml", HostFacts.tinyXML(name: "k"))
        #expect(try Self.vk(root, ["define", xml]).status == 0)
        // Warm the emulator probe cache, so the kills land in the start proper.
        #expect(try Self.vk(root, ["start", "k"]).status == 0)
        #expect(try Self.vk(root, ["destroy", "k"]).status == 0)
        for delay in [0, 1, 3, 6, 10, 15, 25, 40, 70, 120] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: VirtKitCLI.binary)
            p.arguments = ["-c", root.uri, "start", "k"]
            p.standardOutput = Pipe()
            p.standardError = Pipe()
            try p.run()
            usleep(useconds_t(delay * 1000))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            let state = try Self.vk(root, ["domstate", "--reason", "k"])
            #expect(state.status == 0, "after \(delay) ms: \(state.stderr)")
            let qemus = root.qemuProcesses()
            if state.stdout.hasPrefix("running") || state.stdout.hasPrefix("paused") {
                #expect(qemus.count == 1, "after \(delay) ms: \(state.stdout) with \(qemus.count) QEMUs")
                #expect(try Self.vk(root, ["destroy", "k"]).status == 0)
            } else {
                #expect(state.stdout.hasPrefix("shut off"), "after \(delay) ms: \(state.stdout)")
                // A start cut short leaves no QEMU behind once anything looked.
                #expect(try Self.vk(root, ["start", "k"]).status == 0, "after \(delay) ms")
                #expect(try Self.vk(root, ["destroy", "k"]).status == 0)
            }
            #expect(root.qemuProcesses().isEmpty, "after \(delay) ms")
        }
    }

    @Test func defineAndDestroyKilledMidwayLeaveAConsistentState() throws {
        let root = ScratchRoot()
        defer { root.remove() }
        let xml = try Self.write(root, "d.xml", HostFacts.tinyXML(name: "d"))
        for delay in [0, 2, 5, 10, 30] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: VirtKitCLI.binary)
            p.arguments = ["-c", root.uri, "define", xml]
            p.standardOutput = Pipe()
            p.standardError = Pipe()
            try p.run()
            usleep(useconds_t(delay * 1000))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            let list = try Self.vk(root, ["list", "--all", "--name"])
            #expect(list.status == 0)
            #expect(list.stdout == "d\n\n" || list.stdout == "\n", "after \(delay) ms: \(list.stdout)")
        }
        #expect(try Self.vk(root, ["define", xml]).status == 0)
        #expect(try Self.vk(root, ["start", "d"]).status == 0)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: VirtKitCLI.binary)
        p.arguments = ["-c", root.uri, "destroy", "d"]
        p.standardOutput = Pipe()
        p.standardError = Pipe()
        try p.run()
        usleep(3000)
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let state = try Self.vk(root, ["domstate", "d"]).stdout
        if state.hasPrefix("running") { #expect(try Self.vk(root, ["destroy", "d"]).status == 0) }
        usleep(200_000)
        #expect(try Self.vk(root, ["domstate", "d"]).stdout == "shut off\n\n")
        #expect(root.qemuProcesses().isEmpty)
        #expect(try Self.vk(root, ["start", "d"]).status == 0)
    }

    @Test func twoCommandsRacingOnOneRoot() throws {
        let root = ScratchRoot()
        defer { root.remove() }
        let a = try Self.write(root, "a.xml", HostFacts.tinyXML(name: "a"))
        let b = try Self.write(root, "b.xml", HostFacts.tinyXML(name: "b"))
        // Different guests: both defines and both starts succeed.
        let both = try Self.concurrently([["define", a], ["define", b]], root)
        #expect(both.allSatisfy { $0.status == 0 }, "\(both.map(\.stderr))")
        let starts = try Self.concurrently([["start", "a"], ["start", "b"]], root)
        #expect(starts.allSatisfy { $0.status == 0 }, "\(starts.map(\.stderr))")
        #expect(root.qemuProcesses().count == 2)
        // The same guest started twice at once: exactly one wins, one QEMU runs.
        #expect(try Self.vk(root, ["destroy", "a"]).status == 0)
        let race = try Self.concurrently([["start", "a"], ["start", "a"], ["start", "a"]], root)
        #expect(race.filter { $0.status == 0 }.count == 1, "\(race.map(\.stderr))")
        #expect(race.filter { $0.status == 1 }.allSatisfy { $0.stderr.contains("already running") })
        #expect(root.qemuProcesses().count == 2)
        // The same transient guest created twice at once: one guest.
        let c = try Self.write(root, "c.xml", HostFacts.tinyXML(name: "c"))
        let creates = try Self.concurrently([["create", c], ["create", c]], root)
        #expect(creates.filter { $0.status == 0 }.count == 1, "\(creates.map(\.stderr))")
        #expect(root.qemuProcesses().count == 3)
    }

    static func concurrently(_ commands: [[String]], _ root: ScratchRoot) throws -> [VirtKitCLI.Result] {
        let results = Locked<[Int: VirtKitCLI.Result]>([:])
        DispatchQueue.concurrentPerform(iterations: commands.count) { i in
            if let r = try? vk(root, commands[i]) { results.mutate { $0[i] = r } }
        }
        return commands.indices.compactMap { results.value[$0] }
    }
}

final class Locked<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var v: T
    init(_ v: T) { self.v = v }
    var value: T {
        lock.lock()
        defer { lock.unlock() }
        return v
    }
    func mutate(_ f: (inout T) -> Void) {
        lock.lock()
        f(&v)
        lock.unlock()
    }
}
