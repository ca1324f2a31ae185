import ArgumentParser
import Foundation
import Runtime

/// A verb that talks to a hypervisor through `Driver` (every virsh-style verb).
protocol SessionCommand: AsyncParsableCommand {
    func run(in session: Session) async throws
}

extension SessionCommand {
    func run() async throws {
        try await Session.run { try await self.run(in: $0) }
    }
}

/// Domain name, id or UUID, as virsh takes it.
struct DomainArgument: ParsableArguments {
    @Argument(help: "Domain name, id or UUID.")
    var domain: String
}

func printWarnings(_ warnings: [String], file: String? = nil) {
    for w in warnings { Output.warning(file.map { "\($0): \(w)" } ?? w) }
}

struct Define: SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "define",
        abstract: "Define (but don't start) a domain from an XML file.",
        discussion: "The document is validated first; nothing is stored when it is refused.")
    @Argument(help: "File with the domain XML ('-' for standard input).") var file: String
    @Flag(help: "Validate the XML against the schema (always done; accepted for virsh compatibility).")
    var validate = false

    func run(in s: Session) async throws {
        let xml = try readDocument(file)
        let r = try await s.attempt("Failed to define domain from \(file)", file: file) {
            try await s.driver.domainDefineXML(xml, flags: 0)
        }
        printWarnings(r.warnings, file: file)
        Output.info("Domain '\(r.domain.name)' defined from \(file)")
    }
}

struct Undefine: SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "undefine",
        abstract: "Undefine a domain; a running one keeps running as a transient domain.")
    @OptionGroup var target: DomainArgument
    @Flag(help: "Remove the domain's managed save image too.") var managedSave = false
    @Flag(help: "Remove snapshot metadata too (no driver keeps snapshots yet).") var snapshotsMetadata = false

    func run(in s: Session) async throws {
        let d = try await s.domain(target.domain)
        var flags = UndefineFlags()
        if managedSave { flags.insert(.managedSave) }
        if snapshotsMetadata { flags.insert(.snapshotsMetadata) }
        try await s.attempt("Failed to undefine domain '\(d.name)'") {
            try await s.driver.domainUndefine(d, flags: flags.rawValue)
        }
        Output.info("Domain '\(d.name)' has been undefined")
    }
}

struct Create: SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create and start a transient domain from an XML file.")
    @Argument(help: "File with the domain XML ('-' for standard input).") var file: String
    @Flag(help: "Leave the guest paused after creating it.") var paused = false
    @Flag(help: "Destroy the guest when this connection closes.") var autodestroy = false
    @Flag(help: "Validate the XML against the schema (always done).") var validate = false

    func run(in s: Session) async throws {
        let xml = try readDocument(file)
        var flags = CreateFlags()
        if paused { flags.insert(.paused) }
        if autodestroy { flags.insert(.autodestroy) }
        let r = try await s.attempt("Failed to create domain from \(file)", file: file) {
            try await s.driver.domainCreateXML(xml, flags: flags.rawValue)
        }
        printWarnings(r.warnings, file: file)
        Output.info("Domain '\(r.domain.name)' created from \(file)")
    }
}

struct Start: SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start a defined (inactive) domain; a managed save image is restored.")
    @OptionGroup var target: DomainArgument
    @Flag(help: "Leave the guest paused after starting it.") var paused = false
    @Flag(help: "Boot afresh even when a managed save image exists (the image is discarded).") var forceBoot = false
    @Flag(help: "Destroy the guest when this connection closes.") var autodestroy = false

    func run(in s: Session) async throws {
        var flags = CreateFlags()
        if paused { flags.insert(.paused) }
        if forceBoot { flags.insert(.forceBoot) }
        if autodestroy { flags.insert(.autodestroy) }
        try await Self.start(target.domain, flags: flags, in: s)
    }

    /// What `start DOMAIN [flags]` does; `start DOMAIN` alone comes here without the parser
    /// (`VirtKit.main`).
    static func start(_ domain: String, flags: CreateFlags, in s: Session) async throws {
        let d = try await s.domain(domain)
        let warnings = try await s.attempt("Failed to start domain '\(d.name)'") {
            try await s.driver.domainCreate(d, flags: flags.rawValue)
        }
        printWarnings(warnings)
        Output.info("Domain '\(d.name)' started")
    }
}

