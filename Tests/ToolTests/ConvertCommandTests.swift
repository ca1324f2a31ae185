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

    @Test func unknownFormatIsAUsageError() throws {
        let r = try VirtKitCLI.run(["domxml-to-native", "vmware-vmx", seeds.appendingPathComponent("demo.xml").path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("qemu-argv"))
    }

    @Test func missingEmulatorWithoutVersionIsExplained() throws {
        let r = try VirtKitCLI.run(["domxml-to-native", "qemu-argv", seeds.appendingPathComponent("demo.xml").path])
        // /usr/bin/qemu does not exist on hosts of today.
        if !FileManager.default.fileExists(atPath: "/usr/bin/qemu") {
            #expect(r.status == 1)
            #expect(r.stderr.contains("--emulator-version"))
        }
    }
}
