import Schema

extension ArgvParse {
    /// One option and its value. Process plumbing (monitor, pidfile, daemonize…) is consumed
    /// quietly: it describes how a guest is run, not what it is.
    mutating func handle(_ option: String, line: Int) throws(Diagnostic) {
        switch option {
        // Process plumbing, nothing to do with the guest definition.
        case "-S", "-nodefaults", "-no-user-config", "-nodefconfig", "-daemonize", "-no-shutdown", "-no-kqemu",
            "-snapshot", "-no-quit", "-full-screen", "-enable-fips":
            return
        case "-overcommit", "-realtime":
            // mem-lock=on (mlock=on before QEMU 3.1) is what <memoryBacking><locked/> writes;
            // anything else these carry has no domain XML equivalent and is kept.
            let raw = try value(for: option)
            let v = QemuOptionList(parsing: raw)
            var other = false
            for item in v.items {
                switch (item.key, item.value) {
                case ("mem-lock", "on"), ("mlock", "on"):
                    var backing = domain.memoryBacking ?? MemoryBacking()
                    backing.locked = true
                    domain.memoryBacking = backing
                case ("mem-lock", "off"), ("mlock", "off"): break
                default: other = true
                }
            }
            if other { keep(option, raw) }
            return
        case "-fw_cfg":
            // Firmware config blobs: libvirt's <sysinfo type='fwcfg'> is not in our model.
            keep(option, try value(for: option))
            return
        case "-monitor", "-mon", "-qmp", "-pidfile", "-D", "-d", "-sandbox", "-msg", "-incoming",
            "-runas", "-chroot", "-serial-mon", "-audiodev", "-trace", "-L", "-name-tag", "-loadvm", "-action",
            "-watchdog-action", "-device-help", "-add-fd", "-qmp-pretty", "-object-help":
            let v = try value(for: option)
            if option == "-watchdog-action" || option == "-action" { applyWatchdogAction(v, option: option) }
            if option == "-object-help" { keep(option, v) }
            return
        case "-enable-kvm":
            domain.type = .kvm
        case "-no-kvm":
            domain.type = .qemu
        case "-accel":
            let v = QemuOptionList(parsing: try value(for: option))
            accel = v.value("accel") ?? v.firstBare
            if accel == "kvm" { domain.type = .kvm } else if accel == "tcg" { domain.type = .qemu }
        case "-name":
            // QEMU ≥ 0.12 reads `name[,process=…]` (commas doubled); before, the whole word.
            let raw = try value(for: option)
            let v = QemuOptionList(parsing: raw)
            let keyed = v.items.dropFirst().allSatisfy { $0.key != nil } || v.value("guest") != nil
            domain.name = keyed ? (v.value("guest") ?? v.firstBare) : raw
        case "-uuid":
            let v = try value(for: option)
            guard let u = UUIDValue(xmlValue: v) else { throw fail("-uuid \(v) is not a UUID", at: line) }
            domain.uuid = u
        case "-domid":
            let v = try value(for: option)
            domain.id = Int(v)
        case "-m":
            try readMemory(try value(for: option), line: line)
        case "-smp":
            try readSMP(try value(for: option), line: line)
        case "-M":
            try readMachine(try value(for: option))
        case "-machine":
            try readMachine(try value(for: option))
        case "-cpu":
            readCPU(try value(for: option))
        case "-boot":
            readBoot(try value(for: option))
        case "-kernel": osBlock.kernel = try value(for: option)
        case "-initrd": osBlock.initrd = try value(for: option)
        case "-append": osBlock.cmdline = try value(for: option)
        case "-dtb": osBlock.dtb = try value(for: option)
        case "-bios":
            osBlock.loader = Loader(path: try value(for: option))
        case "-bootloader":
            domain.bootloader = try value(for: option)
        case "-no-acpi":
            noACPI = true
        case "-no-reboot":
            domain.onReboot = .destroy
        case "-localtime":
            domain.clock = Clock(offset: .localtime)
        case "-rtc":
            readRTC(try value(for: option))
        case "-no-hpet":
            var clock = domain.clock ?? Clock(offset: .utc)
            clock.timers.append(Clock.Timer(name: "hpet", present: false))
            domain.clock = clock
        case "-global":
            try readGlobal(try value(for: option), line: line)
        case "-hda", "-hdb", "-hdc", "-hdd":
            let idx = Int(option.last!.asciiValue! - Character("a").asciiValue!)
            addLegacyDisk(try value(for: option), iface: "ide", index: idx, media: nil)
        case "-cdrom":
            addLegacyDisk(try value(for: option), iface: "ide", index: 2, media: "cdrom")
        case "-fda", "-fdb":
            addLegacyDisk(try value(for: option), iface: "floppy", index: option == "-fda" ? 0 : 1, media: nil)
        case "-drive":
            try readDrive(try value(for: option), line: line)
        case "-blockdev":
            try readBlockdev(try value(for: option), line: line)
        case "-net":
            try readLegacyNet(try value(for: option), line: line)
        case "-netdev":
            try readNetdev(try value(for: option), line: line)
        case "-nic":
            try readNIC(try value(for: option), line: line)
        case "-chardev":
            try readChardev(try value(for: option), line: line)
        case "-serial":
            if let c = try legacyPort(try value(for: option), index: serials.count, line: line) { serials.append(c) }
        case "-parallel":
            if let c = try legacyPort(try value(for: option), index: parallels.count, line: line) {
                parallels.append(c)
            }
        case "-nographic":
            nographic = true
        case "-display":
            readDisplay(try value(for: option), line: line)
        case "-sdl":
            sawSDL = true
        case "-vnc":
            try readVNC(try value(for: option), line: line)
        case "-spice":
            try readSpice(try value(for: option))
        case "-k":
            keymap = try value(for: option)
        case "-vga":
            vgaModel = try value(for: option)
        case "-usb":
            break  // libvirt gives every PC a USB controller anyway
        case "-usbdevice":
            try readUSBDevice(try value(for: option), line: line)
        case "-soundhw":
            for model in try value(for: option).split(separator: ",") {
                if model == "all" {
                    for m: SoundModel in [.sb16, .es1370, .ac97, .pcspk] { deviceList.sounds.append(Sound(model: m)) }
                } else {
                    deviceList.sounds.append(Sound(model: model == "hda" ? .ich6 : SoundModel(xmlValue: String(model))))
                }
            }
        case "-balloon":
            let v = try value(for: option)
            deviceList.memballoon = MemBalloon(model: v.hasPrefix("virtio") ? "virtio" : "none")
        case "-watchdog":
            var w = Watchdog()
            w.model = try value(for: option).lowercased()
            deviceList.watchdogs.append(w)
        case "-pcidevice":
            try readPCIDevice(try value(for: option), line: line)
        case "-device":
            try readDevice(try value(for: option), line: line)
        case "-object":
            readObject(try value(for: option))
        case "-numa":
            try readNUMA(try value(for: option), line: line)
        case "-fsdev":
            let o = QemuOptionList(parsing: try value(for: option))
            if let id = o.value("id") { fsdevs[id] = o } else { keep(option, o.rendered) }
        case "-mem-path":
            _ = try value(for: option)
            var mb = domain.memoryBacking ?? MemoryBacking()
            mb.hugepages = OpaqueElement()
            domain.memoryBacking = mb
        case "-mem-prealloc":
            break
        default:
            // Unknown: keep it, with its value when the next word is not an option.
            var v: String?
            if position < words.count, !words[position].text.hasPrefix("-") || words[position].text == "-" {
                v = words[position].text
                position += 1
            }
            keep(option, v)
        }
    }