struct Destroy: SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "destroy", abstract: "Stop a domain at once (power cord pulled).")
    @OptionGroup var target: DomainArgument
    @Flag(help: "Only ask QEMU to exit (SIGTERM); never SIGKILL.") var graceful = false

    func run(in s: Session) async throws {
        let d = try await s.domain(target.domain)
        try await s.attempt("Failed to destroy domain '\(d.name)'") {
            try await s.driver.domainDestroy(d, flags: graceful ? DestroyFlags.graceful.rawValue : 0)
        }
        Output.info("Domain '\(d.name)' destroyed")
    }
}

/// `--mode acpi|agent|initctl|signal|paravirt`, as virsh spells the methods.
func shutdownMode(_ mode: String?) throws -> UInt32 {
    guard let mode else { return 0 }
    var flags = ShutdownFlags()
    for m in mode.split(separator: ",") {
        switch m {
        case "acpi": flags.insert(.acpiPowerButton)
        case "agent": flags.insert(.guestAgent)
        case "initctl": flags.insert(.initctl)
        case "signal": flags.insert(.signal)
        case "paravirt": flags.insert(.paravirt)
        default: throw ValidationError("unknown mode '\(m)' (acpi, agent, initctl, signal, paravirt)")
        }
    }
    return flags.rawValue
}

struct Shutdown: SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "shutdown",
        abstract: "Ask a domain to shut down (ACPI power button); returns at once.")
    @OptionGroup var target: DomainArgument
    @Option(help: "Method: acpi (the one QEMU guests get).") var mode: String?

    func validate() throws { _ = try shutdownMode(mode) }

    func run(in s: Session) async throws {
        let flags = try shutdownMode(mode)
        let d = try await s.domain(target.domain)
        try await s.attempt("Failed to shutdown domain '\(d.name)'") {
            try await s.driver.domainShutdown(d, flags: flags)
        }
        Output.info("Domain '\(d.name)' is being shutdown")
    }
}

struct Reboot: SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "reboot",
        abstract: "Reboot a domain: ACPI power-down, then reset and run again.")
    @OptionGroup var target: DomainArgument
    @Option(help: "Method: acpi.") var mode: String?

    func validate() throws { _ = try shutdownMode(mode) }

    func run(in s: Session) async throws {
        let flags = try shutdownMode(mode)
        let d = try await s.domain(target.domain)
        try await s.attempt("Failed to reboot domain '\(d.name)'") {
            try await s.driver.domainReboot(d, flags: flags)
        }
        Output.info("Domain '\(d.name)' is being rebooted")
    }
}

struct Reset: SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset", abstract: "Reset a domain (the reset button).")
    @OptionGroup var target: DomainArgument

    func run(in s: Session) async throws {
        let d = try await s.domain(target.domain)
        try await s.attempt("Failed to reset domain '\(d.name)'") { try await s.driver.domainReset(d, flags: 0) }
        Output.info("Domain '\(d.name)' was reset")
    }
}

struct Suspend: SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "suspend", abstract: "Pause a running domain's CPUs.")
    @OptionGroup var target: DomainArgument

    func run(in s: Session) async throws {
        let d = try await s.domain(target.domain)
        try await s.attempt("Failed to suspend domain '\(d.name)'") { try await s.driver.domainSuspend(d) }
        Output.info("Domain '\(d.name)' suspended")
    }
}

struct Resume: SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Resume a paused domain.")
    @OptionGroup var target: DomainArgument

    func run(in s: Session) async throws {
        let d = try await s.domain(target.domain)
        try await s.attempt("Failed to resume domain '\(d.name)'") { try await s.driver.domainResume(d) }
        Output.info("Domain '\(d.name)' resumed")
    }
}

struct Save: SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "save",
        abstract: "Save a running domain's state to a file and stop it.")
    @OptionGroup var target: DomainArgument
    @Argument(help: "The file to write.") var file: String
    @Flag(help: "Restore it running later (default: as it was).") var running = false
    @Flag(help: "Restore it paused later.") var paused = false
    @Option(help: "Alternative domain XML to store in the image.") var xml: String?

    func run(in s: Session) async throws {
        let d = try await s.domain(target.domain)
        var flags = SaveRestoreFlags()
        if running { flags.insert(.running) }
        if paused { flags.insert(.paused) }
        let alt = try xml.map(readDocument)
        let path = absolutePath(file)
        try await s.attempt("Failed to save domain '\(d.name)' to \(file)") {
            try await s.driver.domainSave(d, to: path, xml: alt, flags: flags.rawValue)
        }
        Output.info("Domain '\(d.name)' saved to \(file)")
    }
}

