import Foundation
import TestSupport
import Testing

/// `domxml-from-native` / `domxml-to-native` on the command line.
@Suite struct ConvertCommandTests {
    let seeds = Fixtures.fixtures.appendingPathComponent("seeds/qemu-argv")

    @Test func seedToNativeWithTheSeedsEnvironment() throws {
        let r = try VirtKitCLI.run(
            ["domxml-to-native", "qemu-argv", seeds.appendingPathComponent("demo.xml").path, "--emulator-version", "0.10.0"],
            environment: ["HOME": "/home/test", "USER": "test", "LOGNAME": "test", "PATH": "/usr/bin:/bin"])
        #expect(r.status == 0)
        #expect(r.stdout == Fixtures.read(seeds.appendingPathComponent("demo.xml.args")))
    }

    @Test func fromNativePrintsXMLThatValidates() throws {
        let r = try VirtKitCLI.run(["domxml-from-native", "qemu-argv", seeds.appendingPathComponent("demo.args").path])
        #expect(r.status == 0)
        let v = try VirtKitCLI.run(["validate", "-"], stdin: r.stdout)
        #expect(v.status == 0, "\(v.stderr)")
    }

    @Test func unmappedOptionsAreReportedOnStderr() throws {
        let r = try VirtKitCLI.run(["domxml-from-native", "qemu-argv", "-"], stdin: "/usr/bin/qemu-system-x86_64 -m 64 -newthing x")
        #expect(r.status == 0)
        #expect(r.stderr.contains("-newthing x"))
        #expect(r.stdout.contains("<qemu:arg value='-newthing'/>"))
    }

    @Test func malformedNativeInputExitsOneWithTheLine() throws {
        let r = try VirtKitCLI.run(["domxml-from-native", "qemu-argv", "-"], stdin: "/usr/bin/qemu \\\n-name 'x\n")
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("-:2:"))
    }

    @Test func writerWarningsReachStandardError() throws {
        // QEMU takes a VNC password only over QMP; the command line says password=on and
        // the user must be told the secret itself is not in it.
        let xml = """
            <domain type='qemu'><name>pw</name><memory>65536</memory><os><type>hvm</type></os>
            <devices><emulator>/usr/bin/qemu-system-x86_64</emulator>
            <graphics type='vnc' passwd='s3cret'/></devices></domain>
            """
        let r = try VirtKitCLI.run(["domxml-to-native", "qemu-argv", "-", "--emulator-version", "7.2.0"], stdin: xml)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("-: warning: the VNC password must be set through the monitor"), "\(r.stderr)")
        #expect(!r.stdout.contains("s3cret"))
    }

    @Test func unknownFormatIsAUsageErrorNamingTheChoices() throws {
        for verb in ["domxml-to-native", "domxml-from-native"] {
            let r = try VirtKitCLI.run([verb, "vmware-vmx", seeds.appendingPathComponent("demo.xml").path])
            #expect(r.status == 2)
            #expect(r.stderr.contains("vmware-vmx"))
            for name in ["qemu-argv", "xen-sxpr", "xen-xm", "xen-xl"] { #expect(r.stderr.contains(name), "\(r.stderr)") }
        }
    }

    @Test func missingEmulatorWithoutVersionIsExplained() throws {
        // An emulator that exists nowhere: the converter can neither probe it nor guess.
        let xml = """
            <domain type='qemu'><name>x</name><memory>65536</memory>
            <os><type arch='x86_64'>hvm</type></os>
            <devices><emulator>/nonexistent/virtkit/qemu-system-x86_64</emulator></devices></domain>
            """
        let r = try VirtKitCLI.run(["domxml-to-native", "qemu-argv", "-"], stdin: xml)
        #expect(r.status == 1)
        #expect(r.stderr.contains("/nonexistent/virtkit/qemu-system-x86_64"), "\(r.stderr)")
        #expect(r.stderr.contains("--emulator-version"), "\(r.stderr)")
    }

    // MARK: What no converter may print

    @Test func fromNativeRefusesADomainThatWouldNotValidate() throws {
        // QEMU takes a relative image path; domain XML wants an absolute one.
        let args = "/usr/bin/qemu-system-x86_64 \\\n-m 64 \\\n-hda disk.img\n"
        let r = try VirtKitCLI.run(["domxml-from-native", "qemu-argv", "-"], stdin: args)
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.hasPrefix("-:3: converts to an invalid domain: element source:"), "\(r.stderr)")
        #expect(r.stderr.contains("'disk.img'"))
    }

    @Test func controlCharactersNeverReachTheXML() throws {
        let args = "/usr/bin/qemu-system-x86_64 \\\n-name 'a\u{1}b' \\\n-m 64\n"
        let r = try VirtKitCLI.run(["domxml-from-native", "qemu-argv", "-"], stdin: args)
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("-:2: a value holds the control character U+0001"), "\(r.stderr)")
    }

    @Test func nativeTextThatIsNotUTF8IsRefusedAtItsLine() throws {
        var bytes = Array("/usr/bin/qemu-system-x86_64 \\\n-m 64 \\\n-name caf".utf8)
        bytes += [0xE9, 0x0A]  // Latin-1 é
        let r = try VirtKitCLI.run(["domxml-from-native", "qemu-argv", "-"], stdinBytes: bytes)
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("-:3: not valid UTF-8 text"), "\(r.stderr)")
    }

    @Test func numbersThatWouldWrapAreRefused() throws {
        let args = "/usr/bin/qemu-system-x86_64 -m 64 -drive file=/var/lib/a.img,if=ide,bus=0,unit=-10\n"
        let r = try VirtKitCLI.run(["domxml-from-native", "qemu-argv", "-"], stdin: args)
        #expect(r.status == 1)
        #expect(r.stderr.contains("unit=-10: want a whole number"), "\(r.stderr)")
        let huge = try VirtKitCLI.run(
            ["domxml-from-native", "qemu-argv", "-"], stdin: "/usr/bin/qemu-system-x86_64 -m 18446744073709551615\n")
        #expect(huge.status == 1, "\(huge.stdout)")
    }

    @Test func toNativeChecksItsInputAgainstTheSchema() throws {
        let xml = """
            <domain type='xen'>
              <name>rel</name>
              <uuid>596a5d21-71f4-8fb2-e068-e2386a5c413e</uuid>
              <memory>262144</memory>
              <os><type>linux</type><kernel>/boot/vmlinuz</kernel></os>
              <devices>
                <disk type='file' device='disk'>
                  <source file='relative.img'/>
                  <target dev='xvda' bus='xen'/>
                </disk>
              </devices>
            </domain>
            """
        for format in ["xen-xm", "xen-xl", "xen-sxpr"] {
            let r = try VirtKitCLI.run(["domxml-to-native", format, "-"], stdin: xml)
            #expect(r.status == 1, "\(format)")
            #expect(r.stdout.isEmpty, "\(format)")
            #expect(r.stderr.hasPrefix("-:8: element source: invalid value 'relative.img' for attribute file"), "\(r.stderr)")
        }
    }

    @Test func credentialsOnTheCommandLineNeverReachTheXML() throws {
        let args = "/usr/bin/qemu-system-x86_64 -m 64 -drive "
            + "'file=rbd:pool/image:id=admin:key=QVFTRUNSRVRLRVk=:auth_supported=cephx\\;none:mon_host=mon1\\:6789,"
            + "if=virtio,format=raw'\n"
        let r = try VirtKitCLI.run(["domxml-from-native", "qemu-argv", "-"], stdin: args)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stdout.contains("QVFTRUNSRVRLRVk="))
        #expect(r.stdout.contains("<auth username='admin'>"))
        #expect(r.stdout.contains("<secret type='ceph' usage='qemuargv2xml_usage'/>"))
        #expect(r.stderr.contains("define a secret of type 'ceph'"))
        let v = try VirtKitCLI.run(["validate", "-"], stdin: r.stdout)
        #expect(v.status == 0, "\(v.stderr)")
    }
}