    var osBlock: OS {
        get { domain.os ?? OS() }
        set { domain.os = newValue }
    }

    var deviceList: Devices {
        get { domain.devices ?? Devices() }
        set { domain.devices = newValue }
    }

    var keymap: String? {
        get { pendingKeymap }
        set { pendingKeymap = newValue }
    }

    /// `-serial`/`-parallel SPEC`: the port numbered `index`, nil for `none`.
    mutating func legacyPort(_ spec: String, index: Int, line: Int) throws(Diagnostic) -> CharDevice? {
        guard spec != "none", let e = try charEndpoint(legacy: spec, line: line) else { return nil }
        var c = CharDevice(endpoint: e)
        c.target = CharTarget(port: UInt(index))
        return c
    }

    /// Sizes in MiB unless suffixed (k, M, G, T), as QEMU reads `-m`.
    func kibibytes(_ text: String, defaultUnit: UInt64 = 1024) -> UInt64? {
        var digits = text
        var scale = defaultUnit
        if let last = digits.last, last.isLetter {
            digits.removeLast()
            switch last {
            case "k", "K": scale = 1
            case "m", "M": scale = 1024
            case "g", "G": scale = 1024 * 1024
            case "t", "T": scale = 1024 * 1024 * 1024
            case "b", "B":
                guard let bytes = UInt64(digits) else { return nil }
                return bytes / 1024
            default: return nil
            }
        }
        guard let n = UInt64(digits) else { return nil }
        let (kib, overflow) = n.multipliedReportingOverflow(by: scale)
        return overflow ? nil : kib
    }