struct Restore: SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore", abstract: "Restore a domain from a saved state file.")
    @Argument(help: "The saved state file.") var file: String
    @Flag(help: "Start it running.") var running = false
    @Flag(help: "Start it paused.") var paused = false
    @Option(help: "Alternative domain XML for the restored guest.") var xml: String?

    func run(in s: Session) async throws {
        var flags = SaveRestoreFlags()
        if running { flags.insert(.running) }
        if paused { flags.insert(.paused) }
        let alt = try xml.map(readDocument)
        let path = absolutePath(file)
        _ = try await s.attempt("Failed to restore domain from \(file)") {
            try await s.driver.domainRestore(from: path, xml: alt, flags: flags.rawValue)
        }
        Output.info("Domain restored from \(file)")
    }
}

struct ManagedSave: SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "managedsave",
        abstract: "Save a running domain's state where the next start restores it.")
    @OptionGroup var target: DomainArgument
    @Flag(help: "Restore it running.") var running = false
    @Flag(help: "Restore it paused.") var paused = false

    func run(in s: Session) async throws {
        let d = try await s.domain(target.domain)
        var flags = SaveRestoreFlags()
        if running { flags.insert(.running) }
        if paused { flags.insert(.paused) }
        try await s.attempt("Failed to save domain '\(d.name)' state") {
            try await s.driver.domainManagedSave(d, flags: flags.rawValue)
        }
        Output.info("Domain '\(d.name)' state saved by virtkit")
    }
}

struct ManagedSaveRemove: SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "managedsave-remove", abstract: "Remove a domain's managed save image.")
    @OptionGroup var target: DomainArgument

    func run(in s: Session) async throws {
        let d = try await s.domain(target.domain)
        let had = try await s.attempt("Failed to remove managed save image for domain '\(d.name)'") {
            let had = try await s.driver.domainHasManagedSaveImage(d, flags: 0)
            if had { try await s.driver.domainManagedSaveRemove(d, flags: 0) }
            return had
        }
        Output.info(had ? "Removed managedsave image for domain '\(d.name)'" : "Domain '\(d.name)' has no manage save image; removal skipped")
    }
}

struct Dump: SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Dump a domain's memory to a file (an ELF core by default).")
    @OptionGroup var target: DomainArgument
    @Argument(help: "The file to write.") var file: String
    @Flag(help: "Keep the guest running while dumping.") var live = false
    @Flag(help: "Destroy the guest after the dump.") var crash = false
    @Flag(help: "Reset the guest after the dump.") var reset = false
    @Flag(help: "Dump guest memory only (the only kind QEMU writes here).") var memoryOnly = false
    @Option(help: "elf, kdump-zlib, kdump-lzo, kdump-snappy or win-dmp.") var format: String?

    func validate() throws {
        if let format, !CoreDumpFormat.allCases.contains(where: { $0.name == format }) {
            throw ValidationError("unknown format '\(format)' (\(CoreDumpFormat.allCases.map(\.name).joined(separator: ", ")))")
        }
    }

    func run(in s: Session) async throws {
        var flags = CoreDumpFlags()
        if live { flags.insert(.live) }
        if crash { flags.insert(.crash) }
        if reset { flags.insert(.reset) }
        if memoryOnly { flags.insert(.memoryOnly) }
        let fmt = CoreDumpFormat.allCases.first { $0.name == format } ?? .raw
        let d = try await s.domain(target.domain)
        let path = absolutePath(file)
        try await s.attempt("Failed to core dump domain '\(d.name)' to \(file)") {
            try await s.driver.domainCoreDump(d, to: path, format: fmt, flags: flags.rawValue)
        }
        Output.info("Domain '\(d.name)' dumped to \(file)")
    }
}

struct Autostart: SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "autostart",
        abstract: "Start a domain when the host (or the virtkit daemon) starts.")
    @OptionGroup var target: DomainArgument
    @Flag(help: "Turn autostart off.") var disable = false

    func run(in s: Session) async throws {
        let d = try await s.domain(target.domain)
        try await s.attempt(disable ? "Failed to unmark domain '\(d.name)' as autostarted" : "Failed to mark domain '\(d.name)' as autostarted") {
            try await s.driver.domainSetAutostart(d, !disable)
        }
        Output.info(disable ? "Domain '\(d.name)' unmarked as autostarted" : "Domain '\(d.name)' marked as autostarted")
    }
}

/// A path made absolute against the current folder: the driver (or a daemon) may not share
/// our working directory.
func absolutePath(_ path: String) -> String {
    if path.hasPrefix("/") { return path }
    return FileManager.default.currentDirectoryPath + "/" + path
}
