import Foundation
import Schema

/// What a running guest leaves on disk (`run/qemu/NAME.status`): enough for any later
/// process to find its QEMU, be sure it is that QEMU, and talk to it. Written atomically
/// before the guest's CPUs first run, and on every change of state.
struct DomainStatus: Codable, Sendable {
    enum Phase: String, Codable, Sendable {
        /// QEMU is being (or was being) started: a status left in this phase by a process
        /// that died belongs to a start that never finished.
        case starting
        case active
    }

    var name: String
    var uuid: String
    var id: Int32
    var phase: Phase
    var transient: Bool
    /// QEMU's pid and its start time in clock ticks since boot (`/proc/PID/stat` field 22):
    /// together they name one process even after the pid is reused.
    var pid: Int32?
    var pidStartTime: UInt64?
    /// QMP sockets: commands that change the guest, read-only queries, a daemon's events.
    var controlMonitor: String
    var queryMonitor: String
    var eventMonitor: String
    /// The last state recorded by us (QMP is asked when it matters).
    var state: StateWithReason
    /// The running instance's definition, with live values (id, ports, ptys, taps, aliases).
    var liveXML: String
    var startedAt: Double
    /// Where this run's lines begin in the guest's log.
    var logOffset: UInt64
    /// A reboot asked for by ACPI: when the guest has powered off, reset and run it again.
    var pendingReboot = false
    /// Destroy the guest when the connection that started it closes.
    var autodestroy = false
    /// Block node names of each disk by alias, format node first (for unplugging).
    var blockNodes: [String: [String]]?
    /// The next free block node number for a hotplugged disk.
    var nextBlockNode: Int?

    var uuidValue: UUIDValue? { UUIDValue(xmlValue: uuid) }

    var ref: DomainRef { DomainRef(name: name, uuid: uuidValue ?? UUIDValue(bytes: Array(repeating: 0, count: 16)), id: id) }

    static func read(_ path: String) -> DomainStatus? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(DomainStatus.self, from: data)
    }

    func write(_ path: String) throws(VirtError) {
        let data: Data
        do {
            data = try JSONEncoder().encode(self)
        } catch {
            throw VirtError(.internalError, "cannot encode status: \(error)")
        }
        do {
            // All or nothing, but not fsync'd: a status describes a QEMU that a power cut
            // ends too.
            try AtomicFile.write(String(decoding: data, as: UTF8.self), to: path, mode: 0o600, durable: false)
        } catch {
            throw VirtError(.writeFailed, error.description)
        }
    }
}

/// How a persistent guest last stopped (`run/qemu/NAME.shutoff`), for `domstate --reason`.
struct ShutoffRecord: Codable, Sendable {
    var state: StateWithReason

    static func read(_ path: String) -> ShutoffRecord? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(ShutoffRecord.self, from: data)
    }

    func write(_ path: String) {
        if let data = try? JSONEncoder().encode(self) {
            try? AtomicFile.write(String(decoding: data, as: UTF8.self), to: path, mode: 0o600)
        }
    }
}
