import Schema

/// The `-device` and modern generations: machine, accelerator, CPU, memory, clock, boot.
extension ArgvBuild {
    mutating func buildDevices() throws(Diagnostic) {
        if let name = domain.name {
            if syntax.namedThreads {
                var n = QemuOptionList()
                n.append("guest", name)
                n.append("debug-threads", "on")
                add("-name", n.rendered)
            } else if caps.has(.name) {
                add("-name", QemuOptionList.escape(name))
            }
        }
        // libvirt always started paused; a modern command line is meant to run as printed,
        // and the runtime (or --paused) asks for -S through `launch`.
        if launch?.startPaused ?? !syntax.runsAsPrinted { add("-S") }
        try addMachine()
        try addCPU()
        try addMemory()
        add("-smp", smp)
        try addNUMA()
        if caps.has(.uuid), let uuid = domain.uuid { add("-uuid", uuid.xmlValue) }
        if caps.has(.noUserConfig) { add("-no-user-config") }
        if caps.has(.nodefaults) { add("-nodefaults") }
        addMonitor()
        try addClock()
        if lifecycleNoReboot { add("-no-reboot") }
        // A managed guest stays around after power-off so its manager can read why; so does
        // one whose XML asks to preserve it.
        if (launch?.keepAfterShutdown ?? false || domain.onPoweroff == .preserve) && caps.has(.noShutdown) {
            add("-no-shutdown")
        }
        if !syntax.platformSwitchesOnMachine && isX86 && domain.features?.acpi == nil { add("-no-acpi") }
        addPowerManagement()
        try addBoot()
        try addFirmware()
        try addControllers()
        try addDisks()
        try addNetworks()
        try addCharDevices()
        try addInputs()
        try addGraphics()
        try addVideos()
        try addSounds()
        try addHostdevs()
        try addRedirdevs()
        try addHubs()
        try addFilesystems()
        try addWatchdogs()
        try addBalloon()
        try addRNGs()
        addPanics()
        try addVsock()
        try addIOMMU()
        if let pid = launch?.pidFile { add("-pidfile", pid) }
    }

    var accelerator: String { domain.type == .kvm ? "kvm" : "tcg" }

    mutating func addMachine() throws(Diagnostic) {
        guard let machine else { return }
        _ = try checked(machine, "machine type", line: domain.line)
        guard caps.has(.machine) else {
            add("-M", machine)
            if domain.type == .kvm && caps.has(.enableKVM) { add("-enable-kvm") }
            return
        }
        var m = QemuOptionList()
        m.append(nil, machine)
        if !caps.has(.accel) { m.append("accel", accelerator) }
        if isX86 { m.append("usb", "off") }
        if let dump = domain.memory?.dumpCore { m.append("dump-guest-core", dump.xmlValue) }
        if domain.memoryBacking?.nosharepages == true { m.append("mem-merge", "off") }
        for cipher in domain.keywrap?.ciphers ?? [] {
            if let name = cipher.name, let state = cipher.state { m.append("\(name)-key-wrap", state.xmlValue) }
        }
        if syntax.platformSwitchesOnMachine && isX86 && domain.features?.acpi == nil { m.append("acpi", "off") }
        if isX86, let hpet = domain.clock?.timer("hpet"), hpet.present == .no {
            if caps.has(.noHpet) && !syntax.platformSwitchesOnMachine { add("-no-hpet") } else { m.append("hpet", "off") }
        }
        if let vmport = domain.features?.vmport?.state { m.append("vmport", vmport.xmlValue) }
        if let smm = domain.features?.smm { m.append("smm", smm.state?.xmlValue ?? "on") }
        if let gic = domain.features?.gic?.version { m.append("gic-version", gic) }
        if devices.sounds.contains(where: { $0.model == .pcspk }) && caps.has(.audiodev) {
            m.append("pcspk-audiodev", "audio1")
        }
        add("-machine", m.rendered)
        if caps.has(.accel) { add("-accel", accelerator) }
    }

