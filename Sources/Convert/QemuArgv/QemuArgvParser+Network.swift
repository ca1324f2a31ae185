import Schema

/// NICs from `-net nic` + `-net HOST` pairs (joined by vlan), `-netdev` + a NIC `-device`,
/// and the one-option `-nic`.
extension ArgvParse {
    mutating func readLegacyNet(_ text: String, line: Int) throws(Diagnostic) {
        let o = QemuOptionList(parsing: text)
        guard let kind = o.firstBare else { throw fail("-net \(text): missing the type", at: line) }
        let vlan = o.value("vlan") ?? "0"
        switch kind {
        case "none": return
        case "nic": legacyNICs.append((vlan, o))
        case "user", "tap", "socket", "bridge", "vde": legacyHosts.append((vlan, o))
        default: throw fail("-net \(kind) is not a network type virtkit knows", at: line)
        }
    }

    mutating func readNetdev(_ text: String, line: Int) throws(Diagnostic) {
        let backend = netBackend(text)
        guard let id = backend.options["id"] else { throw fail("-netdev without id=", at: line) }
        netdevs[id] = backend
    }

    /// `-nic TYPE,model=…,mac=…`: backend and frontend in one.
    mutating func readNIC(_ text: String, line: Int) throws(Diagnostic) {
        let backend = netBackend(text)
        if backend.type == "none" { return }
        var nic = ParsedNIC()
        nic.model = backend.options["model"]
        nic.mac = backend.options["mac"]
        nic.backend = backend
        nics.append(nic)
    }

    func netBackend(_ text: String) -> NetBackend {
        if let json = QemuJSONObject(parsing: text) {
            var opts: [String: String] = [:]
            for (k, _) in json.members { opts[k] = json.string(k) }
            return NetBackend(type: json.string("type") ?? "user", options: opts)
        }
        let o = QemuOptionList(parsing: text)
        var opts: [String: String] = [:]
        for item in o.items where item.key != nil { opts[item.key!] = item.value }
        return NetBackend(type: o.value("type") ?? o.firstBare ?? "user", options: opts)
    }

    mutating func readNICDevice(_ driver: String, _ p: DeviceProps, line: Int) throws(Diagnostic) {
        var nic = ParsedNIC()
        nic.model = nicModel(driver)
        nic.mac = p["mac"]
        if let id = p["netdev"] {
            guard let b = netdevs[id] else {
                throw fail("-device \(driver) uses netdev '\(id)', which no -netdev defines", at: line)
            }
            nic.backend = b
        }
        nic.bootindex = try count(p["bootindex"], "bootindex")
        nic.address = p.pciAddress
        nics.append(nic)
    }

    func nicModel(_ driver: String) -> String { QemuVocabulary.nicModel(forDriver: driver) ?? driver }

    /// The interface XML for a backend.
    func interfaceSource(_ b: NetBackend?, _ iface: inout Interface) {
        guard let b else {
            iface.source = .user(nil)
            return
        }
        let o = b.options
        switch b.type {
        case "tap":
            if let br = o["br"] {
                iface.source = .bridge(br)
            } else {
                iface.source = .ethernet(nil)
                if let ifname = o["ifname"] { iface.target = InterfaceTarget(dev: ifname) }
                if let script = o["script"], script != "no", !script.isEmpty { iface.script = PathAttribute(script) }
                if let down = o["downscript"], down != "no", !down.isEmpty { iface.downscript = PathAttribute(down) }
            }
        case "bridge":
            iface.source = .bridge(o["br"] ?? "br0")
        case "socket":
            func socket(_ v: String) -> SocketInterfaceSource {
                let (host, port) = splitHostPort(v)
                return SocketInterfaceSource(address: host.isEmpty ? nil : host, port: port.flatMap { UInt($0) })
            }
            if let v = o["mcast"] {
                iface.source = .mcast(socket(v))
            } else if let v = o["listen"] {
                iface.source = .server(socket(v))
            } else if let v = o["connect"] {
                iface.source = .client(socket(v))
            } else if let v = o["udp"] {
                var s = socket(v)
                if let l = o["localaddr"] {
                    let (host, port) = splitHostPort(l)
                    var local = SocketInterfaceSource.SocketLocal()
                    local.address = host
                    local.port = port.flatMap { UInt($0) }
                    s.local = local
                }
                iface.source = .udp(s)
            } else {
                iface.source = .user(nil)
            }
        case "vhost-user":
            iface.source = .vhostuser(nil)
        default:
            iface.source = .user(nil)
        }
    }

    /// All NICs in command-line order, legacy pairs first (they were options before -device).
    mutating func resolveNICs() {
        var result: [Interface] = []
        for (vlan, o) in legacyNICs {
            var iface = Interface()
            if let mac = o.value("macaddr") { iface.mac = MACElement(mac) }
            if let model = o.value("model") { iface.model = TypeAttribute(model) }
            let host = legacyHosts.first { $0.vlan == vlan }
            let backend = host.map { h in
                NetBackend(
                    type: h.options.firstBare ?? "user",
                    options: Dictionary(h.options.items.compactMap { i in i.key.map { ($0, i.value) } }, uniquingKeysWith: { $1 }))
            }
            interfaceSource(backend, &iface)
            result.append(iface)
        }
        for nic in nics {
            var iface = Interface()
            if let mac = nic.mac { iface.mac = MACElement(mac) }
            if let model = nic.model { iface.model = TypeAttribute(model) }
            interfaceSource(nic.backend, &iface)
            if let b = nic.bootindex { iface.boot = DeviceBoot(order: UInt(b)) }
            iface.address = nic.address
            result.append(iface)
        }
        deviceList.interfaces += result
    }
}
