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
        /// A VNC client connected, finished its handshake, or went away.
        case vnc(VNCEvent)
        case other
    }

    /// VNC_CONNECTED, VNC_INITIALIZED and VNC_DISCONNECTED: the same two endpoints each time;
    /// the server's `auth` and the client's identities come once the handshake is done.
    public struct VNCEvent: Sendable, Equatable {
        public enum Phase: Sendable, Equatable { case connected, initialized, disconnected }
        public struct Endpoint: Sendable, Equatable {
            /// QEMU's `NetworkAddressFamily`: ipv4, ipv6, unix, vsock, unknown.
            public var family: String
            public var host: String
            public var service: String
        }
        public var phase: Phase
        public var server: Endpoint
        public var client: Endpoint
        /// The server's authentication scheme (`none`, `vnc`, `vencrypt`, `sasl`…).
        public var auth: String?
        public var x509DName: String?
        public var saslUsername: String?

        init?(_ phase: Phase, _ d: JSONValue) {
            func endpoint(_ v: JSONValue?) -> Endpoint? {
                guard let v, let family = v["family"]?.string, let host = v["host"]?.string,
                    let service = v["service"]?.string
                else { return nil }
                return Endpoint(family: family, host: host, service: service)
            }
            guard let server = endpoint(d["server"]), let client = endpoint(d["client"]) else { return nil }
            self.phase = phase
            self.server = server
            self.client = client
            auth = d["server"]?["auth"]?.string
            x509DName = d["client"]?["x509_dname"]?.string
            saslUsername = d["client"]?["sasl_username"]?.string
        }
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
        case "VNC_CONNECTED": VNCEvent(.connected, d).map(Kind.vnc) ?? .other
        case "VNC_INITIALIZED": VNCEvent(.initialized, d).map(Kind.vnc) ?? .other
        case "VNC_DISCONNECTED": VNCEvent(.disconnected, d).map(Kind.vnc) ?? .other
        default: .other
        }
    }
}
