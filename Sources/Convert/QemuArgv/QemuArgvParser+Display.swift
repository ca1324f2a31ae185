import Schema

/// Graphics: `-vnc`, `-spice`, `-display`, `-sdl`, `-nographic`.
extension ArgvParse {
    /// `-vnc HOST:N[,websocket=P][,share=…][,to=…]`, `-vnc unix:PATH`, `-vnc none`.
    mutating func readVNC(_ text: String, line: Int) throws(Diagnostic) {
        let o = QemuOptionList(parsing: text)
        guard let display = o.firstBare else { throw fail("-vnc \(text): missing the display", at: line) }
        if display == "none" { return }
        var g = Graphics(type: .vnc)
        if display.hasPrefix("unix:") {
            let path = String(display.dropFirst(5))
            g.socket = path
            g.listens = [.onSocket(path)]
        } else {
            let (host, n) = splitDisplay(display)
            guard let n, let number = Int(n) else { throw fail("-vnc \(display): display number missing", at: line) }
            g.port = 5900 + number
            g.autoport = o.value("to") != nil ? .yes : .no
            if g.autoport == .yes { g.port = -1 }
            if let ws = try count(o.value("websocket"), "websocket") { g.websocket = ws }
            if !host.isEmpty {
                g.listen = host
                g.listens = [.onAddress(host)]
            }
        }
        if let share = o.value("share") { g.sharePolicy = share }
        graphics.append(g)
    }

    /// `127.0.0.1:0` → ("127.0.0.1", "0"); `[::]:59630` → ("::", "59630"); `:1` → ("", "1").
    func splitDisplay(_ s: String) -> (String, String?) {
        if s.hasPrefix("["), let close = s.firstIndex(of: "]") {
            let host = String(s[s.index(after: s.startIndex)..<close])
            let rest = s[s.index(after: close)...]
            return (host, rest.hasPrefix(":") ? String(rest.dropFirst()) : nil)
        }
        guard let colon = s.lastIndex(of: ":") else { return (s, nil) }
        return (String(s[..<colon]), String(s[s.index(after: colon)...]))
    }

    mutating func readSpice(_ text: String) throws(Diagnostic) {
        let o = QemuOptionList(parsing: text)
        var g = Graphics(type: .spice)
        g.port = try count(o.value("port"), "port")
        g.tlsPort = try count(o.value("tls-port"), "tls-port")
        g.autoport = .no
        if let addr = o.value("addr") {
            g.listen = addr
            g.listens = [.onAddress(addr)]
        }
        graphics.append(g)
    }

    mutating func readDisplay(_ text: String, line: Int) {
        let o = QemuOptionList(parsing: text)
        switch o.firstBare ?? o.value("type") {
        case "none"?: displayNone = true
        case "sdl"?, "gtk"?, "cocoa"?: sawSDL = true
        case "egl-headless"?: graphics.append(Graphics(type: .eglHeadless))
        case let v?:
            if v.hasPrefix("vnc=") { try? readVNC(String(v.dropFirst(4)), line: line) }
        default: break
        }
    }
}
