import Convert
import Foundation
import Schema

/// The host as the QEMU driver sees it: capabilities, what its emulators offer a guest,
/// node facts, native formats, events.
extension QemuDriver {
    public func connectGetVersion() async throws -> UInt64 {
        let emulator = HostEmulators.defaultEmulator(forArch: nil)
        guard FileManager.default.isExecutableFile(atPath: emulator),
            let caps = try? await EmulatorProbe.capabilities(of: emulator, cacheDirectory: paths.probeCache)
        else { return 0 }
        return UInt64(caps.version.major) * 1_000_000 + UInt64(caps.version.minor) * 1_000 + UInt64(caps.version.micro)
    }

    public func connectGetMaxVcpus(type: String?) async -> Int32 { 255 }

    public func nodeGetInfo() async -> NodeInfo {
        let cpu = HostInfo.cpuInfo
        return NodeInfo(
            model: HostEmulators.hostArch, memoryKiB: HostInfo.memoryKiB, cpus: Int32(HostInfo.cpuCount), mhz: Int32(cpu.mhz),
            nodes: Int32(HostInfo.numaNodes.count), sockets: Int32(cpu.sockets), cores: Int32(cpu.coresPerSocket),
            threads: Int32(cpu.threadsPerCore))
    }

    public func nodeGetFreeMemory() async -> UInt64 { HostInfo.freeMemoryBytes }

    /// `VIR_DRV_FEATURE_*` this driver has: remote program keepalive is the daemon's to
    /// answer; here, the migration protocols virsh checks for are not there yet.
    public func connectSupportsFeature(_ feature: Int32) async -> Bool {
        switch feature {
        case 10: true  // TYPED_PARAM_STRING
        default: false
        }
    }

    public func connectGetCapabilities() async throws -> String {
        let cpu = HostInfo.cpuInfo
        var hostCPU: [XMLElement] = [el("arch", text: HostEmulators.hostArch)]
        if !cpu.vendor.isEmpty { hostCPU.append(el("vendor", text: cpu.vendor == "GenuineIntel" ? "Intel" : cpu.vendor == "AuthenticAMD" ? "AMD" : cpu.vendor)) }
        hostCPU.append(
            el("topology", ["sockets": "\(cpu.sockets)", "dies": "1", "cores": "\(cpu.coresPerSocket)", "threads": "\(cpu.threadsPerCore)"]))
        for flag in cpu.flags.sorted() where Self.cpuFeatureNames.contains(flag) {
            hostCPU.append(el("feature", ["name": flag]))
        }
        hostCPU.append(el("pages", ["unit": "KiB", "size": "4"]))
        hostCPU.append(el("pages", ["unit": "KiB", "size": "2048"]))
        var cells: [XMLElement] = []
        for node in HostInfo.numaNodes {
            let cpus = HostInfo.cpus(ofNode: node).map { c -> XMLElement in
                let t = HostInfo.topology(ofCPU: c)
                return el("cpu", ["id": "\(c)", "socket_id": "\(t.socket)", "die_id": "\(t.die)", "core_id": "\(t.core)", "siblings": t.siblings])
            }
            cells.append(
                el("cell", ["id": "\(node)"], [
                    el("memory", ["unit": "KiB"], text: "\(HostInfo.memoryKiB(ofNode: node))"),
                    el("cpus", ["num": "\(cpus.count)"], cpus),
                ]))
        }
        var host: [XMLElement] = []
        if let uuid = Self.hostUUID { host.append(el("uuid", text: uuid)) }
        host += [
            el("cpu", [:], hostCPU),
            el("power_management"),
            el("iommu", ["support": FileManager.default.fileExists(atPath: "/sys/kernel/iommu_groups/0") ? "yes" : "no"]),
            el("migration_features", [:], [el("live"), el("uri_transports", [:], [el("uri_transport", text: "tcp")])]),
            el("topology", [:], [el("cells", ["num": "\(cells.count)"], cells)]),
            el("secmodel", [:], [el("model", text: "none"), el("doi", text: "0")]),
        ]
        var guests: [XMLElement] = []
        let kvm = HostProbe.kvmUsable()
        for emulator in HostEmulators.all(environment: environment) {
            let caps = try? await EmulatorProbe.capabilities(of: emulator.path, cacheDirectory: paths.probeCache)
            var arch: [XMLElement] = [el("wordsize", text: Self.wordSize(emulator.arch)), el("emulator", text: emulator.path)]
            for m in caps?.machines ?? [] where m != "none" {
                if let canonical = caps?.machineAliases?[m] {
                    arch.append(el("machine", ["canonical": canonical, "maxCpus": "255"], text: m))
                } else {
                    arch.append(el("machine", ["maxCpus": "255"], text: m))
                }
            }
            arch.append(el("domain", ["type": "qemu"]))
            if kvm && Self.kvmRuns(emulator.arch) { arch.append(el("domain", ["type": "kvm"])) }
            var features: [XMLElement] = []
            if ["x86_64", "i686"].contains(emulator.arch) {
                if emulator.arch == "i686" { features += [el("pae"), el("nonpae")] }
                features += [el("acpi", ["default": "on", "toggle": "yes"]), el("apic", ["default": "on", "toggle": "no"])]
            }
            features += [el("cpuselection"), el("deviceboot"), el("disksnapshot", ["default": "on", "toggle": "no"])]
            guests.append(
                el("guest", [:], [el("os_type", text: "hvm"), el("arch", ["name": emulator.arch], arch), el("features", [:], features)]))
        }
        return XMLWriter.format(el("capabilities", [:], [el("host", [:], host)] + guests))
    }