    /// `-cpu` when the XML asks for a model, features or Hyper-V enlightenments.
    mutating func addCPU() throws(Diagnostic) {
        let cpu = domain.cpu
        let hyperv = domain.features?.hyperv
        let kvmclockOff = domain.clock?.timer("kvmclock")?.present == .no
        let hvCrash = devices.panics.contains { $0.model == "hyperv" }
        let pmuOff = domain.features?.pmu?.state == .off
        let features = cpu?.features ?? []
        guard cpu?.mode != nil || cpu?.model?.name != nil || !features.isEmpty || hyperv != nil || kvmclockOff
            || hvCrash || pmuOff
        else { return }
        let model = cpu?.mode.flatMap { QemuVocabulary.cpuModel(for: $0, kvm: domain.type == .kvm) }
            ?? cpu?.model?.name ?? QemuVocabulary.defaultCPUModel(arch: arch)
        var list = QemuOptionList()
        list.append(nil, try checked(model, "CPU model", line: cpu?.line ?? domain.line))
        func flag(_ name: String, _ on: Bool) {
            if syntax.onOffSwitches { list.append(name, on ? "on" : "off") } else { list.append(flag: (on ? "+" : "-") + name) }
        }
        for f in features {
            guard let name = f.name else { continue }
            switch f.policy ?? "require" {
            case "require", "force": flag(try checked(name, "CPU feature", line: f.line), true)
            case "disable", "forbid": flag(try checked(name, "CPU feature", line: f.line), false)
            default: break  // optional: the model decides
            }
        }
        if kvmclockOff { flag("kvmclock", false) }
        if pmuOff { flag("pmu", false) }
        let sep = syntax.hypervDashedNames ? "-" : "_"
        if let hv = hyperv {
            for (name, field) in HypervSwitches.all where hv[keyPath: field]?.state == .on {
                if syntax.onOffSwitches { list.append("hv" + sep + name, "on") } else { list.append(flag: "hv" + sep + name) }
            }
            if let spin = hv.spinlocks, spin.state == .on {
                list.append("hv\(sep)spinlocks", "0x" + String(spin.retries ?? 0x1fff, radix: 16))
            }
        }
        if hvCrash {
            if syntax.onOffSwitches { list.append("hv\(sep)crash", "on") } else { list.append(flag: "hv\(sep)crash") }
        }
        // Naming QEMU's own default model with nothing else to say is the same guest as no
        // -cpu at all, and that is how the command line reads back.
        let qemuDefault = arch == "x86_64" ? "qemu64" : arch == "i686" ? "qemu32" : nil
        if list.items.count == 1, model == qemuDefault { return }
        add("-cpu", list.rendered)
    }

    mutating func addMemory() throws(Diagnostic) {
        let kib = domain.memory?.kibibytes ?? 0
        if syntax.explicitSizes || domain.maxMemory != nil {
            var m = QemuOptionList()
            m.append("size", "\(kib)k")
            if let max = domain.maxMemory, let maxKiB = max.kibibytes {
                m.append("slots", String(max.slots ?? 0))
                m.append("maxmem", "\(maxKiB)k")
            }
            add("-m", m.rendered)
        } else {
            add("-m", String(kib / 1024))
        }
        if domain.memoryBacking?.hugepages != nil { add("-mem-path", "/dev/hugepages") }
        if domain.memoryBacking?.locked == true && syntax.memoryLocking { add("-overcommit", "mem-lock=on") }
        warnIfMemoryCannotBeLocked()
    }

    /// -realtime mlock came with QEMU 1.6 (and -overcommit mem-lock after it): the older
    /// dialects cannot lock guest memory.
    mutating func warnIfMemoryCannotBeLocked() {
        guard let backing = domain.memoryBacking, backing.locked, !syntax.memoryLocking else { return }
        warnings.append(
            "line \(backing.line): element locked: <memoryBacking><locked/> is not supported by QEMU \(caps.version); guest memory is not locked")
    }

