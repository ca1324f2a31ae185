import ArgumentParser
import Foundation
import Runtime

struct List: SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List domains (running ones unless asked for more).")
    @Flag(help: "Inactive domains only.") var inactive = false
    @Flag(help: "Active and inactive domains.") var all = false
    @Flag(help: "Transient domains.") var transient = false
    @Flag(help: "Persistent domains.") var persistent = false
    @Flag(name: .customLong("state-running"), help: "Running domains.") var stateRunning = false
    @Flag(name: .customLong("state-paused"), help: "Paused domains.") var statePaused = false
    @Flag(name: .customLong("state-shutoff"), help: "Shut-off domains.") var stateShutoff = false
    @Flag(name: .customLong("state-other"), help: "Domains in other states.") var stateOther = false
    @Flag(help: "Domains with autostart on.") var autostart = false
    @Flag(name: .customLong("no-autostart"), help: "Domains with autostart off.") var noAutostart = false
    @Flag(name: .customLong("with-managed-save"), help: "Domains with a managed save image.") var withManagedSave = false
    @Flag(name: .customLong("without-managed-save"), help: "Domains without one.") var withoutManagedSave = false
    @Flag(help: "Print UUIDs only.") var uuid = false
    @Flag(help: "Print names only.") var name = false
    @Flag(help: "Print ids only.") var id = false
    @Flag(help: "Print the table (default).") var table = false
    @Flag(name: .customLong("managed-save"), help: "Show 'saved' for inactive domains with a managed save image.")
    var managedSave = false
    @Flag(help: "Add a column with each domain's title.") var title = false

    func run(in s: Session) async throws {
        var flags = ListDomainsFlags()
        if all {
            flags.formUnion([.active, .inactive])
        } else if inactive {
            flags.insert(.inactive)
        } else {
            flags.insert(.active)
        }
        if transient { flags.insert(.transient) }
        if persistent { flags.insert(.persistent) }
        if stateRunning { flags.insert(.running) }
        if statePaused { flags.insert(.paused) }
        if stateShutoff { flags.insert(.shutoff) }
        if stateOther { flags.insert(.other) }
        if stateRunning || statePaused || stateShutoff || stateOther { flags.formUnion([.active, .inactive]) }
        if autostart { flags.insert(.autostart) }
        if noAutostart { flags.insert(.noAutostart) }
        if withManagedSave { flags.insert(.managedSave) }
        if withoutManagedSave { flags.insert(.noManagedSave) }
        let domains = try await s.attempt("Failed to list domains") {
            try await s.driver.connectListAllDomains(flags: flags.rawValue)
        }
        // virsh's order: running ones by id, then inactive ones by name.
        let sorted = domains.sorted { a, b in
            switch (a.id >= 0, b.id >= 0) {
            case (true, true): return a.id < b.id
            case (true, false): return true
            case (false, true): return false
            case (false, false): return a.name < b.name
            }
        }
        if uuid || name || id {
            for d in sorted {
                var parts: [String] = []
                if id { if d.id < 0 { continue }; parts.append(String(d.id)) }
                if uuid { parts.append(d.uuid.xmlValue) }
                if name { parts.append(d.name) }
                Output.line(parts.joined(separator: " "))
            }
            return
        }
        var rows: [[String]] = []
        for d in sorted {
            var state = try await s.attempt("Failed to get state of '\(d.name)'") {
                try await s.driver.domainGetState(d, flags: 0)
            }.state.name
            if managedSave, state == DomainState.shutoff.name,
                (try? await s.driver.domainHasManagedSaveImage(d, flags: 0)) == true
            {
                state = "saved"
            }
            var row = [d.id >= 0 ? String(d.id) : "-", d.name, state]
            if title {
                let xml = (try? await s.driver.domainGetXMLDesc(d, flags: DomainXMLFlags.inactive.rawValue)) ?? ""
                row.append(Self.title(in: xml))
            }
            rows.append(row)
        }
        Output.table(["Id", "Name", "State"] + (title ? ["Title"] : []), rows)
    }

    static func title(in xml: String) -> String {
        guard let start = xml.range(of: "<title>"), let end = xml.range(of: "</title>", range: start.upperBound..<xml.endIndex)
        else { return "" }
        return String(xml[start.upperBound..<end.lowerBound])
    }
}

