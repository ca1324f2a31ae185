import Schema

/// Host devices, watchdogs, the memory balloon, RNGs and panic devices.
extension ArgvBuild {
    mutating func addHostdevs() throws(Diagnostic) {
        for (i, h) in devices.hostdevs.enumerated() {
            guard let source = h.source else {
                throw fail("hostdev without a source", line: h.line, element: "hostdev")
            }
            let id: (String, DeviceValue) = ("id", .string("hostdev\(i)"))
            switch h.type {
            case "pci":
                guard let a = source.address, let bus = DeviceAddress.number(a.bus),
                    let slot = DeviceAddress.number(a.slot), let fn = DeviceAddress.number(a.function)
                else { throw fail("PCI hostdev needs a source address", line: h.line, element: "address") }
                let domainNr = DeviceAddress.number(a.domain) ?? 0
                let host = "\(hex(domainNr, 4)):\(hex(bus, 2)):\(hex(slot, 2)).\(String(fn, radix: 16))"
                var props: [(String, DeviceValue)] = [("host", .string(host)), id]
                if let order = h.boot?.order { props.append(("bootindex", .int(Int(order)))) }
                device(dialect == .modern ? "vfio-pci" : "pci-assign", props + (try pciPlacement(h.address, line: h.line)))
            case "usb":
                var props: [(String, DeviceValue)] = []
                if let v = source.vendor?.id, let p = source.product?.id {
                    props = [("vendorid", .string("0x" + hex4(v))), ("productid", .string("0x" + hex4(p)))]
                }
                if let a = source.address, let bus = a.bus, let dev = a.device {
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

    mutating func addWatchdogs() throws(Diagnostic) {
        for (i, w) in devices.watchdogs.enumerated() {
            let id: (String, DeviceValue) = ("id", .string("watchdog\(i)"))
            switch w.model {
            case "i6300esb"?: device("i6300esb", [id] + (try pciPlacement(w.address, line: w.line)))
            case "ib700"?: device("ib700", [id])
            case "diag288"?: device("diag288", [id])
            case "itco"?: break  // part of q35's ICH9
            case let m: throw fail("watchdog model '\(m ?? "")' is not supported", line: w.line, element: "watchdog")
            }
            if let action = w.action {
                let qemu = action == "dump" ? "pause" : action
                guard ["reset", "shutdown", "poweroff", "pause", "none", "debug", "inject-nmi"].contains(qemu) else {
                    throw fail("watchdog action '\(action)' is not supported", line: w.line, element: "watchdog")
                }
                if dialect == .modern {
                    add("-action", "watchdog=\(qemu)")
                } else {
                    add("-watchdog-action", qemu)
                }
            }
        }
    }

    /// libvirt gives every QEMU PC guest a virtio balloon unless `model='none'` says not.
    mutating func addBalloon() throws(Diagnostic) {
        let b = devices.memballoon
        let model = b?.model ?? (isX86 ? "virtio" : "none")
        switch model {
        case "none": return
        case "virtio", "virtio-transitional", "virtio-non-transitional":
            var props: [(String, DeviceValue)] = [("id", .string("balloon0"))]
            if let d = b?.autodeflate { props.append(("deflate-on-oom", .bool(d == .on))) }
            if let f = b?.freePageReporting { props.append(("free-page-reporting", .bool(f == .on))) }
            device("virtio-balloon-pci", props + (try pciPlacement(b?.address, line: b?.line ?? domain.line)))
        default:
            throw fail("memballoon model '\(model)' is not supported by QEMU", line: b?.line ?? 0, element: "memballoon")
        }
    }

    mutating func addRNGs() throws(Diagnostic) {
        for (i, r) in devices.rngs.enumerated() {
            guard r.model == "virtio" || r.model == nil else {
                throw fail("rng model '\(r.model ?? "")' is not supported", line: r.line, element: "rng")
            }
            let backendModel = r.backend?.unknown.attributes.first { $0.name == "model" }?.value ?? "random"
            guard backendModel == "random" else {
                throw fail("rng backend '\(backendModel)' is not supported", line: r.line, element: "backend")
            }
            let file = r.backend?.unknown.children.compactMap { n -> String? in
                if case .text(let t) = n { return t.trimmingCharacters() } else { return nil }
            }.first ?? "/dev/urandom"
            args.append("-object")
            args.append(
                renderObject([
                    ("qom-type", .string("rng-random")), ("id", .string("objrng\(i)")),
                    ("filename", .string(try checked(file, "rng source", line: r.line))),
                ]))
            device(
                "virtio-rng-pci",
                [("rng", .string("objrng\(i)")), ("id", .string("rng\(i)"))] + (try pciPlacement(r.address, line: r.line)))
        }
    }

    mutating func addPanics() {
        for p in devices.panics where p.model == "isa" || (p.model == nil && isX86) {
            device("pvpanic", [("id", .string("panic0"))])
        }
    }
}
