import Schema

/// Serial, parallel, console and channel devices: a `-chardev` backend and a frontend.
extension ArgvBuild {
    mutating func addCharDevices() throws(Diagnostic) {
        // A serial-type console with no serial port behind it is, as in libvirt, serial port 0
        // itself: emit it as one so the command line reads back as the same guest.
        var serials = devices.serials
        let consoleOnly = devices.consoles.filter { c in
            (c.target?.type ?? "serial") == "serial"
                && !devices.serials.contains { ($0.target?.port ?? 0) == (c.target?.port ?? 0) }
        }
        if serials.isEmpty, let first = consoleOnly.first, isX86 { serials.append(first) }
        for (i, s) in serials.enumerated() {
            let id = "charserial\(i)"
            try addChardev(s, id: id)
            if i < devices.serials.count {
                aliases[DeviceSlot("serial", i)] = "serial\(i)"
                chardevs[DeviceSlot("serial", i)] = id
            }
            let port = Int(s.target?.port ?? UInt(i))
            switch s.target?.type ?? (isX86 ? "isa-serial" : defaultSerialModel) {
            case "isa-serial", "serial":
                device("isa-serial", [("chardev", .string(id)), ("id", .string("serial\(i)")), ("index", .int(port))])
            case "pci-serial":
                device("pci-serial", [("chardev", .string(id)), ("id", .string("serial\(i)"))] + (try pciPlacement(s.address, line: s.line)))
            case "usb-serial":
                device("usb-serial", [("chardev", .string(id)), ("id", .string("serial\(i)"))])
            case "spapr-vio-serial":
                device("spapr-vty", [("chardev", .string(id)), ("id", .string("serial\(i)"))])
            case "system-serial":
                device("pl011", [("chardev", .string(id)), ("id", .string("serial\(i)"))])
            case "sclp-serial":
                device("sclpconsole", [("chardev", .string(id)), ("id", .string("serial\(i)"))])
            case let other:
                throw fail("serial target type '\(other)' is not supported", line: s.line, element: "target")
            }
        }
        for (i, p) in devices.parallels.enumerated() {
            let id = "charparallel\(i)"
            try addChardev(p, id: id)
            device(
                "isa-parallel",
                [("chardev", .string(id)), ("id", .string("parallel\(i)")), ("index", .int(Int(p.target?.port ?? UInt(i))))])
        }
        var virtioPort = 0
        var i = -1
        for (ordinal, c) in devices.consoles.enumerated() {
            switch c.target?.type ?? "serial" {
            case "serial":
                // libvirt mirrors the first serial port as a console: same device, nothing to add.
                let port = c.target?.port ?? 0
                if let mirrored = serials.firstIndex(where: { ($0.target?.port ?? 0) == port }) {
                    aliases[DeviceSlot("console", ordinal)] = "serial\(mirrored)"
                    chardevs[DeviceSlot("console", ordinal)] = "charserial\(mirrored)"
                    continue
                }
                i += 1
                let id = "charconsole\(i)"
                try addChardev(c, id: id)
                device("isa-serial", [("chardev", .string(id)), ("id", .string("console\(i)"))])
                aliases[DeviceSlot("console", ordinal)] = "console\(i)"
                chardevs[DeviceSlot("console", ordinal)] = id
            case "virtio":
                i += 1
                let id = "charconsole\(i)"
                try addChardev(c, id: id)
                device(
                    "virtconsole",
                    [("bus", .string("virtio-serial0.0")), ("nr", .int(virtioPort)), ("chardev", .string(id)),
                        ("id", .string("console\(i)"))])
                aliases[DeviceSlot("console", ordinal)] = "console\(i)"
                chardevs[DeviceSlot("console", ordinal)] = id
                virtioPort += 1
            case let other:
                throw fail("console target type '\(other)' is not supported", line: c.line, element: "target")
            }
        }
        for (i, ch) in devices.channels.enumerated() {
            guard ch.target?.type == "virtio" else {
                throw fail(
                    "channel target type '\(ch.target?.type ?? "")' is not supported", line: ch.line, element: "target")
            }
            let id = "charchannel\(i)"
            try addChardev(ch, id: id)
            aliases[DeviceSlot("channel", i)] = "channel\(i)"
            chardevs[DeviceSlot("channel", i)] = id
            var props: [(String, DeviceValue)] = [
                ("bus", .string("virtio-serial0.0")), ("nr", .int(virtioPort + i + 1)), ("chardev", .string(id)),
                ("id", .string("channel\(i)")),
            ]
            if let name = ch.target?.name { props.append(("name", .string(try checked(name, "channel name", line: ch.line)))) }
            device("virtserialport", props)
        }
    }