    mutating func readMemory(_ text: String, line: Int) throws(Diagnostic) {
        let opts = QemuOptionList(parsing: text)
        guard let size = opts.value("size") ?? opts.firstBare, let kib = kibibytes(size) else {
            throw fail("-m \(text): cannot read the memory size", at: line)
        }
        let dumpCore = domain.memory?.dumpCore
        domain.memory = MemorySize(kibibytes: kib)
        domain.memory?.dumpCore = dumpCore
        domain.currentMemory = MemorySize(kibibytes: kib)
        if let maxmem = opts.value("maxmem"), let maxKiB = kibibytes(maxmem) {
            var m = MaxMemory()
            m.value = maxKiB
            m.unit = .KiB
            m.slots = try unsignedCount(opts.value("slots"), "slots")
            domain.maxMemory = m
        }
    }

    mutating func readSMP(_ text: String, line: Int) throws(Diagnostic) {
        let opts = QemuOptionList(parsing: text)
        let cpus = (opts.value("cpus") ?? opts.firstBare).flatMap { UInt($0) }
        var topology = CPUTopology()
        topology.sockets = try unsignedCount(opts.value("sockets"), "sockets")
        topology.dies = try unsignedCount(opts.value("dies"), "dies")
        topology.cores = try unsignedCount(opts.value("cores"), "cores")
        topology.threads = try unsignedCount(opts.value("threads"), "threads")
        let fromTopology = [topology.sockets, topology.dies ?? 1, topology.cores, topology.threads]
            .compactMap { $0 }.reduce(1, *)
        let maxcpus = try unsignedCount(opts.value("maxcpus"), "maxcpus")
        guard let count = maxcpus ?? cpus ?? (topology.sockets != nil ? fromTopology : nil) else {
            throw fail("-smp \(text): cannot read the CPU count", at: line)
        }
        var vcpu = VCPUs(count)
        vcpu.placement = "static"
        if let cpus, cpus < count { vcpu.current = cpus }
        domain.vcpu = vcpu
        if topology.sockets != nil || topology.cores != nil || topology.threads != nil {
            var cpu = domain.cpu ?? CPU()
            cpu.topology = topology
            domain.cpu = cpu
        }
    }

    mutating func readMachine(_ text: String) throws(Diagnostic) {
        let opts = QemuOptionList(parsing: text)
        if let type = opts.value("type") ?? opts.firstBare { explicitMachine = type }
        for item in opts.items where item.key != nil {
            let v = item.value
            switch item.key! {
            case "accel":
                accel = v.split(separator: ":").first.map(String.init)
                if accel == "kvm" { domain.type = .kvm } else if accel == "tcg" { domain.type = .qemu }
            case "dump-guest-core":
                var mem = domain.memory ?? MemorySize()
                mem.dumpCore = OnOff(xmlValue: v)
                domain.memory = mem
            case "mem-merge":
                if v == "off" {
                    var mb = domain.memoryBacking ?? MemoryBacking()
                    mb.nosharepages = true
                    domain.memoryBacking = mb
                }
            case "aes-key-wrap", "dea-key-wrap":
                var kw = domain.keywrap ?? KeyWrap()
                kw.ciphers.append(KeyWrap.Cipher(name: String(item.key!.prefix(3)), state: OnOff(xmlValue: v)))
                domain.keywrap = kw
            case "acpi":
                if v == "off" { noACPI = true }
            case "hpet":
                if v == "off" {
                    var clock = domain.clock ?? Clock(offset: .utc)
                    clock.timers.append(Clock.Timer(name: "hpet", present: false))
                    domain.clock = clock
                }
            case "vmport":
                var f = domain.features ?? Features()
                f.vmport = FeatureSwitch(state: OnOff(xmlValue: v))
                domain.features = f
            case "smm":
                var f = domain.features ?? Features()
                f.smm = FeatureSwitch(state: OnOff(xmlValue: v))
                domain.features = f
            case "gic-version":
                var f = domain.features ?? Features()
                var g = GICFeature()
                g.version = v
                f.gic = g
                domain.features = f
            case "pcspk-audiodev":
                deviceList.sounds.append(Sound(model: .pcspk))
            case "usb", "memory-backend", "kernel_irqchip", "kernel-irqchip", "graphics",
                "vmport-fix", "pflash0", "pflash1", "confidential-guest-support", "suppress-vmdesc", "nvdimm":
                continue
            default:
                keep("-machine", "\(item.key!)=\(v)")
            }
        }
    }

