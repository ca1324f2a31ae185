import Schema

/// Disks: `-blockdev` node pairs + a frontend `-device` (modern), or `-drive if=none` +
/// `-device` (0.12 generation).
extension ArgvBuild {
    mutating func addDisks() throws(Diagnostic) {
        var nodeCounter = 0
        var firstOfClass: Set<String> = []
        for (i, disk) in devices.disks.enumerated() {
            nodeCounter += 1
            let bootindex = bootIndex(for: disk, firstOfClass: &firstOfClass)
            try addDisk(disk, number: nodeCounter, ordinal: i, bootindex: bootindex)
        }
    }

    /// Per-device `<boot order>` wins; else the os boot list names the first disk of a class.
    func bootIndex(for disk: Disk, firstOfClass: inout Set<String>) -> Int? {
        if let order = disk.boot?.order { return Int(order) }
        let cls: BootDevice
        switch disk.effectiveDevice {
        case .cdrom: cls = .cdrom
        case .floppy: cls = .fd
        default: cls = .hd
        }
        guard let idx = bootIndexes[cls], !firstOfClass.contains(cls.xmlValue) else { return nil }
        firstOfClass.insert(cls.xmlValue)
        return idx
    }

    /// Where a disk sits: the frontend device model, its bus properties and id.
    struct DiskFrontend {
        var driver: String
        var props: [(String, DeviceValue)]
        var id: String
    }

    mutating func diskFrontend(_ disk: Disk, ordinal: Int) throws(Diagnostic) -> DiskFrontend {
        guard let dev = disk.targetDev, let index = DiskNames.index(of: dev) else {
            throw fail("disk has no usable target name", line: disk.line, element: "target")
        }
        /// This disk's device on `bus`, from the vocabulary (every bus handled below has one).
        func frontendDriver(_ bus: DiskBus, legacyNames: Bool = false) -> String {
            QemuVocabulary.diskDriver(bus: bus, media: disk.effectiveDevice, legacyNames: legacyNames, virtio: virtio) ?? "?"
        }
        let drive = disk.address?.drive
        let modernNames = caps.version >= QemuVersion(1, 2)
        switch disk.effectiveBus {
        case .ide:
            let ctrl = DeviceAddress.number(drive?.controller) ?? 0
            var bus = DeviceAddress.number(drive?.bus) ?? UInt(index / 2)
            var unit = DeviceAddress.number(drive?.unit) ?? UInt(index % 2)
            if isQ35 {
                // ICH9's AHCI has six single-unit ports, ide.0 … ide.5.
                if drive == nil {
                    bus = UInt(index)
                    unit = 0
                }
            }
            return DiskFrontend(
                driver: frontendDriver(.ide, legacyNames: !modernNames), props: [("bus", .string("ide.\(bus)")), ("unit", .int(Int(unit)))],
                id: "ide\(ctrl)-\(bus)-\(unit)")
        case .sata:
            let unit = DeviceAddress.number(drive?.unit) ?? UInt(index)
            let bus = isQ35 ? "ide.\(unit)" : "sata0.\(unit)"
            return DiskFrontend(
                driver: frontendDriver(.sata), props: [("bus", .string(bus))], id: "sata0-0-\(unit)")
        case .scsi:
            let ctrl = DeviceAddress.number(drive?.controller) ?? 0
            let virtio = scsiControllerModel(Int(ctrl)) .hasPrefix("virtio-scsi")
            let target = DeviceAddress.number(drive?.target) ?? 0
            let unit = DeviceAddress.number(drive?.unit) ?? UInt(virtio ? index : index % 7)
            let driver = frontendDriver(.scsi)
            var props: [(String, DeviceValue)] = [("bus", .string("scsi\(ctrl).0"))]
            if virtio {
                props += [("channel", .int(0)), ("scsi-id", .int(Int(target))), ("lun", .int(Int(unit)))]
            } else {
                props += [("scsi-id", .int(Int(unit)))]  // one LUN per target on these HBAs
            }
            return DiskFrontend(driver: driver, props: props, id: "scsi\(ctrl)-0-\(target)-\(unit)")
        case .virtio:
            let placement = try pciPlacement(disk.address, line: disk.line)
            return DiskFrontend(driver: frontendDriver(.virtio), props: placement, id: "virtio-disk\(index)")
        case .fdc:
            return DiskFrontend(driver: frontendDriver(.fdc), props: [("unit", .int(index))], id: "fdc0-0-\(index)")
        case .usb:
            return DiskFrontend(driver: frontendDriver(.usb), props: [("bus", .string("usb.0"))], id: "usb-disk\(index)")
        default:
            throw fail(
                "disk bus '\(disk.effectiveBus.xmlValue)' is not supported by QEMU", line: disk.line, element: "target")
        }
    }