    /// The host CPU flags libvirt reports as features (the ones a guest CPU can ask for).
    static let cpuFeatureNames: Set<String> = [
        "vmx", "svm", "pae", "ss", "ds", "acpi", "ht", "tm", "pbe", "est", "tm2", "xtpr", "pdcm", "osxsave", "invtsc",
        "hypervisor", "tsc_adjust", "arat", "pdpe1gb", "rdtscp", "aes", "avx", "avx2", "sse4_1", "sse4_2", "x2apic",
    ]

    static var hostUUID: String? {
        for path in ["/sys/class/dmi/id/product_uuid", "/etc/machine-id"] {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            if let u = UUIDValue(xmlValue: text.trimmingCharacters(in: .whitespacesAndNewlines)) { return u.xmlValue }
        }
        return nil
    }

    static func wordSize(_ arch: String) -> String {
        ["x86_64", "aarch64", "ppc64", "ppc64le", "s390x", "riscv64", "mips64", "mips64el", "sparc64", "alpha",
         "loongarch64"].contains(arch) ? "64" : "32"
    }

    /// KVM runs guests of the host's architecture (and 32-bit x86 on x86_64).
    static func kvmRuns(_ arch: String) -> Bool {
        arch == HostEmulators.hostArch || (arch == "i686" && HostEmulators.hostArch == "x86_64")
    }

