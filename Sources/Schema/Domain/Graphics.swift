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
        listen ?? listens.first { $0.type == "address" }?.address
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

/// `<listen type='address' address='127.0.0.1'/>`.
public struct GraphicsListen: XMLModel {
    public var type: String?
    public var address: String?
    public var network: String?
    public var socket: String?
    public var unknown = XMLUnknown()
    public init() {}
    public static let xml = XMLMapping<GraphicsListen> {
        Field.attribute("type", \.type)
        Field.attribute("address", \.address)
        Field.attribute("network", \.network)
        Field.attribute("socket", \.socket)
    }
}