    /// The moment a clock with offset='variable' or 'absolute' starts from (seconds since
    /// the epoch), nil for the others.
    func clockStart(_ clock: Clock) throws(Diagnostic) -> Int? {
        switch clock.offset {
        case .variable?:
            guard let adjustment = Int(clock.adjustment ?? "0") else {
                throw fail("clock adjustment '\(clock.adjustment ?? "")' is not a number of seconds", line: clock.line, element: "clock")
            }
            return startTime + adjustment + (clock.basis == "localtime" ? RTCBase.localOffset(at: startTime) : 0)
        case .absolute?:
            guard let start = Int(clock.start ?? "") else {
                throw fail("clock start '\(clock.start ?? "")' is not a time in seconds", line: clock.line, element: "clock")
            }
            return start
        default: return nil
        }
    }

    /// A dialect without -rtc starts every clock from the host's.
    mutating func warnIfClockStartIsLost() throws(Diagnostic) {
        guard let clock = domain.clock, !caps.has(.rtc), try clockStart(clock) != nil else { return }
        let host = clock.effectiveOffset == .localtime ? "local time" : "UTC"
        warnings.append(
            "line \(clock.line): element clock: offset='\(clock.offset?.xmlValue ?? "")' is not supported by QEMU \(caps.version) (no -rtc); the guest clock starts at the host's \(host)")
    }

    /// Guest NUMA cells: a RAM backend per cell, then `-numa node` and `-numa dist`.
    mutating func addNUMA() throws(Diagnostic) {
        guard let cells = domain.cpu?.numa?.cells, !cells.isEmpty else { return }
        for (i, cell) in cells.enumerated() {
            let id = Int(cell.id ?? UInt(i))
            guard let kib = cell.kibibytes else {
                throw fail("NUMA cell without memory size", line: cell.line, element: "cell")
            }
            var node = QemuOptionList()
            node.append(flag: "node")
            node.append("nodeid", String(id))
            if let cpus = cell.cpus {
                for range in cpus.split(separator: ",") { node.append("cpus", String(range)) }
            }
            if caps.has(.memoryBackend) {
                args.append("-object")
                args.append(
                    renderObject([
                        ("qom-type", .string("memory-backend-ram")), ("id", .string("ram-node\(id)")),
                        ("size", .int(Int(kib) * 1024)),
                    ]))
                node.append("memdev", "ram-node\(id)")
            } else {
                node.append("mem", String(kib / 1024))
            }
            add("-numa", node.rendered)
        }
        for (i, cell) in cells.enumerated() {
            for sib in cell.distances?.siblings ?? [] {
                guard let dst = sib.id, let val = sib.value else { continue }
                add("-numa", "dist,src=\(cell.id ?? UInt(i)),dst=\(dst),val=\(val)")
            }
        }
    }

    mutating func addMonitor() {
        if let launch {
            var c = QemuOptionList()
            c.append(flag: "socket")
            c.append("id", "charmonitor")
            c.append("path", launch.qmpSocket)
            if syntax.onOffSwitches {
                c.append("server", "on")
                c.append("wait", "off")
            } else {
                c.append(flag: "server")
                c.append(flag: "nowait")
            }
            add("-chardev", c.rendered)
            add("-mon", "chardev=charmonitor,id=monitor,mode=control")
            for (i, path) in launch.extraMonitors.enumerated() {
                var m = QemuOptionList()
                m.append(flag: "socket")
                m.append("id", "charmonitor\(i + 1)")
                m.append("path", path)
                m.append("server", "on")
                m.append("wait", "off")
                add("-chardev", m.rendered)
                add("-mon", "chardev=charmonitor\(i + 1),id=monitor\(i + 1),mode=control")
            }
        } else if syntax.ptyMonitorChardev {
            add("-chardev", "pty,id=charmonitor")
            add("-mon", "chardev=charmonitor,id=monitor,mode=readline")
        }
    }

