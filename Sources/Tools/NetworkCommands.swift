import ArgumentParser
import Foundation
import Runtime

struct NetDefine: SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "net-define", abstract: "Define (but don't start) a virtual network from an XML file.")
    @Argument(help: "File with the network XML.") var file: String

    func run(in s: Session) async throws {
        let xml = try readDocument(file)
        let n = try await s.attempt("Failed to define network from \(file)", file: file) {
            try await s.driver.networkDefineXML(xml, flags: 0)
        }
        Output.info("Network \(n.name) defined from \(file)")
    }
}

struct NetUndefine: SessionCommand {
    static let configuration = CommandConfiguration(commandName: "net-undefine", abstract: "Undefine a virtual network.")
    @Argument(help: "Network name or UUID.") var network: String

    func run(in s: Session) async throws {
        let n = try await s.network(network)
        try await s.attempt("Failed to undefine network \(n.name)") { try await s.driver.networkUndefine(n) }
        Output.info("Network \(n.name) has been undefined")
    }
}

struct NetList: SessionCommand {
    static let configuration = CommandConfiguration(commandName: "net-list", abstract: "List virtual networks.")
    @Flag(help: "Inactive networks only.") var inactive = false
    @Flag(help: "Active and inactive networks.") var all = false
    @Flag(help: "Persistent networks.") var persistent = false
    @Flag(help: "Transient networks.") var transient = false
    @Flag(help: "Networks with autostart on.") var autostart = false
    @Flag(name: .customLong("no-autostart"), help: "Networks with autostart off.") var noAutostart = false
    @Flag(help: "Print UUIDs only.") var uuid = false
    @Flag(help: "Print names only.") var name = false

    func run(in s: Session) async throws {
        var flags = ListNetworksFlags()
        if all {
            flags.formUnion([.active, .inactive])
        } else {
            flags.insert(inactive ? .inactive : .active)
        }
        if persistent { flags.insert(.persistent) }
        if transient { flags.insert(.transient) }
        if autostart { flags.insert(.autostart) }
        if noAutostart { flags.insert(.noAutostart) }
        let nets = try await s.attempt("Failed to list networks") {
            try await s.driver.connectListAllNetworks(flags: flags.rawValue)
        }.sorted { $0.name < $1.name }
        if uuid || name {
            for n in nets { Output.line(name ? n.name : n.uuid.xmlValue) }
            return
        }
        var rows: [[String]] = []
        for n in nets {
            let active = (try? await s.driver.networkIsActive(n)) ?? false
            let auto = (try? await s.driver.networkGetAutostart(n)) ?? false
            let persist = (try? await s.driver.networkIsPersistent(n)) ?? false
            rows.append([n.name, active ? "active" : "inactive", auto ? "yes" : "no", persist ? "yes" : "no"])
        }
        Output.table(["Name", "State", "Autostart", "Persistent"], rows)
    }
}

struct NetDumpXML: SessionCommand {
    static let configuration = CommandConfiguration(commandName: "net-dumpxml", abstract: "A virtual network's XML.")
    @Argument(help: "Network name or UUID.") var network: String
    @Flag(help: "The persistent definition.") var inactive = false

    func run(in s: Session) async throws {
        let n = try await s.network(network)
        let xml = try await s.attempt("failed to get the XML of network \(n.name)") {
            try await s.driver.networkGetXMLDesc(n, flags: 0)
        }
        Output.line(xml.hasSuffix("\n") ? String(xml.dropLast()) : xml)
    }
}

struct NetAutostart: SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "net-autostart", abstract: "Start a virtual network when the host starts.")
    @Argument(help: "Network name or UUID.") var network: String
    @Flag(help: "Turn autostart off.") var disable = false

    func run(in s: Session) async throws {
        let n = try await s.network(network)
        try await s.attempt(disable ? "failed to unmark network \(n.name) as autostarted" : "failed to mark network \(n.name) as autostarted") {
            try await s.driver.networkSetAutostart(n, !disable)
        }
        Output.info(disable ? "Network \(n.name) unmarked as autostarted" : "Network \(n.name) marked as autostarted")
    }
}

struct NetStart: SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "net-start", abstract: "Start a defined virtual network (the test driver; QEMU hosts: not yet).")
    @Argument(help: "Network name or UUID.") var network: String

    func run(in s: Session) async throws {
        let n = try await s.network(network)
        try await s.attempt("Failed to start network \(n.name)") { try await s.driver.networkCreate(n) }
        Output.info("Network \(n.name) started")
    }
}

struct NetDestroy: SessionCommand {
    static let configuration = CommandConfiguration(commandName: "net-destroy", abstract: "Stop a virtual network.")
    @Argument(help: "Network name or UUID.") var network: String

    func run(in s: Session) async throws {
        let n = try await s.network(network)
        try await s.attempt("Failed to destroy network \(n.name)") { try await s.driver.networkDestroy(n) }
        Output.info("Network \(n.name) destroyed")
    }
}