struct DomInfo: SessionCommand {
    static let configuration = CommandConfiguration(commandName: "dominfo", abstract: "Basic facts about a domain.")
    @OptionGroup var target: DomainArgument

    func run(in s: Session) async throws {
        let d = try await s.domain(target.domain)
        let info = try await s.attempt("failed to get info of domain '\(d.name)'") { try await s.driver.domainGetInfo(d) }
        let osType = (try? await s.driver.domainGetOSType(d)) ?? "unknown"
        let persistent = try? await s.driver.domainIsPersistent(d)
        let autostart = try? await s.driver.domainGetAutostart(d)
        let managedSave = try? await s.driver.domainHasManagedSaveImage(d, flags: 0)
        Output.field("Id", d.id >= 0 ? String(d.id) : "-")
        Output.field("Name", d.name)
        Output.field("UUID", d.uuid.xmlValue)
        Output.field("OS Type", osType)
        Output.field("State", info.state.name)
        Output.field("CPU(s)", String(info.vcpus))
        if info.cpuTimeNanoseconds > 0 {
            Output.field("CPU time", String(format: "%.1fs", Double(info.cpuTimeNanoseconds) / 1e9))
        }
        Output.field("Max memory", info.maxMemoryKiB == 0 ? "no limit" : "\(info.maxMemoryKiB) KiB")
        Output.field("Used memory", "\(info.memoryKiB) KiB")
        Output.field("Persistent", persistent.map { $0 ? "yes" : "no" } ?? "unknown")
        Output.field("Autostart", autostart.map { $0 ? "enable" : "disable" } ?? "unknown")
        Output.field("Managed save", managedSave.map { $0 ? "yes" : "no" } ?? "unknown")
    }
}

struct DomState: SessionCommand {
    static let configuration = CommandConfiguration(commandName: "domstate", abstract: "A domain's state.")
    @OptionGroup var target: DomainArgument
    @Flag(help: "Add the reason for the state.") var reason = false

    func run(in s: Session) async throws {
        let d = try await s.domain(target.domain)
        let st = try await s.attempt("failed to get domain state") { try await s.driver.domainGetState(d, flags: 0) }
        Output.line(reason ? "\(st.state.name) (\(st.state.reasonName(st.reason)))" : st.state.name)
    }
}

struct DumpXML: SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "dumpxml",
        abstract: "A domain's XML: the running instance's (ports, ptys, taps, aliases) unless --inactive.")
    @OptionGroup var target: DomainArgument
    @Flag(help: "The persistent definition, as the next start uses it.") var inactive = false
    @Flag(name: .customLong("security-info"), help: "Include passwords and other secrets.") var securityInfo = false
    @Flag(name: .customLong("update-cpu"), help: "Update the guest CPU from the host's (accepted).") var updateCPU = false
    @Flag(help: "The XML a migration destination needs.") var migratable = false

    func run(in s: Session) async throws {
        let d = try await s.domain(target.domain)
        var flags = DomainXMLFlags()
        if inactive { flags.insert(.inactive) }
        if securityInfo { flags.insert(.securityInfo) }
        if updateCPU { flags.insert(.updateCPU) }
        if migratable { flags.insert(.migratable) }
        let xml = try await s.attempt("failed to get the XML of domain '\(d.name)'") {
            try await s.driver.domainGetXMLDesc(d, flags: flags.rawValue)
        }
        Output.line(xml.hasSuffix("\n") ? String(xml.dropLast()) : xml)
    }
}

struct DomID: SessionCommand {
    static let configuration = CommandConfiguration(commandName: "domid", abstract: "A domain's id ('-' when inactive).")
    @Argument(help: "Domain name or UUID.") var domain: String

    func run(in s: Session) async throws {
        let d = try await s.domain(domain)
        Output.line(d.id >= 0 ? String(d.id) : "-")
    }
}

struct DomUUID: SessionCommand {
    static let configuration = CommandConfiguration(commandName: "domuuid", abstract: "A domain's UUID.")
    @Argument(help: "Domain name or id.") var domain: String

