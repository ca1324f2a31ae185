import Foundation

/// An asynchronous QMP event, typed. Events virtkit acts on have their data decoded into
/// a case; every other event keeps its name and raw data.
public struct QMPEvent: Sendable {
    public var name: String
    /// Seconds since the epoch, as QEMU stamped it.
    public var timestamp: Double
    public var kind: Kind
    public var data: JSONValue

    public enum Kind: Sendable, Equatable {
        /// The guest stopped running for good (`guest` true when it asked to).
        case shutdown(guest: Bool, reason: String)
        case powerdown
        case reset(guest: Bool, reason: String)
        case stop
        case resume
        case deviceDeleted(device: String?, path: String)
        /// The guest moved its RTC: offset in seconds from the host clock.
        case rtcChange(offset: Int64)
        case guestPanicked(action: String)
        case balloonChange(actual: Int64)
        case migration(status: String)
        case other
    }

    struct Envelope: Decodable {
        var event: String
        var data: JSONValue?
        var timestamp: Stamp?
        struct Stamp: Decodable {
            var seconds: Int64
            var microseconds: Int64
        }
    }

    init(_ e: Envelope) {
        name = e.event
        data = e.data ?? .object([:])
        timestamp = e.timestamp.map { Double($0.seconds) + Double($0.microseconds) / 1e6 } ?? 0
        kind = Self.kind(e.event, data)
    }

    /// The events' payloads, per QEMU's schema.
    static func kind(_ name: String, _ d: JSONValue) -> Kind {
        switch name {
        case "SHUTDOWN": .shutdown(guest: d["guest"]?.bool ?? false, reason: d["reason"]?.string ?? "")
        case "POWERDOWN": .powerdown
        case "RESET": .reset(guest: d["guest"]?.bool ?? false, reason: d["reason"]?.string ?? "")
        case "STOP": .stop
        case "RESUME": .resume
        case "DEVICE_DELETED": .deviceDeleted(device: d["device"]?.string, path: d["path"]?.string ?? "")
        case "RTC_CHANGE": .rtcChange(offset: d["offset"]?.int ?? 0)
        case "GUEST_PANICKED": .guestPanicked(action: d["action"]?.string ?? "")
        case "BALLOON_CHANGE": .balloonChange(actual: d["actual"]?.int ?? 0)
        case "MIGRATION": .migration(status: d["status"]?.string ?? "")
        default: .other
        }
    }
}
