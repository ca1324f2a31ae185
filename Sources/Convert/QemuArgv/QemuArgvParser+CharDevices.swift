import Schema

/// Character devices: the legacy `-serial`/`-parallel` spellings and `-chardev` backends.
extension ArgvParse {
    /// `pty`, `file:PATH`, `tcp:HOST:PORT,server,nowait`, `udp:H:P@BH:BP`, `/dev/ttyS0`…
    mutating func charEndpoint(legacy spec: String, line: Int) throws(Diagnostic) -> CharEndpoint? {
        var spec = spec
        if spec.hasPrefix("mon:") { spec.removeFirst(4) }
        if spec.hasPrefix("chardev:") {
            let id = String(spec.dropFirst(8))
            guard let e = chardevs[id] else { throw fail("no -chardev with id '\(id)'", at: line) }
            return e
        }
        if spec == "pty" { return .pty(path: nil) }
        if spec == "null" { return .null }
        if spec == "stdio" { return .stdio }
        if spec == "vc" || spec.hasPrefix("vc:") { return .vc }
        if spec.hasPrefix("/dev/") { return .dev(path: spec) }
        if spec.hasPrefix("file:") { return .file(path: String(spec.dropFirst(5)), append: nil) }
        if spec.hasPrefix("pipe:") { return .pipe(path: String(spec.dropFirst(5))) }
        if spec.hasPrefix("tcp:") || spec.hasPrefix("telnet:") {
            let telnet = spec.hasPrefix("telnet:")
            let opts = QemuOptionList(parsing: String(spec.drop { $0 != ":" }.dropFirst()))
            let (host, port) = splitHostPort(opts.firstBare ?? "")
            let flags = Set(opts.bare)
            let listen = flags.contains("server") || opts.value("server") == "on"
            guard let port else { throw fail("\(spec): missing port", at: line) }
            return .tcp(host: host.isEmpty ? nil : host, service: port, listen: listen, telnet: telnet)
        }
        if spec.hasPrefix("udp:") {
            let body = String(spec.dropFirst(4))
            let halves = body.split(separator: "@", maxSplits: 1).map(String.init)
            let (host, port) = splitHostPort(halves.first ?? "")
            var bindHost: String?
            var bindPort: String?
            if halves.count > 1 {
                let (h, p) = splitHostPort(halves[1])
                bindHost = h.isEmpty ? nil : h
                bindPort = p == "0" ? nil : p
            }
            return .udp(host: host.isEmpty ? nil : host, service: port ?? "", bindHost: bindHost, bindService: bindPort)
        }
        if spec.hasPrefix("unix:") {
            let opts = QemuOptionList(parsing: String(spec.dropFirst(5)))
            let listen = Set(opts.bare).contains("server") || opts.value("server") == "on"
            return .unix(path: opts.firstBare ?? "", listen: listen)
        }
        if spec == "spicevmc" { return .spicevmc }
        keep("-serial", spec)
        return nil
    }

    /// `-chardev TYPE,id=ID,…` remembered by id for the devices that use it.
    mutating func readChardev(_ text: String, line: Int) throws(Diagnostic) {
        let o = QemuOptionList(parsing: text)
        guard let id = o.value("id") else { throw fail("-chardev without id=", at: line) }
        let type = o.value("backend") ?? o.firstBare ?? ""
        let server = Set(o.bare).contains("server") || o.value("server") == "on"
        let endpoint: CharEndpoint
        switch type {
        case "pty": endpoint = .pty(path: nil)
        case "null": endpoint = .null
        case "stdio": endpoint = .stdio
        case "vc": endpoint = .vc
        case "tty", "serial", "parallel", "parport": endpoint = .dev(path: o.value("path") ?? "")
        case "file": endpoint = .file(path: o.value("path") ?? "", append: o.value("append").map { OnOff(xmlValue: $0) })
        case "pipe": endpoint = .pipe(path: o.value("path") ?? "")
        case "socket":
            if let path = o.value("path") {
                endpoint = .unix(path: path, listen: server)
            } else {
                endpoint = .tcp(
                    host: o.value("host"), service: o.value("port") ?? "", listen: server,
                    telnet: o.value("telnet") == "on" || Set(o.bare).contains("telnet"))
            }
        case "udp":
            endpoint = .udp(
                host: o.value("host"), service: o.value("port") ?? "", bindHost: o.value("localaddr"),
                bindService: o.value("localport"))
        case "spicevmc": endpoint = .spicevmc
        case "spiceport": endpoint = .spiceport(channel: o.value("name") ?? "")
        default:
            throw fail("-chardev backend '\(type)' is not one virtkit knows", at: line)
        }
        chardevs[id] = endpoint
    }

    /// Serial, parallel, console and channel `-device`s.
    mutating func readCharDevice(_ driver: String, _ p: DeviceProps, line: Int) throws(Diagnostic) {
        guard let id = p["chardev"], let endpoint = chardevs[id] else {
            throw fail("-device \(driver) needs a chardev= defined by -chardev", at: line)
        }
        var c = CharDevice(endpoint: endpoint)
        switch driver {
        case "isa-serial", "pci-serial", "usb-serial", "spapr-vty", "pl011", "sclpconsole":
            var t = CharTarget(port: try unsignedCount(p["index"], "index") ?? UInt(serials.count))
            if driver != "isa-serial" {
                t.type = ["pci-serial": "pci-serial", "usb-serial": "usb-serial", "spapr-vty": "spapr-vio-serial",
                    "pl011": "system-serial", "sclpconsole": "sclp-serial"][driver]
            }
            c.target = t
            if driver == "pci-serial" { c.address = p.pciAddress }
            serials.append(c)
        case "isa-parallel":
            c.target = CharTarget(port: try unsignedCount(p["index"], "index") ?? UInt(parallels.count))
            parallels.append(c)
        case "virtconsole":
            c.target = CharTarget(type: "virtio", port: UInt(deviceList.consoles.count))
            deviceList.consoles.append(c)
        case "virtserialport":
            var t = CharTarget()
            t.type = "virtio"
            t.name = p["name"]
            c.target = t
            deviceList.channels.append(c)
        default:
            break
        }
    }
}
