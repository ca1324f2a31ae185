/// `<serial>`, `<parallel>`, `<console>` and `<channel>`: a guest character device and the
/// host end it is wired to.
///
/// One shape serves all four, as in libvirt's XML: the host end is the `type` attribute plus
/// zero or more `<source>` elements (udp has a bind and a connect source). `endpoint` reads
/// that as a typed value and `init(endpoint:)` writes one.
public struct CharDevice: XMLModel {
    public var type: CharType?
    /// `<redirdev bus='usb'>`: the bus a redirected device appears on.
    public var bus: String?
    /// `<console tty='/dev/pts/5'/>`: the pty of a running guest, in early documents.
    public var tty: String?
    public var sources: [CharSource] = []
    public var `protocol`: TypeAttribute?
    public var log: OpaqueElement?
    public var target: CharTarget?
    public var boot: DeviceBoot?
    public var alias: DeviceAlias?
    public var address: DeviceAddress?
    public var unknown = XMLUnknown()
    public init() {}

    public static let xml = XMLMapping<CharDevice> {
        Field.attribute("bus", \.bus)
        Field.attribute("type", \.type)
        Field.attribute("tty", \.tty)
        Field.elements("source", \.sources)
        Field.element("protocol", \.protocol)
        Field.element("log", \.log)
        Field.element("target", \.target)
        Field.element("boot", \.boot)
        Field.element("alias", \.alias)
        Field.element("address", \.address)
    }

    public init(endpoint: CharEndpoint, target: CharTarget? = nil) {
        self.target = target
        setEndpoint(endpoint)
    }

    /// The host end, typed. Sources the type does not use are ignored here (but kept).
    public var endpoint: CharEndpoint {
        let first = sources.first
        switch type {
        case .pty?: return .pty(path: first?.path ?? tty)
        case .dev?: return .dev(path: first?.path ?? "")
        case .file?: return .file(path: first?.path ?? "", append: first?.append)
        case .pipe?: return .pipe(path: first?.path ?? "")
        case .stdio?: return .stdio
        case .null?: return .null
        case .vc?: return .vc
        case .unix?:
            return .unix(path: first?.path ?? "", listen: first?.mode == "bind")
        case .tcp?:
            return .tcp(
                host: first?.host, service: first?.service ?? "", listen: first?.mode == "bind",
                telnet: `protocol`?.type == "telnet")
        case .udp?:
            let connect = sources.first { $0.mode == nil || $0.mode == "connect" }
            let bind = sources.first { $0.mode == "bind" }
            return .udp(
                host: connect?.host, service: connect?.service ?? "", bindHost: bind?.host,
                bindService: bind?.service)
        case .spicevmc?: return .spicevmc
        case .spiceport?: return .spiceport(channel: first?.channel ?? "")
        case .nmdm?, .qemuVdagent?, .dbus?, .other?: return .other(type?.xmlValue ?? "")
        case nil: return tty.map { .pty(path: $0) } ?? .other("")
        }
    }

    /// Replaces type, sources and protocol with `endpoint`.
    public mutating func setEndpoint(_ endpoint: CharEndpoint) {
        sources = []
        `protocol` = nil
        switch endpoint {
        case .pty(let path):
            type = .pty
            if let path { sources = [CharSource(path: path)] }
        case .dev(let path):
            type = .dev
            sources = [CharSource(path: path)]
        case .file(let path, let append):
            type = .file
            var s = CharSource(path: path)
            s.append = append
            sources = [s]
        case .pipe(let path):
            type = .pipe
            sources = [CharSource(path: path)]
        case .stdio: type = .stdio
        case .null: type = .null
        case .vc: type = .vc
        case .unix(let path, let listen):
            type = .unix
            var s = CharSource(path: path)
            s.mode = listen ? "bind" : "connect"
            sources = [s]
        case .tcp(let host, let service, let listen, let telnet):
            type = .tcp
            var s = CharSource()
            s.mode = listen ? "bind" : "connect"
            s.host = host
            s.service = service
            sources = [s]
            `protocol` = TypeAttribute(telnet ? "telnet" : "raw")
        case .udp(let host, let service, let bindHost, let bindService):
            type = .udp
            if bindHost != nil || bindService != nil {
                var b = CharSource()
                b.mode = "bind"
                b.host = bindHost
                b.service = bindService
                sources.append(b)
            }
            var c = CharSource()
            c.mode = "connect"
            c.host = host
            c.service = service
            sources.append(c)
        case .spicevmc: type = .spicevmc
        case .spiceport(let channel):
            type = .spiceport
            var s = CharSource()
            s.channel = channel
            sources = [s]
        case .other(let t): type = .other(t)
        }
    }
}

/// The host end of a character device.
public enum CharEndpoint: Equatable, Sendable {
    case pty(path: String?)
    case dev(path: String)
    case file(path: String, append: OnOff?)
    case pipe(path: String)
    case stdio, null, vc
    case unix(path: String, listen: Bool)
    case tcp(host: String?, service: String, listen: Bool, telnet: Bool)
    case udp(host: String?, service: String, bindHost: String?, bindService: String?)
    case spicevmc
    case spiceport(channel: String)
    case other(String)
}

public enum CharType: XMLEnum {
    case pty, dev, file, pipe, stdio, null, vc, udp, tcp, unix, spicevmc, spiceport, nmdm
    case qemuVdagent, dbus
    case other(String)
    public static let xmlNames: [(CharType, String)] = [
        (.pty, "pty"), (.dev, "dev"), (.file, "file"), (.pipe, "pipe"), (.stdio, "stdio"),
        (.null, "null"), (.vc, "vc"), (.udp, "udp"), (.tcp, "tcp"), (.unix, "unix"),
        (.spicevmc, "spicevmc"), (.spiceport, "spiceport"), (.nmdm, "nmdm"),
        (.qemuVdagent, "qemu-vdagent"), (.dbus, "dbus"),
    ]
}

/// `<source path='/dev/ttyS0'/>`, `<source mode='bind' host='…' service='…'/>`…
public struct CharSource: XMLModel {
    public var mode: String?
    public var path: String?
    public var host: String?
    public var service: String?
    public var append: OnOff?
    public var wiremode: String?
    public var channel: String?
    public var master: String?
    public var slave: String?
    public var tls: YesNo?
    public var unknown = XMLUnknown()
    public init() {}
    public init(path: String) { self.path = path }
    public static let xml = XMLMapping<CharSource> {
        Field.attribute("mode", \.mode)
        Field.attribute("path", \.path)
        Field.attribute("host", \.host)
        Field.attribute("service", \.service)
        Field.attribute("append", \.append)
        Field.attribute("wiremode", \.wiremode)
        Field.attribute("channel", \.channel)
        Field.attribute("master", \.master)
        Field.attribute("slave", \.slave)
        Field.attribute("tls", \.tls)
    }
}

/// The guest end: `<target type='serial' port='0'/>`, `<target type='virtio' name='…'/>`.
public struct CharTarget: XMLModel {
    public var type: String?
    public var port: UInt?
    public var name: String?
    public var address: String?
    public var state: String?
    public var model: NameAttribute?
    public var unknown = XMLUnknown()
    public init() {}
    public init(type: String? = nil, port: UInt?) {
        self.type = type
        self.port = port
    }
    public static let xml = XMLMapping<CharTarget> {
        Field.attribute("type", \.type)
        Field.attribute("port", \.port)
        Field.attribute("name", \.name)
        Field.attribute("address", \.address)
        Field.attribute("state", \.state)
        Field.element("model", \.model)
    }
}
