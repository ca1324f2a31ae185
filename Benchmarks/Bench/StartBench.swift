import Convert
import Foundation
import Runtime

#if canImport(Glibc)
    import Glibc
#endif

/// `virtkit start` of a tiny guest (no disk, 64 MiB, user networking), measured from the
/// CLI's process start until it returns with the guest running, against the same QEMU
/// argv launched bare until its QMP monitor has answered `cont`.
enum StartBench {
    static func run(binary: String, rounds: Int) async {
        let qemu = "/usr/bin/qemu-system-x86_64"
        guard FileManager.default.isExecutableFile(atPath: qemu), FileManager.default.isExecutableFile(atPath: binary) else {
            print("start: skipped (needs \(qemu) and the release virtkit)")
            return
        }
        // qemu:///system keeps its run state on /run (tmpfs); put the root there when we can,
        // so status writes cost what they cost in production.
        let base = access("/run", W_OK) == 0 ? "/run" : "/tmp"
        var template = Array((base + "/vkb-XXXXXX").utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else { return }
        let root = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer {
            killEverything(under: root)
            try? FileManager.default.removeItem(atPath: root)
        }
        let uri = "qemu:///embed?root=\(root)"
        let kvm = HostProbe.kvmUsable()
        let xml = """
            <domain type='\(kvm ? "kvm" : "qemu")'><name>tiny</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
            <os><type arch='x86_64'>hvm</type></os>
            <devices><interface type='user'><model type='virtio'/></interface></devices></domain>
            """
        let file = root + "/tiny.xml"
        try? xml.write(toFile: file, atomically: true, encoding: .utf8)
        guard Measure.run(binary, ["-c", uri, "define", file]) == 0,
            Measure.run(binary, ["-c", uri, "start", "tiny"]) == 0,
            Measure.run(binary, ["-c", uri, "destroy", "tiny"]) == 0
        else {
            print("start: skipped (define/start of the tiny guest failed)")
            return
        }
        // The very argv our start ran, from the guest's log, monitors moved to fresh paths.
        let log = (try? String(contentsOfFile: root + "/log/qemu/tiny.log", encoding: .utf8)) ?? ""
        guard let line = log.components(separatedBy: "starting up\n").last?.split(separator: "\n").first,
            let words = try? ShellWords.split(String(line), fileName: "log").map(\.text)
        else {
            print("start: cannot read the argv back from the guest log")
            return
        }
        let env = words.prefix { $0.contains("=") && !$0.hasPrefix("/") }
        let argv = Array(words.dropFirst(env.count)).map {
            $0.replacingOccurrences(of: root + "/run/qemu/mon/", with: root + "/bare-").replacingOccurrences(
                of: root + "/run/qemu/tiny.pid", with: root + "/bare.pid")
        }
        let control = argv.first { $0.contains("id=charmonitor,") }?.components(separatedBy: "path=").last?
            .components(separatedBy: ",").first ?? ""
        func bareLaunch() async -> Double {
            for f in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] where f.hasPrefix("bare-") {
                unlink(root + "/" + f)
            }
            var process: HostProcess?
            let t = await (try? Measure.milliseconds {
                let p = try HostProcess.spawn(argv, environment: Array(env), logPath: root + "/bare.log")
                process = p
                let qmp = try await QMPConnection.connect(
                    path: control, within: .seconds(30), stillStarting: { p.isRunning })
                _ = try await qmp.execute(QMP.Cont())
                qmp.close()
            }) ?? .nan
            if let p = process {
                p.signal(SIGKILL)
                _ = await p.waitForExit(timeout: .seconds(10))
            }
            return t
        }
        func virtkitStart() -> Double? {
            var status: Int32 = 0
            let t = Measure.seconds { status = Measure.run(binary, ["-c", uri, "start", "tiny"]) } * 1000
            Measure.run(binary, ["-c", uri, "destroy", "tiny"])
            return status == 0 ? t : nil
        }
        // Round by round, in alternating order, so that the machine's drift weighs on both
        // alike; and the floor: a virtkit process that only prints its version (its own
        // start-up and exit, which no `start` can avoid).
        var ours: [Double] = []
        var bare: [Double] = []
        var floor: [Double] = []
        for round in 0..<rounds {
            if round % 2 == 0 {
                guard let t = virtkitStart() else { print("start: a start failed"); return }
                ours.append(t)
                bare.append(await bareLaunch())
            } else {
                bare.append(await bareLaunch())
                guard let t = virtkitStart() else { print("start: a start failed"); return }
                ours.append(t)
            }
            floor.append(Measure.seconds { Measure.run(binary, ["--version"]) } * 1000)
        }
        let (o, b, f) = (Measure.median(ours), Measure.median(bare), Measure.median(floor))
        print(String(format: "start (%@, median of %d): virtkit start %.1f ms, bare QEMU to cont %.1f ms, ratio %.2f (goal ≤ 1.10)",
            kvm ? "KVM" : "TCG", rounds, o, b, o / b))
        print(String(format: "  floor: `virtkit --version` %.1f ms; bare QEMU plus that alone is a ratio of %.2f", f, (b + f) / b))
    }

    static func killEverything(under root: String) {
        let needle = Data(root.utf8)
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), pid != getpid(),
                let cmd = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(entry)/cmdline")), cmd.range(of: needle) != nil
            else { continue }
            kill(pid, SIGKILL)
        }
        usleep(100_000)
    }
}
