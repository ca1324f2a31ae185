import Schema

/// NICs: a `-netdev` backend and a `-device` frontend joined by id.
extension ArgvBuild {
    mutating func addNetworks() throws(Diagnostic) {
        var firstNIC = true
        for (i, nic) in devices.interfaces.enumerated() {
            let netdev = "hostnet\(i)"
            var backend = try netdevProperties(nic, index: i)
            backend.insert(("id", .string(netdev)), at: 1)
            args.append("-netdev")
            args.append(renderObject(backend))

            let model = try checked(nic.modelType ?? "rtl8139", "NIC model", line: nic.line)
            let (driver, onPCI) = QemuVocabulary.nicDriver(model, virtio: virtio)
            var props: [(String, DeviceValue)] = [
                ("netdev", .string(netdev)), ("id", .string("net\(i)")),
                ("mac", .string(try checked(mac(for: nic, index: i), "MAC address", line: nic.line))),
            ]
            if let order = nic.boot?.order {
                props.append(("bootindex", .int(Int(order))))
            } else if firstNIC, let idx = bootIndexes[.network] {
                props.append(("bootindex", .int(idx)))
            }
            firstNIC = false
            aliases[DeviceSlot("interface", i)] = "net\(i)"
            if onPCI { props += try pciPlacement(nic.address, line: nic.line) }
            device(driver, props)
        }
    }

    /// The backend: user, tap (ethernet), bridge helper (bridge, network), or a socket.
    func netdevProperties(_ nic: Interface, index: Int) throws(Diagnostic) -> [(String, DeviceValue)] {
        func socket(_ kind: String, _ s: SocketInterfaceSource?) throws(Diagnostic) -> [(String, DeviceValue)] {
            [("type", .string("socket")), (kind, .string(try socketAddress(s, nic)))]
        }
        if let fd = launch?.tapDescriptors[index] {
            // The runtime opened the tap itself (enslaved to its bridge): QEMU only uses it.
            return [("type", .string("tap")), ("fd", .string(String(fd)))]
        }
        switch nic.source {
        case .user?, nil:
            return [("type", .string("user"))]
        case .ethernet?:
            var p: [(String, DeviceValue)] = [("type", .string("tap"))]
            if let dev = nic.target?.dev { p.append(("ifname", .string(try checked(dev, "tap name", line: nic.line)))) }
            p.append(("script", .string(try checked(nic.script?.path ?? "no", "script path", line: nic.line))))
            p.append(("downscript", .string(try checked(nic.downscript?.path ?? "no", "downscript path", line: nic.line))))
            return p
        case .bridge(let s)?:
            guard let br = s?.bridgeName else {
                throw fail("bridge interface without a source bridge", line: nic.line, element: "source")
            }
            return [("type", .string("bridge")), ("br", .string(try checked(br, "bridge name", line: nic.line)))]
        case .network(let s)?:
            let name = s?.networkName ?? ""
            guard let br = s?.bridge ?? networkBridge(name) else {
                throw fail(
                    "network '\(name)' is not known here, so its bridge cannot be named", line: nic.line,
                    element: "source")
            }
            return [("type", .string("bridge")), ("br", .string(try checked(br, "bridge name", line: nic.line)))]
        case .mcast(let s)?: return try socket("mcast", s)
        case .server(let s)?: return try socket("listen", s)
        case .client(let s)?: return try socket("connect", s)
        case .udp(let s)?:
            var p = try socket("udp", s)
            if let local = s?.local, let port = local.port {
                p.append(("localaddr", .string(try checked((local.address ?? "") + ":\(port)", "address", line: nic.line))))
            }
            return p
        default:
            throw fail(
                "interface type '\(nic.source?.tag ?? "")' needs a file descriptor only a running host driver can open",
                line: nic.line, element: "interface")
        }
    }
}
