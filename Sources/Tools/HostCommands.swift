import ArgumentParser
import Foundation
import Runtime

struct CapabilitiesCommand: SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "capabilities", abstract: "What this host and hypervisor offer (capabilities XML).")

    func run(in s: Session) async throws {
        let xml = try await s.attempt("failed to get capabilities") { try await s.driver.connectGetCapabilities() }
        Output.line(xml.hasSuffix("\n") ? String(xml.dropLast()) : xml)
    }
}

struct DomCapabilities: SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "domcapabilities",
        abstract: "What this host's emulator offers a guest: machines, CPU models, devices.")
    @Option(name: .customLong("virttype"), help: "qemu or kvm.") var virttype: String?
    @Option(help: "The emulator binary.") var emulator: String?
    @Option(help: "The guest architecture.") var arch: String?
    @Option(help: "The machine type.") var machine: String?

    func run(in s: Session) async throws {
        let xml = try await s.attempt("failed to get emulator capabilities") {
            try await s.driver.connectGetDomainCapabilities(
                emulator: emulator, arch: arch, machine: machine, virttype: virttype, flags: 0)
        }
        Output.line(xml.hasSuffix("\n") ? String(xml.dropLast()) : xml)
    }
}

struct NodeInfoCommand: SessionCommand {
    static let configuration = CommandConfiguration(commandName: "nodeinfo", abstract: "The host's CPUs and memory.")

    func run(in s: Session) async throws {
        let n = try await s.attempt("failed to get node information") { try await s.driver.nodeGetInfo() }
        Output.field("CPU model", n.model, width: 20)
        Output.field("CPU(s)", String(n.cpus), width: 20)
        Output.field("CPU frequency", "\(n.mhz) MHz", width: 20)
        Output.field("CPU socket(s)", String(n.sockets), width: 20)
        Output.field("Core(s) per socket", String(n.cores), width: 20)
        Output.field("Thread(s) per core", String(n.threads), width: 20)
        Output.field("NUMA cell(s)", String(n.nodes), width: 20)
        Output.field("Memory size", "\(n.memoryKiB) KiB", width: 20)
    }
}

struct VersionCommand: SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Versions of virtkit and of the hypervisor.")

    func run(in s: Session) async throws {
        let type = try await s.attempt("failed to get hypervisor type") { try await s.driver.connectGetType() }
        let lib = try await s.attempt("failed to get the library version") { try await s.driver.connectGetLibVersion() }
        let hv = try await s.attempt("failed to get the hypervisor version") { try await s.driver.connectGetVersion() }
        Output.line("Compiled against library: virtkit \(VirtkitVersion.text)")
        Output.line("Using library: virtkit \(VirtkitVersion.decode(lib))")
        Output.line("Using API: \(type) \(VirtkitVersion.text)")
        Output.line("Running hypervisor: \(type) \(VirtkitVersion.decode(hv))")
    }
}

struct HostnameCommand: SessionCommand {
    static let configuration = CommandConfiguration(commandName: "hostname", abstract: "The host's name.")

    func run(in s: Session) async throws {
        Output.line(try await s.attempt("failed to get hostname") { try await s.driver.connectGetHostname() })
    }
}

struct URICommand: SessionCommand {
    static let configuration = CommandConfiguration(commandName: "uri", abstract: "The URI of the connection.")

    func run(in s: Session) async throws {
        Output.line(try await s.attempt("failed to get URI") { try await s.driver.connectGetURI() })
    }
}