    /// `-cpu model,+flag,-flag,hv_relaxed,hv_spinlocks=0x2fff,kvmclock=off…`.
    mutating func readCPU(_ text: String) {
        let opts = QemuOptionList(parsing: text)
        guard let model = opts.firstBare else { return }
        var cpu = domain.cpu ?? CPU()
        switch model {
        case _ where QemuVocabulary.cpuMode(forModel: model) != nil: cpu.mode = QemuVocabulary.cpuMode(forModel: model)
        case _ where QemuVocabulary.defaultCPUModels.contains(model): break  // QEMU's default: nothing to say
        default:
            cpu.mode = .custom
            cpu.match = "exact"
            var m = CPUModel()
            m.name = model
            m.fallback = "forbid"
            cpu.model = m
        }
        cpuModel = model
        var hyperv = domain.features?.hyperv
        for item in opts.items.dropFirst() {
            var name = item.key ?? item.value
            var on = true
            if item.key == nil {
                if name.hasPrefix("+") { name.removeFirst() } else if name.hasPrefix("-") {
                    name.removeFirst()
                    on = false
                }
            } else if ["off", "false", "no"].contains(item.value) {
                on = false
            }
            let hvName = name.hasPrefix("hv_") || name.hasPrefix("hv-") ? String(name.dropFirst(3)) : nil
            if let hv = hvName {
                if hv == "crash" {
                    deviceList.panics.append(Panic(model: "hyperv"))
                    continue
                }
                var h = hyperv ?? HypervFeatures()
                let state = FeatureSwitch(state: on ? .on : .off)
                if let field = HypervSwitches.all.first(where: { $0.name == hv })?.field {
                    h[keyPath: field] = state
                    hyperv = h
                    continue
                }
                switch hv {
                case "spinlocks":
                    var s = HypervFeatures.Spinlocks()
                    s.state = .on
                    let v = item.value
                    s.retries = v.hasPrefix("0x") ? UInt(v.dropFirst(2), radix: 16) : UInt(v)
                    h.spinlocks = s
                default:
                    cpu.features.append(CPUFeature(policy: on ? "require" : "disable", name: name))
                }
                hyperv = h
                continue
            }
            switch name {
            case "kvmclock":
                var clock = domain.clock ?? Clock(offset: .utc)
                clock.timers.append(Clock.Timer(name: "kvmclock", present: on))
                domain.clock = clock
            case "pmu":
                var f = domain.features ?? Features()
                f.pmu = FeatureSwitch(state: on ? .on : .off)
                domain.features = f
            case "kvm":
                if !on {
                    var f = domain.features ?? Features()
                    var k = OpaqueElement()
                    var hidden = XMLElement("hidden")
                    hidden.attributes = [XMLAttribute("state", "on")]
                    k.unknown.children = [.element(hidden)]
                    f.kvm = k
                    domain.features = f
                }
            default:
                cpu.features.append(CPUFeature(policy: on ? "require" : "disable", name: name))
            }
        }
        if let hyperv {
            var f = domain.features ?? Features()
            f.hyperv = hyperv
            domain.features = f
        }
        if cpu.mode != nil || !cpu.features.isEmpty || cpu.topology != nil {
            if cpu.mode == nil && !cpu.features.isEmpty {
                cpu.mode = .custom
                cpu.match = "exact"
                var m = CPUModel()
                m.name = model
                m.fallback = "allow"
                cpu.model = m
            }
            domain.cpu = cpu
        }
    }

    /// `-boot c`, `-boot order=cd,menu=on,reboot-timeout=0`.
    mutating func readBoot(_ text: String) {
        let opts = QemuOptionList(parsing: text)
        if let order = opts.value("order") ?? opts.value("once") ?? opts.firstBare {
            bootLetters = order
        }
        if let menu = opts.value("menu") {
            var e = OpaqueElement()
            e.unknown.attributes = [XMLAttribute("enable", menu == "on" ? "yes" : "no")]
            osBlock.bootmenu = e
        }
        if let t = opts.value("reboot-timeout"), let v = Int(t) {
            var bios = osBlock.bios ?? BIOS()
            bios.rebootTimeout = v
            osBlock.bios = bios
        }
    }