    var defaultSerialModel: String {
        switch arch {
        case "ppc64", "ppc64le": "spapr-vio-serial"
        case "aarch64", "armv7l": "system-serial"
        case "s390x": "sclp-serial"
        default: "isa-serial"
        }
    }

    /// `-chardev TYPE,id=ID,…` for the device's host end.
    mutating func addChardev(_ c: CharDevice, id: String) throws(Diagnostic) {
        var o = QemuOptionList()
        func server(_ listen: Bool) {
            guard listen else { return }
            if syntax.onOffSwitches {
                o.append("server", "on")
                o.append("wait", "off")
            } else {
                o.append(flag: "server")
                o.append(flag: "nowait")
            }
        }
        switch c.endpoint {
        case .pty:
            o.append(nil, "pty")
            o.append("id", id)
        case .dev(let path):
            o.append(nil, path.hasPrefix("/dev/parport") ? "parallel" : "tty")
            o.append("id", id)
            o.append("path", try checked(path, "device path", line: c.line))
        case .file(let path, let append):
            o.append(nil, "file")
            o.append("id", id)
            o.append("path", try checked(path, "file path", line: c.line))
            if let append { o.append("append", append.xmlValue) }
        case .pipe(let path):
            o.append(nil, "pipe")
            o.append("id", id)
            o.append("path", try checked(path, "pipe path", line: c.line))
        case .stdio:
            o.append(nil, "stdio")
            o.append("id", id)
        case .null:
            o.append(nil, "null")
            o.append("id", id)
        case .vc:
            o.append(nil, "vc")
            o.append("id", id)
        case .unix(let path, let listen):
            o.append(nil, "socket")
            o.append("id", id)
            // libvirt makes up a path for a socket the XML leaves unnamed; a command line to
            // run by hand gets one in the working folder, named after the guest and channel.
            let named = path.isEmpty ? "\(domain.name ?? "guest").\(c.target?.name ?? id).sock" : path
            o.append("path", try checked(named, "socket path", line: c.line))
            server(listen || path.isEmpty)
        case .tcp(let host, let service, let listen, let telnet):
            o.append(nil, "socket")
            o.append("id", id)
            if let host { o.append("host", try checked(host, "host", line: c.line)) }
            o.append("port", try checked(service, "port", line: c.line))
            if telnet { if syntax.onOffSwitches { o.append("telnet", "on") } else { o.append(flag: "telnet") } }
            server(listen)
        case .udp(let host, let service, let bindHost, let bindService):
            o.append(nil, "udp")
            o.append("id", id)
            if let host { o.append("host", try checked(host, "host", line: c.line)) }
            o.append("port", try checked(service, "port", line: c.line))
            if let bindHost { o.append("localaddr", try checked(bindHost, "host", line: c.line)) }
            if let bindService { o.append("localport", try checked(bindService, "port", line: c.line)) }
        case .spicevmc:
            o.append(nil, "spicevmc")
            o.append("id", id)
            o.append("name", "vdagent")
        case .spiceport(let channel):
            o.append(nil, "spiceport")
            o.append("id", id)
            o.append("name", try checked(channel, "spice channel", line: c.line))
        case .other(let t):
            throw fail("character device type '\(t)' is not supported", line: c.line)
        }
        add("-chardev", o.rendered)
    }
}
