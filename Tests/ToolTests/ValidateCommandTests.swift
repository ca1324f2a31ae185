import Foundation
import TestSupport
import Testing

/// `virtkit validate`: virt-xml-validate's contract, plus many files per call.
@Suite struct ValidateCommandTests {
    let seed = Fixtures.fixtures.appendingPathComponent("seeds/domain/qemu-demo-drvqemu.xml").path
    let bad = Fixtures.fixtures.appendingPathComponent("invalid/domain/disk-unknown-type.xml").path

    @Test func validFilePrintsValidatesAndExitsZero() throws {
        let r = try VirtKitCLI.run(["validate", seed])
        #expect(r.status == 0)
        #expect(r.stdout == "\(seed) validates\n")
    }

    @Test func invalidFileNamesFileLineAndElement() throws {
        let r = try VirtKitCLI.run(["validate", bad])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("\(bad):32: element disk: "))
        #expect(r.stderr.contains("\(bad) fails to validate"))
        #expect(r.stdout.isEmpty)
    }

    @Test func manyFilesInOneCallReportEach() throws {
        let r = try VirtKitCLI.run(["validate", seed, bad, seed])
        #expect(r.status == 1)
        #expect(r.stdout.components(separatedBy: "validates").count - 1 == 2)
        #expect(r.stderr.contains("fails to validate"))
    }

    @Test func notWellFormedIsInvalid() throws {
        let r = try VirtKitCLI.run(["validate", "-"], stdin: "<domain type='kvm'>\n<name>x</name>\n</doma>\n")
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("-:3:"))
    }

    @Test func standardInputIsDash() throws {
        let r = try VirtKitCLI.run(["validate", "-"], stdin: Fixtures.read(URL(fileURLWithPath: seed)))
        #expect(r.status == 0)
        #expect(r.stdout == "- validates\n")
    }

    @Test func unknownRootIsInvalid() throws {
        let r = try VirtKitCLI.run(["validate", "-"], stdin: "<pool type='dir'><name>p</name></pool>")
        #expect(r.status == 1)
        #expect(r.stderr.contains("element pool: unknown root element"))
    }

    @Test func missingFileIsAnIOError() throws {
        let r = try VirtKitCLI.run(["validate", "/nonexistent/virtkit.xml"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("/nonexistent/virtkit.xml: no such file"))
    }

    @Test func usageErrorsExitTwo() throws {
        #expect(try VirtKitCLI.run(["validate"]).status == 2)
        let storage = try VirtKitCLI.run(["validate", "--schema", "storage", seed])
        #expect(storage.status == 2)
        for name in ["storage", "domain", "network", "capabilities"] { #expect(storage.stderr.contains(name), "\(storage.stderr)") }
        #expect(try VirtKitCLI.run(["validate", "--schema", "capability", seed]).status == 1)
        #expect(try VirtKitCLI.run(["frobnicate"]).status == 2)
    }

    @Test func versionIsPrintedAndExitsZero() throws {
        let r = try VirtKitCLI.run(["--version"])
        #expect(r.status == 0)
        #expect(r.stdout.split(separator: ".").count == 3, "\(r.stdout)")
    }

    @Test func forcedSchemaIsUsed() throws {
        #expect(try VirtKitCLI.run(["validate", "--schema", "domain", seed]).status == 0)
        let r = try VirtKitCLI.run(["validate", "--schema", "network", seed])
        #expect(r.status == 1)
    }

    @Test func warningsDoNotFailUnlessStrict() throws {
        let w = Fixtures.fixtures.appendingPathComponent("warnings/domain/duplicate-mac.xml").path
        let lax = try VirtKitCLI.run(["validate", w])
        #expect(lax.status == 0)
        #expect(lax.stderr.contains(":19: element mac: warning: duplicate MAC"))
        #expect(try VirtKitCLI.run(["validate", "--strict", w]).status == 1)
    }

    @Test func helpExitsZero() throws {
        let r = try VirtKitCLI.run(["validate", "--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("virt-xml-validate"))
    }
}
