import Convert
import Foundation

/// One `domxml-to-native qemu-argv` as a whole CLI process (warm probe cache), against
/// Debian's libvirt 9.0 doing the same through `virsh -c qemu:///embed?root=DIR` (warm
/// capabilities cache), and the older per-format figures.
enum ConversionBench {
    static func run(binary: String, root: URL, rounds: Int) async {
        guard FileManager.default.isExecutableFile(atPath: binary) else { return }
        let qemu = "/usr/bin/qemu-system-x86_64"
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("virtkit-bench-conv-\(getpid())")
        try? FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let demo = root.appendingPathComponent("Tests/fixtures/seeds/qemu-argv/demo.xml")
        guard let text = try? String(contentsOf: demo, encoding: .utf8) else { return }
        let xml = work.appendingPathComponent("demo.xml").path
        try? text.replacingOccurrences(of: "/usr/bin/qemu<", with: qemu + "<").write(
            toFile: xml, atomically: true, encoding: .utf8)

        if FileManager.default.isExecutableFile(atPath: qemu) {
            let ourArgs = ["domxml-to-native", "qemu-argv", xml]
            // Warm: the probe cache and the verdict cache are filled by the first call.
            Measure.run(binary, ourArgs)
            let embed = work.appendingPathComponent("libvirt").path
            // libvirt's embedded QEMU driver reads ROOT/etc/qemu.conf; as root it would run
            // (and probe) QEMU as libvirt-qemu, which cannot use a root-owned scratch folder.
            try? FileManager.default.createDirectory(atPath: embed + "/etc", withIntermediateDirectories: true)
            try? "user = \"root\"\ngroup = \"root\"\nstdio_handler = \"file\"\n".write(
                toFile: embed + "/etc/qemu.conf", atomically: true, encoding: .utf8)
            let virsh = "/usr/bin/virsh"
            let theirArgs = ["-c", "qemu:///embed?root=\(embed)", "domxml-to-native", "qemu-argv", xml]
            // The first call also fills libvirt's capabilities cache.
            let peer = FileManager.default.isExecutableFile(atPath: virsh) && Measure.run(virsh, theirArgs) == 0
            // Round by round, in alternating order, so that the machine's drift (a shared
            // host's) weighs on both alike.
            var ours: [Double] = []
            var theirs: [Double] = []
            for round in 0..<rounds {
                let mine = { ours.append(Measure.seconds { Measure.run(binary, ourArgs) } * 1000) }
                let other = { if peer { theirs.append(Measure.seconds { Measure.run(virsh, theirArgs) } * 1000) } }
                if round % 2 == 0 { mine(); other() } else { other(); mine() }
            }
            let o = Measure.median(ours)
            var line = String(format: "domxml-to-native qemu-argv (median of %d): virtkit %.1f ms (goal ≤ 15 ms)", rounds, o)
            if peer {
                let t = Measure.median(theirs)
                line += String(format: ", libvirt 9.0 virsh embed %.1f ms: %.1f× faster (goal ≥ 3.5×)", t, t / o)
            } else {
                line += " (libvirt's embedded QEMU driver did not run: see Benchmarks/libvirt-peer.sh)"
            }
            print(line)
        }

        let xm = root.appendingPathComponent("Tests/fixtures/xen-xm/pairs")
        if let cfg = Bench.files(xm, ".cfg").first {
            let xmlFile = cfg.deletingPathExtension().appendingPathExtension("xml")
            func median(_ arguments: [String]) -> Double {
                Measure.median((0..<rounds).map { _ in Measure.seconds { Measure.run(binary, arguments) } * 1000 })
            }
            let from = median(["domxml-from-native", "xen-xm", cfg.path])
            let to = median(["domxml-to-native", "xen-xm", xmlFile.path])
            print(String(format: "xen-xm CLI conversion (median of %d): from-native %.1f ms, to-native %.1f ms", rounds, from, to))
        }
    }
}
