/// `<graphics>`: how the guest's display is exported.
///
/// vnc, spice and rdp share port/autoport/listen/passwd/keymap; sdl and desktop use
/// display/xauth/fullscreen. One shape covers them as libvirt's XML does; the schema says
/// which attributes go with which type.
public struct Graphics: XMLModel {
    public var type: GraphicsType?
    public var display: String?
    public var xauth: String?
    public var fullscreen: YesNo?
    public var port: Int?
    public var tlsPort: Int?
    public var autoport: YesNo?
    public var websocket: Int?
    public var listen: String?
    public var socket: String?
    public var sharePolicy: String?
    public var passwd: String?
    public var passwdValidTo: String?
    public var connected: String?
    public var keymap: String?
    public var defaultMode: String?
    public var listens: [GraphicsListen] = []
    public var channels: [OpaqueElement] = []
    public var image: OpaqueElement?
    public var streaming: OpaqueElement?
    public var clipboard: Clipboard?
    public var mouse: Mouse?
    public var filetransfer: OpaqueElement?
    public var gl: OpaqueElement?
    public var audio: OpaqueElement?
    public var unknown = XMLUnknown()
    public init() {}

    public init(type: GraphicsType) { self.type = type }

    public static let xml = XMLMapping<Graphics> {
        Field.attribute("type", \.type)
        Field.attribute("display", \.display)
        Field.attribute("xauth", \.xauth)
        Field.attribute("fullscreen", \.fullscreen)
        Field.attribute("port", \.port)
        Field.attribute("tlsPort", \.tlsPort)
        Field.attribute("autoport", \.autoport)
        Field.attribute("websocket", \.websocket)
        Field.attribute("listen", \.listen)
        Field.attribute("socket", \.socket)
        Field.attribute("sharePolicy", \.sharePolicy)
        Field.attribute("passwd", \.passwd)
        Field.attribute("passwdValidTo", \.passwdValidTo)
        Field.attribute("connected", \.connected)
        Field.attribute("keymap", \.keymap)
        Field.attribute("defaultMode", \.defaultMode)
        Field.elements("listen", \.listens)
        Field.elements("channel", \.channels)
        Field.element("image", \.image)
        Field.element("streaming", \.streaming)
        Field.element("clipboard", \.clipboard)
        Field.element("mouse", \.mouse)
        Field.element("filetransfer", \.filetransfer)
        Field.element("gl", \.gl)
        Field.element("audio", \.audio)
    }

    /// The listen address from the attribute or the first address-type `<listen>`.
    public var listenAddress: String? {
        listen ?? listens.lazy.compactMap { if case .address(let l) = $0 { l.address } else { nil } }.first
    }
}

public enum GraphicsType: XMLEnum {
    case sdl, vnc, spice, rdp, desktop, eglHeadless, dbus
    case other(String)
    public static let xmlNames: [(GraphicsType, String)] = [
        (.sdl, "sdl"), (.vnc, "vnc"), (.spice, "spice"), (.rdp, "rdp"), (.desktop, "desktop"),
        (.eglHeadless, "egl-headless"), (.dbus, "dbus"),
    ]
}

/// SPICE `<clipboard copypaste='yes'/>`.
public struct Clipboard: XMLModel {
    public var copypaste: YesNo?
    public var unknown = XMLUnknown()
    public init() {}
    public init(copypaste: Bool) { self.copypaste = YesNo(copypaste) }
    public static let xml = XMLMapping<Clipboard> { Field.attribute("copypaste", \.copypaste) }
}

/// SPICE `<mouse mode='client'/>` (client or server).
public struct Mouse: XMLModel {
    public var mode: String?
    public var unknown = XMLUnknown()
    public init() {}
    public init(mode: String) { self.mode = mode }
    public static let xml = XMLMapping<Mouse> { Field.attribute("mode", \.mode) }
}

/// Where a display listens: `<listen type='address' address='127.0.0.1'/>`, a libvirt
/// network's address (`type='network'`), a unix socket (`type='socket'`) or nowhere
/// (`type='none'`) — a union on `type` whose payload is the element's other attributes.
public enum GraphicsListen: XMLAttributeUnion {
    case address(ListenAddress)
    case network(ListenNetwork)
    case socket(ListenSocket)
    case none(OpaqueElement)
    case other(type: String?, OpaqueElement)

    public static let tagAttribute = "type"

    public enum Tag: String, XMLUnionTag {
        case address, network, socket, none
    }

    public init(known tag: Tag, payload: XMLElement?) {
        let rest = payload ?? XMLElement("listen")
        switch tag {
        case .address: self = .address(ListenAddress(element: rest))
        case .network: self = .network(ListenNetwork(element: rest))
        case .socket: self = .socket(ListenSocket(element: rest))
        case .none: self = .none(OpaqueElement(element: rest))
        }
    }

    public init(unknown tag: String?, payload: XMLElement?) {
        self = .other(type: tag, OpaqueElement(element: payload ?? XMLElement("listen")))
    }

    public var knownTag: Tag? {
        switch self {
        case .address: .address
        case .network: .network
        case .socket: .socket
        case .none: Tag.none
        case .other: nil
        }
    }

    public var unknownTag: String? { if case .other(let t, _) = self { t } else { nil } }

    public var payloadModel: (any XMLElementConvertible)? {
        switch self {
        case .address(let l): l
        case .network(let l): l
        case .socket(let l): l
        case .none(let l): l
        case .other(_, let l): l
        }
    }

    /// Listening on an IP address or host name.
    public static func onAddress(_ address: String) -> GraphicsListen {
        var l = ListenAddress()
        l.address = address
        return .address(l)
    }

    /// Listening on a unix socket.
    public static func onSocket(_ path: String) -> GraphicsListen {
        var l = ListenSocket()
        l.socket = path
        return .socket(l)
    }

    /// The address listened on (for a network, the one libvirt resolved, when shown).
    public var address: String? {
        switch self {
        case .address(let l): l.address
        case .network(let l): l.address
        default: nil
        }
    }

    /// The socket listened on.
    public var socketPath: String? { if case .socket(let l) = self { l.socket } else { nil } }
}

public struct ListenAddress: XMLModel {
    public var address: String?
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<ListenAddress> { Field.attribute("address", \.address) }
}

public struct ListenNetwork: XMLModel {
    public var network: String?
    /// The address libvirt found on the network, in a running guest's XML.
    public var address: String?
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<ListenNetwork> {
        Field.attribute("address", \.address)
        Field.attribute("network", \.network)
    }
}

public struct ListenSocket: XMLModel {
    public var socket: String?
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<ListenSocket> { Field.attribute("socket", \.socket) }
}
