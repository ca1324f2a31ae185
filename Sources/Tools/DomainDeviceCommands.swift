import ArgumentParser
import Foundation
import Runtime

/// `--live`, `--config`, `--current`, `--persistent`, as virsh's device and memory verbs
/// take them.
struct ImpactFlags: ParsableArguments {
    @Flag(help: "Change the running guest.") var live = false
    @Flag(help: "Change the persistent definition (takes effect at the next start).") var config = false
    @Flag(help: "Change whichever is current: the running guest, else the definition (default).") var current = false
    @Flag(help: "The running guest and, when it has one, its persistent definition.") var persistent = false

    func validate() throws {
        if current && (live || config || persistent) {
            throw ValidationError("--current cannot be combined with --live, --config or --persistent")
        }
    }

    func flags(_ s: Session, _ d: DomainRef) async throws -> ModificationFlags {
        var f = ModificationFlags()
        if live { f.insert(.live) }
        if config { f.insert(.config) }
        if persistent {
            f.insert(.config)
            if (try? await s.driver.domainIsActive(d)) == true { f.insert(.live) }
        }
        return f
    }
}

struct AttachDevice: SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach-device",
        abstract: "Attach a device from an XML file (disks and NICs are hotplugged into running guests).")
    @OptionGroup var target: DomainArgument
    @Argument(help: "File with the device XML (<disk>, <interface>, …).") var file: String
    @OptionGroup var impact: ImpactFlags

    func run(in s: Session) async throws {
        let xml = try readDocument(file)
        let d = try await s.domain(target.domain)
        let flags = try await impact.flags(s, d)
        try await s.attempt("Failed to attach device from \(file)", file: file) {
            try await s.driver.domainAttachDevice(d, xml: xml, flags: flags.rawValue)
        }
        Output.info("Device attached successfully")
    }
}

struct DetachDevice: SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "detach-device",
        abstract: "Detach the device an XML file describes (a disk by its target, a NIC by its MAC).")
    @OptionGroup var target: DomainArgument
    @Argument(help: "File with the device XML.") var file: String
    @OptionGroup var impact: ImpactFlags

    func run(in s: Session) async throws {
        let xml = try readDocument(file)
        let d = try await s.domain(target.domain)
        let flags = try await impact.flags(s, d)
        try await s.attempt("Failed to detach device from \(file)", file: file) {
            try await s.driver.domainDetachDevice(d, xml: xml, flags: flags.rawValue)
        }
        Output.info("Device detached successfully")
    }
}

/// virsh's scaled integers: a number with an optional unit (b, k/KiB, KB, M/MiB, MB, G…);
/// the default unit is KiB. Returns KiB.
func scaledKiB(_ text: String) throws -> UInt64 {
    let digits = text.prefix { $0.isNumber }
    let unit = text.dropFirst(digits.count).lowercased()
    guard let n = UInt64(digits), !digits.isEmpty else { throw ValidationError("'\(text)' is not a size") }
    let bytes: (UInt64, UInt64)  // multiplier, divisor to KiB
    switch unit {
    case "b", "bytes": bytes = (1, 1024)
    case "", "k", "kib": bytes = (1024, 1024)
    case "kb": bytes = (1000, 1024)
    case "m", "mib": bytes = (1 << 20, 1024)
    case "mb": bytes = (1_000_000, 1024)
    case "g", "gib": bytes = (1 << 30, 1024)
    case "gb": bytes = (1_000_000_000, 1024)
    case "t", "tib": bytes = (1 << 40, 1024)
    case "tb": bytes = (1_000_000_000_000, 1024)
    default: throw ValidationError("unknown unit '\(unit)' in '\(text)'")
    }
    let (product, overflow) = n.multipliedReportingOverflow(by: bytes.0)
    if overflow { throw ValidationError("'\(text)' is too large") }
    return product / bytes.1
}

struct SetMem: SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "setmem", abstract: "Change a domain's current memory (the balloon, when running).")
    @OptionGroup var target: DomainArgument
    @Argument(help: "New size; KiB unless a unit follows (512M, 1G).") var size: String
    @OptionGroup var impact: ImpactFlags

    func validate() throws { _ = try scaledKiB(size) }

    func run(in s: Session) async throws {
        let kib = try scaledKiB(size)
        let d = try await s.domain(target.domain)
        let flags = try await impact.flags(s, d)
        try await s.attempt("Unable to change MaxMemorySize") {
            try await s.driver.domainSetMemory(d, kibibytes: kib, flags: flags.rawValue)
        }
    }
}

struct SetMaxMem: SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "setmaxmem", abstract: "Change a domain's maximum memory (its definition).")
    @OptionGroup var target: DomainArgument
    @Argument(help: "New size; KiB unless a unit follows.") var size: String
    @OptionGroup var impact: ImpactFlags

    func validate() throws { _ = try scaledKiB(size) }

    func run(in s: Session) async throws {
        let kib = try scaledKiB(size)
        let d = try await s.domain(target.domain)
        var flags = try await impact.flags(s, d)
        flags.insert(.maximum)
        try await s.attempt("Unable to change MaxMemorySize") {
            try await s.driver.domainSetMemory(d, kibibytes: kib, flags: flags.rawValue)
        }
    }
}

struct ScreenshotCommand: SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "screenshot", abstract: "Save a running domain's screen as an image (PNG).")
    @OptionGroup var target: DomainArgument
    @Argument(help: "File to write (default: NAME-DATE.png).") var file: String?
    @Option(help: "Screen (head) number.") var screen: UInt32 = 0

    func run(in s: Session) async throws {
        let d = try await s.domain(target.domain)
        let shot = try await s.attempt("could not take a screenshot of \(d.name)") {
            try await s.driver.domainScreenshot(d, screen: screen, flags: 0)
        }
        let ext = shot.mimeType == "image/png" ? "png" : (shot.mimeType == "image/x-portable-pixmap" ? "ppm" : "img")
        let name: String
        if let file {
            name = file
        } else {
            let f = DateFormatter()
            f.dateFormat = "yyyy-MM-dd-HH:mm:ss"
            name = "\(d.name)-\(f.string(from: Date())).\(ext)"
        }
        guard FileManager.default.createFile(atPath: name, contents: Data(shot.bytes)) else {
            Output.error("cannot write '\(name)'")
            throw ExitCode(1)
        }
        Output.info("Screenshot saved to \(name), with type of \(shot.mimeType)")
    }
}