/// domxml-to-native remembers documents that passed (the schema compile is most of a
/// conversion's time) without ever letting through one that `validate` refuses.
@Suite struct VerdictCacheTests {
    @Test func aRememberedPassNeverOutlivesAChangeToTheDocumentOrTheSchema() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vk-verdicts-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let schemas = dir.appendingPathComponent("schemas")
        try FileManager.default.copyItem(at: Fixtures.schemas, to: schemas)
        var env = ProcessInfo.processInfo.environment
        env["XDG_CACHE_HOME"] = dir.appendingPathComponent("cache").path
        env["VIRTKIT_SCHEMA_DIR"] = schemas.path
        let verdicts = dir.appendingPathComponent("cache/virtkit/verdicts").path
        func count() -> Int { ((try? FileManager.default.contentsOfDirectory(atPath: verdicts)) ?? []).count }
        let good = """
            <domain type='qemu'><name>v</name><memory>65536</memory><os><type>hvm</type></os>
            <devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices></domain>
            """
        let args = ["domxml-to-native", "qemu-argv", "-", "--emulator-version", "7.2.0"]
        let bad = good.replacingOccurrences(of: "<memory>65536</memory>", with: "<memory>lots</memory>")
        #expect(try VirtKitCLI.run(args, stdin: bad, environment: env).status == 1)
        #expect(count() == 0)
        let first = try VirtKitCLI.run(args, stdin: good, environment: env)
        #expect(first.status == 0)
        #expect(count() == 1)
        let second = try VirtKitCLI.run(args, stdin: good, environment: env)
        #expect(second.stdout == first.stdout && count() == 1)
        // The invalid document is refused again however often it comes.
        #expect(try VirtKitCLI.run(args, stdin: bad, environment: env).status == 1)
        // A grammar that no longer accepts the document: the remembered pass no longer applies.
        let rng = schemas.appendingPathComponent("basictypes.rng")
        var grammar = try String(contentsOf: rng, encoding: .utf8)
        grammar = grammar.replacingOccurrences(of: "      <value>qemu</value>\n      <value>kqemu</value>", with: "      <value>kqemu</value>")
        try grammar.write(to: rng, atomically: true, encoding: .utf8)
        let stricter = try VirtKitCLI.run(args, stdin: good, environment: env)
        #expect(stricter.status == 1, "\(stricter.stderr)")
    }
}