    mutating func addDisk(_ disk: Disk, number: Int, ordinal: Int, bootindex: Int?) throws(Diagnostic) {
        var front = try diskFrontend(disk, ordinal: ordinal)
        let readonly = disk.readonly || disk.effectiveDevice == .cdrom
        let format = disk.driver?.type ?? "raw"
        let hasMedia = disk.source.map { s in
            if case .network = s { return true }
            return s.path != nil
        } ?? false
        if case .volume? = disk.source {
            throw fail(
                "volume disks need a storage pool, which domxml-to-native cannot resolve", line: disk.line,
                element: "source")
        }
        if let cache = disk.driver?.cache, !["default", "none", "writeback", "writethrough", "directsync", "unsafe"]
            .contains(cache)
        {
            throw fail("unknown cache mode '\(cache)'", line: disk.line, element: "driver")
        }
        if hasMedia {
            if syntax.blockdevDisks {
                let node = try addBlockdev(disk, number: number, format: format, readonly: readonly)
                front.props.append(("drive", .string(node)))
            } else {
                let id = "drive-" + front.id
                try addDrive(disk, id: id, format: format, readonly: readonly)
                front.props.append(("drive", .string(id)))
            }
        }
        front.props.append(("id", .string(front.id)))
        aliases[DeviceSlot("disk", ordinal)] = front.id
        if let bootindex { front.props.append(("bootindex", .int(bootindex))) }
        if let cache = disk.driver?.cache, syntax.blockdevDisks, hasMedia, cache != "default" {
            front.props.append(("write-cache", .string(["writethrough", "directsync"].contains(cache) ? "off" : "on")))
        }
        if let serial = disk.serial { front.props.append(("serial", .string(try checked(serial, "disk serial", line: disk.line)))) }
        if syntax.blockdevDisks, hasMedia {
            if let w = disk.driver?.errorPolicy { front.props.append(("werror", .string(errorPolicy(w)))) }
            if let r = disk.driver?.rerrorPolicy ?? disk.driver?.errorPolicy.flatMap({ $0 == "enospace" ? nil : $0 }) {
                front.props.append(("rerror", .string(errorPolicy(r))))
            }
        }
        device(front.driver, front.props)
    }

    func errorPolicy(_ p: String) -> String { p == "enospace" ? "enospc" : p }

    /// Two nodes, as libvirt builds them: storage (file, host device or network protocol)
    /// and format on top. Returns the format node's name.
    mutating func addBlockdev(_ disk: Disk, number: Int, format: String, readonly: Bool) throws(Diagnostic) -> String {
        let storage = "libvirt-\(number)-storage"
        let formatNode = "libvirt-\(number)-format"
        var props: [(String, DeviceValue)]
        switch disk.source {
        case .network(let net)?:
            props = try networkBlockdev(net, disk: disk)
        default:
            guard let path = disk.sourcePath else { return formatNode }
            let file = try checked(path, "disk path", line: disk.line)
            let driver: String
            if case .block? = disk.source {
                driver = disk.effectiveDevice == .cdrom ? "host_cdrom" : "host_device"
            } else {
                driver = "file"
            }
            props = [("driver", .string(driver)), ("filename", .string(file))]
            if let io = disk.driver?.io { props.append(("aio", .string(io))) }
        }
        props.append(("node-name", .string(storage)))
        props.append(("auto-read-only", .bool(true)))
        if disk.driver?.discard == "unmap" { props.append(("discard", .string("unmap"))) }
        if let cache = cacheObject(disk.driver?.cache) { props.append(("cache", .raw(.object(cache)))) }
        args.append("-blockdev")
        args.append(renderObject(props))

        var f: [(String, DeviceValue)] = [
            ("node-name", .string(formatNode)), ("read-only", .bool(readonly)),
            ("driver", .string(try checked(format, "disk format", line: disk.line))),
        ]
        if disk.driver?.discard == "unmap" { f.append(("discard", .string("unmap"))) }
        if let cache = cacheObject(disk.driver?.cache) { f.append(("cache", .raw(.object(cache)))) }
        f.append(("file", .string(storage)))
        args.append("-blockdev")
        args.append(renderObject(f))
        return formatNode
    }

