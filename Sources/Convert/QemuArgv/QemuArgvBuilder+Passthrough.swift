import Schema

/// What the host hands to the guest: PCI/USB host devices, USB redirection and hubs, shared
/// folders (9p).
extension ArgvBuild {
    mutating func addHostdevs() throws(Diagnostic) {
        for (i, h) in devices.hostdevs.enumerated() {
            guard let source = h.source else {
                throw fail("hostdev without a source", line: h.line, element: "hostdev")
            }
            let id: (String, DeviceValue) = ("id", .string("hostdev\(i)"))
            switch source {
            case .pci(let pci):
                guard let a = pci?.address, let bus = DeviceAddress.number(a.bus),
                    let slot = DeviceAddress.number(a.slot), let fn = DeviceAddress.number(a.function)
                else { throw fail("PCI hostdev needs a source address", line: h.line, element: "address") }
                let domainNr = DeviceAddress.number(a.domain) ?? 0
                let host = "\(hex(domainNr, 4)):\(hex(bus, 2)):\(hex(slot, 2)).\(String(fn, radix: 16))"
                var props: [(String, DeviceValue)] = [("host", .string(host)), id]
                if let order = h.boot?.order { props.append(("bootindex", .int(Int(order)))) }
                device(syntax.vfioPassthrough ? "vfio-pci" : "pci-assign", props + (try pciPlacement(h.address, line: h.line)))
            case .usb(let usb):
                var props: [(String, DeviceValue)] = []
                if let v = usb?.vendor?.id, let p = usb?.product?.id {
                    props = [("vendorid", .string("0x" + hex4(v))), ("productid", .string("0x" + hex4(p)))]
                }
                if let a = usb?.address, let bus = a.bus, let dev = a.device {
                    props += [
                        ("hostbus", .int(Int(DeviceAddress.number(bus) ?? 0))),
                        ("hostaddr", .int(Int(DeviceAddress.number(dev) ?? 0))),
                    ]
                }
                guard !props.isEmpty else {
                    throw fail("USB hostdev needs a vendor/product or a bus/device", line: h.line, element: "source")
                }
                device("usb-host", props + [id, ("bus", .string("usb.0"))])
            default:
                throw fail("hostdev type '\(h.type ?? "")' is not supported", line: h.line, element: "hostdev")
            }
        }
    }

    /// `<redirdev bus='usb'>`: a USB device forwarded over a character device (SPICE usually).
    mutating func addRedirdevs() throws(Diagnostic) {
        for (i, r) in devices.redirdevs.enumerated() {
            guard (r.bus ?? "usb") == "usb" else {
                throw fail("redirdev bus '\(r.bus ?? "")' is not supported", line: r.line, element: "redirdev")
            }
            let id = "charredir\(i)"
            if r.endpoint == .spicevmc {
                add("-chardev", "spicevmc,id=\(id),name=usbredir")
            } else {
                try addChardev(r, id: id)
            }
            var props: [(String, DeviceValue)] = [("chardev", .string(id)), ("id", .string("redir\(i)")), ("bus", .string("usb.0"))]
            if let order = r.boot?.order { props.append(("bootindex", .int(Int(order)))) }
            device("usb-redir", props)
        }
    }

    mutating func addHubs() throws(Diagnostic) {
        for (i, h) in devices.hubs.enumerated() {
            guard (h.type ?? "usb") == "usb" else {
                throw fail("hub type '\(h.type ?? "")' is not supported", line: h.line, element: "hub")
            }
            device("usb-hub", [("id", .string("hub\(i)")), ("bus", .string("usb.0"))])
        }
    }

    /// Host folders over 9p (`<filesystem type='mount'>`). virtiofs needs a virtiofsd
    /// daemon next to QEMU, which a command line alone cannot provide.
    mutating func addFilesystems() throws(Diagnostic) {
        for (i, fs) in devices.filesystems.enumerated() {
            guard (fs.type ?? "mount") == "mount", let dir = fs.source?.dir, let tag = fs.target?.dir else {
                throw fail("only <filesystem type='mount'> with a source and target dir can be passed to QEMU", line: fs.line, element: "filesystem")
            }
            guard ["path", "handle", nil].contains(fs.driver?.type) else {
                throw fail(
                    "filesystem driver '\(fs.driver?.type ?? "")' needs a daemon beside QEMU (virtiofsd); it cannot be written as a command line",
                    line: fs.line, element: "filesystem")
            }
            let model: String
            switch fs.accessmode ?? "passthrough" {
            case "passthrough": model = "passthrough"
            case "mapped": model = "mapped-xattr"
            case "squash": model = "none"
            case let m: throw fail("filesystem accessmode '\(m)' is not supported", line: fs.line, element: "filesystem")
            }
            var o = QemuOptionList()
            o.append(nil, "local")
            o.append("security_model", model)
            o.append("id", "fsdev-fs\(i)")
            o.append("path", try checked(dir, "filesystem source", line: fs.line))
            if fs.readonly { o.append("readonly", "on") }
            add("-fsdev", o.rendered)
            device(
                virtio("virtio-9p"),
                [("id", .string("fs\(i)")), ("fsdev", .string("fsdev-fs\(i)")),
                    ("mount_tag", .string(try checked(tag, "filesystem tag", line: fs.line)))]
                    + (try pciPlacement(fs.address, line: fs.line)))
        }
    }
}