    mutating func addClock() throws(Diagnostic) {
        guard let clock = domain.clock else {
            if caps.has(.rtc) { add("-rtc", "base=utc") }
            return
        }
        var base = clock.effectiveOffset == .localtime || clock.offset == .timezone ? "localtime" : "utc"
        // A clock that starts from a chosen moment: the start time plus the adjustment
        // (on top of the host's local offset with basis='localtime'), or an absolute time.
        if let moment = try clockStart(clock), caps.has(.rtc) { base = RTCBase.format(moment) }
        try warnIfClockStartIsLost()
        if caps.has(.rtc) {
            var rtc = QemuOptionList()
            rtc.append("base", base)
            if clock.timer("rtc")?.tickpolicy == "catchup" { rtc.append("driftfix", "slew") }
            add("-rtc", rtc.rendered)
        } else if base == "localtime" {
            add("-localtime")
        }
    }

    mutating func addPowerManagement() {
        guard isX86, let pm = domain.pm else { return }
        let device = isQ35 ? "ICH9-LPC" : "PIIX4_PM"
        if let s3 = pm.suspendToMem?.enabled?.bool { add("-global", "\(device).disable_s3=\(s3 ? 0 : 1)") }
        if let s4 = pm.suspendToDisk?.enabled?.bool { add("-global", "\(device).disable_s4=\(s4 ? 0 : 1)") }
    }

    /// `-boot`, and the bootindex each device will get when the dialect has them.
    mutating func addBoot() throws(Diagnostic) {
        let menu = domain.os?.bootmenu?.unknown.attributes.first { $0.name == "enable" }?.value
        let timeout = domain.os?.bios?.rebootTimeout
        if hasKernel {
            try addKernel()
        }
        var b = QemuOptionList()
        // bootindex needs a device of each class to hang on; a boot list naming a class the
        // guest has no device of (network boot without a NIC) stays a -boot order.
        let explicit = devices.disks.contains { $0.boot != nil } || devices.interfaces.contains { $0.boot != nil }
        let bootable = bootList.allSatisfy(hasDevice(for:))
        if caps.has(.bootindex) && (explicit || bootable) {
            if !explicit {
                for (i, dev) in bootList.enumerated() where bootIndexes[dev] == nil {
                    bootIndexes[dev] = i + 1
                }
            }
            b.append("strict", "on")
        } else if !hasKernel {
            b.append("order", bootLetters)
        }
        if menu == "yes" { b.append("menu", "on") }
        if let timeout { b.append("reboot-timeout", String(timeout)) }
        if !b.items.isEmpty { add("-boot", b.rendered) }
    }

    func hasDevice(for boot: BootDevice) -> Bool {
        switch boot {
        case .network: !devices.interfaces.isEmpty
        case .cdrom: devices.disks.contains { $0.effectiveDevice == .cdrom }
        case .fd: devices.disks.contains { $0.effectiveDevice == .floppy }
        case .hd: devices.disks.contains { $0.effectiveDevice == .disk || $0.effectiveDevice == .lun }
        case .other: false
        }
    }

    /// UEFI/pflash loaders and their variable stores; a ROM loader is a BIOS image.
    mutating func addFirmware() throws(Diagnostic) {
        guard let loader = domain.os?.loader, let path = loader.path else { return }
        let file = try checked(path, "loader path", line: loader.line)
        if loader.type == "pflash" {
            var d = QemuOptionList()
            d.append("if", "pflash")
            d.append("format", loader.format ?? "raw")
            d.append("unit", "0")
            if loader.readonly == .yes { d.append("readonly", "on") }
            d.append("file", file)
            add("-drive", d.rendered)
            if let nvram = domain.os?.nvram, let vars = nvram.unknown.children.compactMap({ n -> String? in
                if case .text(let t) = n { return t.trimmingCharacters() } else { return nil }
            }).first {
                var v = QemuOptionList()
                v.append("if", "pflash")
                v.append("format", "raw")
                v.append("unit", "1")
                v.append("file", try checked(vars, "nvram path", line: nvram.line))
                add("-drive", v.rendered)
            }
        } else if domain.type != .xen {
            add("-bios", file)
        }
    }
}

extension String {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