/// A conversion called as `VERB FORMAT FILE` is run without the argument parser
/// (Tools/DirectConversion.swift). `VERB -- FORMAT FILE` means the same call but goes
/// through the parser, so the two must agree to the byte on every outcome: output,
/// warnings, errors, exit status; with global options before the verb too.
@Suite struct DirectConversionTests {
    static let f = Fixtures.fixtures

    static let calls: [(verb: String, format: String, file: URL)] = [
        ("domxml-to-native", "qemu-argv", f.appendingPathComponent("seeds/qemu-argv/demo.xml")),
        ("domxml-from-native", "qemu-argv", f.appendingPathComponent("seeds/qemu-argv/demo.args")),
        ("domxml-to-native", "qemu-argv", f.appendingPathComponent("invalid/domain/clock-unknown-offset.xml")),
        ("domxml-to-native", "qemu-argv", f.appendingPathComponent("warnings/domain/duplicate-mac.xml")),
        ("domxml-to-native", "qemu-argv", f.appendingPathComponent("warnings/domain/boot-network-without-nic.xml")),
        ("domxml-to-native", "xen-xm", f.appendingPathComponent("xen-xm/pairs/hvm.xml")),
        ("domxml-from-native", "xen-xm", f.appendingPathComponent("xen-xm/pairs/hvm.cfg")),
        ("domxml-to-native", "xen-sxpr", f.appendingPathComponent("xen-sxpr/unwritable/disk-without-media.xml")),
        ("domxml-from-native", "xen-sxpr", f.appendingPathComponent("xen-sxpr/malformed/bad-blktap-type.sexpr")),
        ("domxml-from-native", "xen-xl", f.appendingPathComponent("xen-xl/pairs/hvm.cfg")),
        ("domxml-to-native", "qemu-argv", URL(fileURLWithPath: "/nonexistent/guest.xml")),
        ("domxml-to-native", "qemu-argv", f.appendingPathComponent("invalid")),
    ]

    @Test(arguments: calls.indices) func directAndParsedAgree(_ i: Int) throws {
        let (verb, format, file) = Self.calls[i]
        let direct = try VirtKitCLI.run([verb, format, file.path])
        let parsed = try VirtKitCLI.run([verb, "--", format, file.path])
        #expect(direct.status == parsed.status, "\(file.lastPathComponent): \(direct.stderr) / \(parsed.stderr)")
        #expect(Self.withoutMadeUpIDs(direct.stdout) == Self.withoutMadeUpIDs(parsed.stdout), "\(file.lastPathComponent)")
        #expect(direct.stderr == parsed.stderr, "\(file.lastPathComponent)")
    }

    @Test func globalOptionsBeforeTheVerbAgreeToo() throws {
        let file = Self.f.appendingPathComponent("warnings/domain/duplicate-mac.xml").path
        for globals in [["-q"], ["-c", "test:///default"], ["--connect", "qemu:///session", "-r"]] {
            let direct = try VirtKitCLI.run(globals + ["domxml-to-native", "qemu-argv", file])
            let parsed = try VirtKitCLI.run(globals + ["domxml-to-native", "--", "qemu-argv", file])
            #expect(direct.status == 0 && direct.status == parsed.status, "\(globals): \(direct.stderr)")
            #expect(direct.stdout == parsed.stdout && direct.stderr == parsed.stderr, "\(globals)")
        }
    }

    /// A native config without a UUID gets a random one (and a name made from it), as in
    /// libvirt; those differ from call to call whichever way they are made.
    static func withoutMadeUpIDs(_ text: String) -> String {
        text.replacing(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/, with: "UUID")
            .replacing(/guest-[0-9a-f]{8}/, with: "guest-NAME")
    }

    /// The calls cover every way a conversion ends, or the comparison above proves little.
    @Test func theCallsCoverEveryOutcome() throws {
        var statuses = Set<Int32>()
        var warned = false
        for (verb, format, file) in Self.calls {
            let r = try VirtKitCLI.run([verb, "--", format, file.path])
            statuses.insert(r.status)
            if r.status == 0 && r.stderr.contains("warning") { warned = true }
        }
        #expect(statuses == [0, 1, 2])
        #expect(warned)
    }
}
