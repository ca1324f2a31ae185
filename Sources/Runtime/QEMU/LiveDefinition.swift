import Convert
import Schema

/// The definition of a running guest: its persistent one plus what only exists while it
/// runs (its id, the ports QEMU picked, pty paths, tap names, device aliases).
enum LiveDefinition {
    /// What QEMU told us after starting.
    struct Facts {
        var id: Int32
        var aliases: [DeviceSlot: String] = [:]
        /// pty paths by character device slot.
        var ptys: [DeviceSlot: String] = [:]
        /// Tap names by NIC index.
        var taps: [Int: String] = [:]
        var vncPort: Int?
        var spicePort: Int?
    }

    static func apply(_ facts: Facts, to d: inout Domain) {
        d.id = Int(facts.id)
        guard var devices = d.devices else { return }
        for i in devices.disks.indices {
            if let a = facts.aliases[DeviceSlot("disk", i)] { devices.disks[i].alias = alias(a) }
        }
        for i in devices.interfaces.indices {
            if let a = facts.aliases[DeviceSlot("interface", i)] { devices.interfaces[i].alias = alias(a) }
            if let tap = facts.taps[i] { devices.interfaces[i].target = InterfaceTarget(dev: tap) }
        }
        func chars(_ list: inout [CharDevice], _ family: String) {
            for i in list.indices {
                let slot = DeviceSlot(family, i)
                if let a = facts.aliases[slot] { list[i].alias = alias(a) }
                if let pty = facts.ptys[slot], list[i].type == .pty {
                    list[i].setEndpoint(.pty(path: pty))
                    list[i].tty = pty
                }
            }
        }
        chars(&devices.serials, "serial")
        chars(&devices.consoles, "console")
        chars(&devices.channels, "channel")
        for i in devices.graphics.indices {
            switch devices.graphics[i].type {
            case .vnc?: if let p = facts.vncPort { devices.graphics[i].port = p }
            case .spice?: if let p = facts.spicePort { devices.graphics[i].port = p }
            default: break
            }
        }
        d.devices = devices
    }

    static func alias(_ name: String) -> DeviceAlias {
        var a = DeviceAlias()
        a.name = name
        return a
    }

    /// The definition without anything a run adds: equal to the persistent definition when
    /// the guest runs as defined.
    static func stripped(_ d: Domain) -> Domain {
        var copy = d
        copy.id = nil
        guard var devices = copy.devices else { return copy }
        for i in devices.disks.indices { devices.disks[i].alias = nil }
        for i in devices.interfaces.indices { devices.interfaces[i].alias = nil }
        func chars(_ list: inout [CharDevice]) {
            for i in list.indices {
                list[i].alias = nil
                if list[i].type == .pty {
                    list[i].setEndpoint(.pty(path: nil))
                    list[i].tty = nil
                }
            }
        }
        chars(&devices.serials)
        chars(&devices.consoles)
        chars(&devices.channels)
        for i in devices.graphics.indices where devices.graphics[i].autoport == .yes { devices.graphics[i].port = nil }
        copy.devices = devices
        return copy
    }

    /// What another host needs to run this guest: no id, no host-local values.
    static func migratable(_ d: Domain) -> Domain {
        var copy = stripped(d)
        if var devices = copy.devices {
            for i in devices.interfaces.indices where devices.interfaces[i].target?.dev?.hasPrefix("vnet") == true {
                devices.interfaces[i].target = nil
            }
            copy.devices = devices
        }
        return copy
    }
}