    func cacheObject(_ mode: String?) -> QemuJSONObject? {
        let direct: Bool
        let noFlush: Bool
        switch mode {
        case "none"?, "directsync"?: (direct, noFlush) = (true, false)
        case "writeback"?, "writethrough"?: (direct, noFlush) = (false, false)
        case "unsafe"?: (direct, noFlush) = (false, true)
        default: return nil
        }
        return QemuJSONObject([("direct", .bool(direct)), ("no-flush", .bool(noFlush))])
    }

    /// The storage node of a network disk, one driver per protocol.
    func networkBlockdev(_ net: NetworkDiskSource?, disk: Disk) throws(Diagnostic) -> [(String, DeviceValue)] {
        guard let net, let proto = net.protocol else {
            throw fail("network disk without a protocol", line: disk.line, element: "source")
        }
        let name = try checked(net.name ?? "", "network disk name", line: disk.line)
        let hosts = net.hosts
        func inet(_ h: DiskSourceHost, defaultPort: String?) -> QemuJSONObject {
            var o = QemuJSONObject()
            if h.transport == "unix" {
                o.set("type", "unix")
                o.set("path", h.socket)
            } else {
                o.set("type", "inet")
                o.set("host", h.name)
                o.set("port", h.port ?? defaultPort)
            }
            return o
        }
        switch proto {
        case "nbd":
            guard let h = hosts.first else { throw fail("nbd disk needs a host", line: disk.line, element: "source") }
            var p: [(String, DeviceValue)] = [("driver", .string("nbd")), ("server", .raw(.object(inet(h, defaultPort: "10809"))))]
            if !name.isEmpty { p.append(("export", .string(name))) }
            return p
        case "iscsi":
            guard let h = hosts.first else { throw fail("iscsi disk needs a host", line: disk.line, element: "source") }
            var target = name
            var lun = 0
            if let slash = name.lastIndex(of: "/"), let l = Int(name[name.index(after: slash)...]) {
                target = String(name[..<slash])
                lun = l
            }
            return [
                ("driver", .string("iscsi")), ("portal", .string((h.name ?? "") + ":" + (h.port ?? "3260"))),
                ("target", .string(target)), ("lun", .int(lun)), ("transport", .string("tcp")),
            ]
        case "rbd":
            let parts = name.split(separator: "/", maxSplits: 1).map(String.init)
            var p: [(String, DeviceValue)] = [
                ("driver", .string("rbd")), ("pool", .string(parts.first ?? "")),
                ("image", .string(parts.count > 1 ? parts[1] : "")),
            ]
            if let snap = net.snapshot?.name { p.append(("snapshot", .string(snap))) }
            if !hosts.isEmpty {
                p.append(
                    ("server", .raw(.array(hosts.map { h in
                        var o = QemuJSONObject()
                        o.set("host", h.name)
                        o.set("port", h.port ?? "6789")
                        return .object(o)
                    }))))
            }
            if let conf = net.config?.file { p.append(("conf", .string(conf))) }
            if let user = (net.auth ?? disk.auth)?.username { p.append(("user", .string(user))) }
            return p
        case "gluster":
            let parts = name.split(separator: "/", maxSplits: 1).map(String.init)
            return [
                ("driver", .string("gluster")), ("volume", .string(parts.first ?? "")),
                ("path", .string(parts.count > 1 ? parts[1] : "")),
                ("server", .raw(.array(hosts.map { .object(inet($0, defaultPort: "24007")) }))),
            ]
        case "http", "https", "ftp", "ftps":
            guard let h = hosts.first, let host = h.name else {
                throw fail("\(proto) disk needs a host", line: disk.line, element: "source")
            }
            let port = h.port.map { ":" + $0 } ?? ""
            return [("driver", .string(proto)), ("url", .string("\(proto)://\(host)\(port)/\(name)"))]
        case "ssh":
            guard let h = hosts.first else { throw fail("ssh disk needs a host", line: disk.line, element: "source") }
            return [("driver", .string("ssh")), ("path", .string(name)), ("server", .raw(.object(inet(h, defaultPort: "22"))))]
        default:
            throw fail("network disk protocol '\(proto)' is not supported by this QEMU", line: disk.line, element: "source")
        }
    }