    func run(in s: Session) async throws {
        Output.line(try await s.domain(domain).uuid.xmlValue)
    }
}

struct DomName: SessionCommand {
    static let configuration = CommandConfiguration(commandName: "domname", abstract: "A domain's name.")
    @Argument(help: "Domain id or UUID.") var domain: String

    func run(in s: Session) async throws {
        Output.line(try await s.domain(domain).name)
    }
}

struct VcpuInfoCommand: SessionCommand {
    static let configuration = CommandConfiguration(commandName: "vcpuinfo", abstract: "A running domain's virtual CPUs.")
    @OptionGroup var target: DomainArgument
    @Flag(help: "Print the affinity as a CPU list.") var pretty = false

    func run(in s: Session) async throws {
        let d = try await s.domain(target.domain)
        let vcpus = try await s.attempt("failed to get vcpu information of domain '\(d.name)'") {
            try await s.driver.domainGetVcpus(d)
        }
        for (i, v) in vcpus.enumerated() {
            if i > 0 { Output.line() }
            Output.field("VCPU", String(v.number))
            Output.field("CPU", v.cpu >= 0 ? String(v.cpu) : "-")
            Output.field("State", v.stateName)
            Output.field("CPU time", String(format: "%.1fs", Double(v.cpuTimeNanoseconds) / 1e9))
            if pretty {
                let list = v.affinity.enumerated().filter(\.element).map { String($0.offset) }.joined(separator: ",")
                Output.field("CPU Affinity", list)
            } else {
                Output.field("CPU Affinity", v.affinity.map { $0 ? "y" : "-" }.joined())
            }
        }
    }
}

struct DomBlkStat: SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "domblkstat", abstract: "Block device counters of a running domain.")
    @OptionGroup var target: DomainArgument
    @Argument(help: "The disk's target (vda) or source path.") var device: String
    @Flag(help: "Say what each counter means.") var human = false

    func run(in s: Session) async throws {
        let d = try await s.domain(target.domain)
        let st = try await s.attempt("Failed to get block stats \(target.domain) \(device)") {
            try await s.driver.domainBlockStats(d, disk: device)
        }
        let rows: [(String, String, Int64)] = [
            ("rd_req", "number of read operations:", st.readRequests),
            ("rd_bytes", "number of bytes read:", st.readBytes),
            ("wr_req", "number of write operations:", st.writeRequests),
            ("wr_bytes", "number of bytes written:", st.writeBytes),
            ("errs", "error count:", st.errors),
        ]
        if human { Output.line("Device: \(device)") }
        for (key, words, value) in rows where value >= 0 {
            Output.line(human ? " \(words.padding(toLength: 27, withPad: " ", startingAt: 0)) \(value)" : "\(device) \(key) \(value)")
        }
    }
}

struct DomIfStat: SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "domifstat", abstract: "Network interface counters of a running domain (the guest's view).")
    @OptionGroup var target: DomainArgument
    @Argument(help: "The interface's host device (vnet0) or MAC address.") var interface: String

    func run(in s: Session) async throws {
        let d = try await s.domain(target.domain)
        let st = try await s.attempt("Failed to get interface stats \(target.domain) \(interface)") {
            try await s.driver.domainInterfaceStats(d, device: interface)
        }
        let rows: [(String, Int64)] = [
            ("rx_bytes", st.rxBytes), ("rx_packets", st.rxPackets), ("rx_errs", st.rxErrors), ("rx_drop", st.rxDrops),
            ("tx_bytes", st.txBytes), ("tx_packets", st.txPackets), ("tx_errs", st.txErrors), ("tx_drop", st.txDrops),
        ]
        for (key, value) in rows where value >= 0 { Output.line("\(interface) \(key) \(value)") }
    }
}

struct DomMemStat: SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "dommemstat", abstract: "Memory statistics of a running domain (balloon driver).")
    @OptionGroup var target: DomainArgument

    func run(in s: Session) async throws {
        let d = try await s.domain(target.domain)
        let stats = try await s.attempt("Failed to get memory statistics for domain '\(d.name)'") {
            try await s.driver.domainMemoryStats(d, flags: 0)
        }
        for st in stats { Output.line("\(st.tag.name) \(st.value)") }
    }
}
