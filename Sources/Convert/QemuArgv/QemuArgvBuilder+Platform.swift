import Schema

/// Platform devices: watchdogs, the memory balloon, RNGs, vsock, IOMMUs, panic notifiers,
/// and the device families refused rather than dropped.
extension ArgvBuild {
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
                if syntax.actionOption {
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
            device(virtio("virtio-balloon"), props + (try pciPlacement(b?.address, line: b?.line ?? domain.line)))
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
                virtio("virtio-rng"),
                [("rng", .string("objrng\(i)")), ("id", .string("rng\(i)"))] + (try pciPlacement(r.address, line: r.line)))
        }
    }

    mutating func addVsock() throws(Diagnostic) {
        guard let v = devices.vsock else { return }
        guard let cid = v.cid?.address, v.cid?.auto != .yes else {
            throw fail("a vsock needs a fixed guest CID (<cid auto='no' address='N'/>) in a command line", line: v.line, element: "vsock")
        }
        device(virtio("vhost-vsock"), [("id", .string("vsock0")), ("guest-cid", .int(Int(cid)))] + (try pciPlacement(v.address, line: v.line)))
    }

    mutating func addIOMMU() throws(Diagnostic) {
        guard let iommu = devices.iommu else { return }
        switch iommu.model {
        case "intel"? where isQ35:
            var props: [(String, DeviceValue)] = [("id", .string("iommu0"))]
            for a in iommu.driver?.unknown.attributes ?? [] {
                switch a.name {
                case "intremap": props.append(("intremap", .string(a.value)))
                case "caching_mode": props.append(("caching-mode", .string(a.value)))
                case "eim": props.append(("eim", .string(a.value)))
                case "iotlb": props.append(("device-iotlb", .string(a.value)))
                default: break
                }
            }
            device("intel-iommu", props)
        case "virtio"?:
            device(virtio("virtio-iommu"), [("id", .string("iommu0"))] + (try pciPlacement(iommu.address, line: iommu.line)))
        default:
            throw fail("iommu model '\(iommu.model ?? "")' is not supported on this machine", line: iommu.line, element: "iommu")
        }
    }

    /// Device families virtkit cannot express on a command line: refused, never dropped.
    func refuseUnsupportedDevices() throws(Diagnostic) {
        let unsupported: [(String, [OpaqueElement])] = [
            ("smartcard", devices.smartcards), ("tpm", devices.tpms), ("shmem", devices.shmems),
            ("memory", devices.memories), ("crypto", devices.cryptos), ("redirfilter", devices.redirfilters),
        ]
        for (name, list) in unsupported {
            if let first = list.first {
                throw fail("<\(name)> devices are not supported by virtkit's QEMU command line yet", line: first.line, element: name)
            }
        }
    }

    mutating func addPanics() {
        for p in devices.panics where p.model == "isa" || (p.model == nil && isX86) {
            device("pvpanic", [("id", .string("panic0"))])
        }
    }
}