    /// The 0.12-generation `-drive if=none` for a disk's media.
    mutating func addDrive(_ disk: Disk, id: String, format: String, readonly: Bool) throws(Diagnostic) {
        var d = QemuOptionList()
        let file: String
        switch disk.source {
        case .network(let net)?: file = try networkDriveURI(net, disk: disk)
        default: file = try checked(disk.sourcePath ?? "", "disk path", line: disk.line)
        }
        d.append("file", file)
        d.append("format", try checked(format, "disk format", line: disk.line))
        d.append("if", "none")
        if disk.effectiveDevice == .cdrom { d.append("media", "cdrom") }
        d.append("id", id)
        if readonly && disk.effectiveDevice != .cdrom { d.append("readonly", "on") }
        if let cache = disk.driver?.cache, cache != "default" { d.append("cache", cache) }
        if let w = disk.driver?.errorPolicy { d.append("werror", errorPolicy(w)) }
        if let r = disk.driver?.rerrorPolicy { d.append("rerror", errorPolicy(r)) }
        if let io = disk.driver?.io { d.append("aio", io) }
        add("-drive", d.rendered)
    }

    /// Network disks as `-drive file=` URIs, the syntax QEMU had before -blockdev.
    func networkDriveURI(_ net: NetworkDiskSource?, disk: Disk) throws(Diagnostic) -> String {
        guard let net, let proto = net.protocol else {
            throw fail("network disk without a protocol", line: disk.line, element: "source")
        }
        let name = net.name ?? ""
        let h = net.hosts.first
        func hostPort(_ h: DiskSourceHost?) -> String {
            let host = h?.name ?? ""
            let bracketed = host.contains(":") ? "[\(host)]" : host
            return bracketed + (h?.port.map { ":" + $0 } ?? "")
        }
        let uri: String
        switch proto {
        case "gluster" where h?.transport == "unix":
            uri = "gluster+unix:///\(name)?socket=\(h?.socket ?? "")"
        case "nbd":
            if h?.transport == "unix" {
                uri = "nbd:unix:\(h?.socket ?? "")" + (name.isEmpty ? "" : ":exportname=\(name)")
            } else if (h?.name ?? "").contains(":") {
                // The colon syntax cannot carry an IPv6 address; the URI form can.
                uri = "nbd://[\(h?.name ?? "")]:\(h?.port ?? "10809")" + (name.isEmpty ? "" : "/\(name)")
            } else {
                uri = "nbd:\(h?.name ?? ""):\(h?.port ?? "10809")" + (name.isEmpty ? "" : ":exportname=\(name)")
            }
        case "rbd":
            switch RBDTarget.format(net) {
            case .success(let target): uri = target
            case .failure(let e): throw fail(e.message, line: disk.line, element: "source")
            }
        case "sheepdog":
            uri = "sheepdog:" + (h.map { "\($0.name ?? ""):\($0.port ?? "7000"):" } ?? "") + name
        case "iscsi":
            // The LUN is part of an iSCSI URI; libvirt's name may leave LUN 0 implicit.
            let lun = name.split(separator: "/").count > 1 ? "" : "/0"
            uri = "iscsi://\(hostPort(h))/\(name)\(lun)"
        case "gluster", "http", "https", "ftp", "ftps":
            uri = "\(proto)://\(hostPort(h))/\(name)"
        default:
            throw fail("network disk protocol '\(proto)' is not supported by this QEMU", line: disk.line, element: "source")
        }
        return try checked(uri, "network disk", line: disk.line)
    }

    /// The model of SCSI controller `index`: from the XML, else virtkit's default.
    func scsiControllerModel(_ index: Int) -> String {
        let model = devices.controllers.first { $0.type == .scsi && Int($0.index ?? 0) == index }?.model
        guard let model else { return syntax.defaultSCSIVirtio ? virtio("virtio-scsi") : "lsi" }
        return QemuVocabulary.controllerDriver(.scsi, model: model, virtio: virtio) ?? model.xmlValue
    }
}