    mutating func readRTC(_ text: String) {
        let opts = QemuOptionList(parsing: text)
        var clock = domain.clock ?? Clock(offset: .utc)
        switch opts.value("base") ?? opts.firstBare {
        case "localtime"?: clock.offset = .localtime
        case "utc"?, nil: clock.offset = .utc
        case let other?:
            // A start moment: libvirt's spelling of offset='variable', the adjustment being
            // how far it is from the moment the guest starts.
            clock.offset = .variable
            clock.basis = "utc"
            if let moment = RTCBase.parse(other) {
                clock.adjustment = String(moment - startTime)
            } else {
                warnings.append("-rtc base=\(other) is not a date QEMU reads; the clock becomes offset='variable' from now")
            }
        }
        if opts.value("driftfix") == "slew" {
            var t = Clock.Timer()
            t.name = "rtc"
            t.tickpolicy = "catchup"
            clock.timers.append(t)
        }
        domain.clock = clock
    }

    /// `-global PIIX4_PM.disable_s3=1` and friends.
    mutating func readGlobal(_ text: String, line: Int) throws(Diagnostic) {
        guard let eq = text.firstIndex(of: "=") else { throw fail("-global \(text): expected DRIVER.PROP=VALUE", at: line) }
        let key = text[..<eq]
        let v = String(text[text.index(after: eq)...])
        let enabled = v == "0" || v == "off" || v == "false"
        switch key {
        case "PIIX4_PM.disable_s3", "ICH9-LPC.disable_s3":
            var pm = domain.pm ?? PowerManagement()
            pm.suspendToMem = PMSwitch(enabled: enabled)
            domain.pm = pm
        case "PIIX4_PM.disable_s4", "ICH9-LPC.disable_s4":
            var pm = domain.pm ?? PowerManagement()
            pm.suspendToDisk = PMSwitch(enabled: enabled)
            domain.pm = pm
        default:
            keep("-global", text)
        }
    }

    mutating func readNUMA(_ text: String, line: Int) throws(Diagnostic) {
        let opts = QemuOptionList(parsing: text)
        var cpu = domain.cpu ?? CPU()
        var numa = cpu.numa ?? NUMA()
        switch opts.firstBare {
        case "node"?:
            var cell = NUMA.Cell()
            cell.id = try unsignedCount(opts.value("nodeid"), "nodeid") ?? UInt(numa.cells.count)
            let cpus = opts.items.filter { $0.key == "cpus" }.map(\.value)
            if !cpus.isEmpty { cell.cpus = cpus.joined(separator: ",") }
            if let mem = opts.value("mem"), let kib = kibibytes(mem) {
                cell.memory = kib
            } else if let dev = opts.value("memdev"), let kib = memoryBackends[dev] {
                cell.memory = kib
            }
            cell.unit = .KiB
            numa.cells.append(cell)
        case "dist"?:
            guard let src = try unsignedCount(opts.value("src"), "src"), let dst = try unsignedCount(opts.value("dst"), "dst"),
                let val = try unsignedCount(opts.value("val"), "val"),
                let i = numa.cells.firstIndex(where: { $0.id == src })
            else { throw fail("-numa \(text): incomplete distance", at: line) }
            var d = numa.cells[i].distances ?? NUMA.Distances()
            d.siblings.append(NUMA.Sibling(id: dst, value: val))
            numa.cells[i].distances = d
        default:
            keep("-numa", text)
            return
        }
        cpu.numa = numa
        domain.cpu = cpu
    }

    /// `-object`: RNG backends and memory backends are read; others are kept.
    mutating func readObject(_ text: String) {
        let json = QemuJSONObject(parsing: text)
        let opts = QemuOptionList(parsing: text)
        let type = json?.string("qom-type") ?? opts.value("qom-type") ?? opts.firstBare
        let id = json?.string("id") ?? opts.value("id")
        switch type {
        case "rng-random"?:
            if let id { rngObjects[id] = json?.string("filename") ?? opts.value("filename") ?? "/dev/urandom" }
        case "memory-backend-ram"?, "memory-backend-file"?, "memory-backend-memfd"?:
            let size = json?.int("size").map { UInt64($0) / 1024 } ?? opts.value("size").flatMap { kibibytes($0, defaultUnit: 0) }
            if let id, let size { memoryBackends[id] = size }
        case "secret"?, "iothread"?, "tls-creds-x509"?:
            break
        default:
            keep("-object", text)
        }
    }

    mutating func applyWatchdogAction(_ text: String, option: String) {
        let action: String
        if option == "-action" {
            guard text.hasPrefix("watchdog=") else { return }
            action = String(text.dropFirst("watchdog=".count))
        } else {
            action = text
        }
        var d = deviceList
        if !d.watchdogs.isEmpty { d.watchdogs[d.watchdogs.count - 1].action = action }
        deviceList = d
        pendingWatchdogAction = action
    }
}