    /// What the emulator offers a guest: machines, CPU models and modes, devices, as
    /// libvirt's `<domainCapabilities>` says it.
    public func connectGetDomainCapabilities(
        emulator: String?, arch: String?, machine: String?, virttype: String?, flags: UInt32
    ) async throws -> String {
        _ = try DefineFlags.check(flags, allowed: [], function: "qemuConnectGetDomainCapabilities")
        let found = HostEmulators.all(environment: environment)
        let chosen: HostEmulators.Emulator
        if let emulator {
            guard let e = found.first(where: { $0.path == emulator }) ?? (FileManager.default.isExecutableFile(atPath: emulator)
                ? HostEmulators.Emulator(path: emulator, arch: arch ?? HostEmulators.hostArch) : nil)
            else { throw VirtError(.invalidArg, "emulator \(emulator) is not on this host") }
            chosen = e
        } else {
            let wanted = arch ?? HostEmulators.hostArch
            guard let e = found.first(where: { $0.arch == wanted }) else {
                throw VirtError(.invalidArg, "no emulator for architecture \(wanted) on this host")
            }
            chosen = e
        }
        let kvm = HostProbe.kvmUsable() && Self.kvmRuns(chosen.arch)
        let type = virttype ?? (kvm ? "kvm" : "qemu")
        guard type == "qemu" || type == "kvm" else {
            throw VirtError(.invalidArg, "virttype \(type) is not one of qemu, kvm")
        }
        if type == "kvm" && !kvm { throw VirtError(.configUnsupported, "KVM is not available for \(chosen.arch) on this host") }
        let caps: EmulatorCapabilities
        do {
            caps = try await EmulatorProbe.capabilities(of: chosen.path, cacheDirectory: paths.probeCache)
        } catch {
            throw VirtError(.internalError, "cannot probe \(chosen.path): \(error)")
        }
        var m = machine ?? caps.defaultMachine ?? caps.machines.first ?? "none"
        if let canonical = caps.machineAliases?[m] { m = canonical }
        guard machine == nil || caps.machines.contains(machine!) else {
            throw VirtError(.invalidArg, "machine \(machine!) is not offered by \(chosen.path)")
        }
        func values(_ name: String, _ list: [String]) -> XMLElement {
            el("enum", ["name": name], list.map { el("value", text: $0) })
        }
        let isX86 = ["x86_64", "i686"].contains(chosen.arch)
        var cpuModes: [XMLElement] = [
            el("mode", ["name": "host-passthrough", "supported": type == "kvm" ? "yes" : "no"],
                type == "kvm" ? [values("hostPassthroughMigratable", ["on", "off"])] : []),
            el("mode", ["name": "maximum", "supported": "yes"], [values("maximumMigratable", ["on", "off"])]),
            el("mode", ["name": "host-model", "supported": "no"]),
        ]
        cpuModes.append(
            el("mode", ["name": "custom", "supported": "yes"],
                (caps.cpuModels ?? []).map { el("model", ["usable": "unknown", "vendor": $0.vendor], text: $0.name) }))
        var diskBuses = ["ide", "fdc", "scsi", "virtio", "usb", "sata"]
        if !isX86 { diskBuses.removeAll { ["ide", "fdc"].contains($0) } }
        let devices: [XMLElement] = [
            el("disk", ["supported": "yes"], [
                values("diskDevice", ["disk", "cdrom", "floppy", "lun"]), values("bus", diskBuses),
                values("model", ["virtio", "virtio-transitional", "virtio-non-transitional"]),
            ]),
            el("graphics", ["supported": "yes"], [values("type", ["sdl", "vnc", "spice", "egl-headless"])]),
            el("video", ["supported": "yes"], [values("modelType", ["vga", "cirrus", "vmvga", "qxl", "virtio", "none", "bochs", "ramfb"])]),
            el("hostdev", ["supported": "no"]),
            el("rng", ["supported": "yes"], [
                values("model", ["virtio", "virtio-transitional", "virtio-non-transitional"]),
                values("backendModel", ["random", "egd", "builtin"]),
            ]),
            el("filesystem", ["supported": "yes"], [values("driverType", ["path", "handle"])]),
        ]
        var features: [XMLElement] = [el("gic", ["supported": "no"]), el("vmcoreinfo", ["supported": "yes"])]
        features.append(el("genid", ["supported": isX86 ? "yes" : "no"]))
        let doc = el("domainCapabilities", [:], [
            el("path", text: chosen.path), el("domain", text: type), el("machine", text: m), el("arch", text: chosen.arch),
            el("vcpu", ["max": "255"]), el("iothreads", ["supported": "yes"]),
            el("os", ["supported": "yes"], [
                values("firmware", []),
                el("loader", ["supported": "yes"], [values("type", ["rom", "pflash"]), values("readonly", ["yes", "no"]), values("secure", ["no"])]),
            ]),
            el("cpu", [:], cpuModes), el("devices", [:], devices), el("features", [:], features),
        ])
        return XMLWriter.format(doc)
    }

    public func connectDomainXMLFromNative(format: String, config: String, flags: UInt32) async throws -> String {
        _ = try DefineFlags.check(flags, allowed: [], function: "qemuConnectDomainXMLFromNative")
        guard format == "qemu-argv" else {
            throw VirtError(.invalidArg, "unsupported config type \(format) (the QEMU driver reads qemu-argv)")
        }
        return try await NativeConversions.fromNative(format: format, config: config)
    }

    public func connectDomainXMLToNative(format: String, xml: String, flags: UInt32) async throws -> String {
        _ = try DefineFlags.check(flags, allowed: [], function: "qemuConnectDomainXMLToNative")
        guard format == "qemu-argv" else {
            throw VirtError(.invalidArg, "unsupported config type \(format) (the QEMU driver writes qemu-argv)")
        }
        return try await NativeConversions.toNative(format: format, xml: xml, checker: checker, cacheDirectory: paths.probeCache)
    }

    public func domainEvents() async -> AsyncStream<DomainEvent> { events.subscribe() }
    public func networkEvents() async -> AsyncStream<NetworkEvent> { networkEventHub.subscribe() }
}
