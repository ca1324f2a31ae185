import Schema

/// Reads a xend domain S-expression (`(domain (domid 3)(name 'fvtest')(image (hvm …))…)`)
/// into a domain, the way libvirt's xend driver interpreted it.
struct XenSexprReader {
    let fileName: String
    /// xend_config_format of the host that produced the text (see `XenSexprFormat`).
    let configVersion: Int
    let style = XenXMLStyle(blktapAioType: "aio")

    func fail(_ node: SExpr, _ message: String) -> Diagnostic {
        Diagnostic(file: fileName, line: max(node.line, 1), message: message)
    }

    func read(_ text: String) throws(Diagnostic) -> Conversion {
        var parser = SExprParser(text, fileName: fileName)
        let root = try parser.document()
        // xend answers with (domain …); the creation form libvirt sends is (vm …).
        guard root.head == "domain" || root.head == "vm" else {
            throw fail(root, "expected a (domain …) S-expression")
        }
        var warnings = parser.warnings
        var d = Domain()
        d.type = .xen

        var id = -1
        if let node = root.child("domid") {
            guard let v = node.value, let n = Int(v) else { throw fail(node, "invalid domid") }
            id = n
            d.id = n
        }

        guard let name = root.value(at: "name") else {
            throw fail(root, "domain information incomplete, missing name")
        }
        d.name = name
        guard let uuidNode = root.child("uuid"), let raw = uuidNode.value else {
            throw fail(root, "domain information incomplete, missing uuid")
        }
        guard let uuid = UUIDValue(xmlValue: raw) else {
            throw fail(uuidNode, "invalid uuid '\(raw)'")
        }
        d.uuid = uuid
        d.description = root.value(at: "description")

        let image = root.child("image")
        let hvmImage = image?.child("hvm")
        let hvm = hvmImage != nil
        let osImage = hvmImage ?? image?.child("linux")

        var os = OS()
        os.type = OSType(hvm ? "hvm" : "linux")
        if !hvm {
            if let node = root.child("bootloader") {
                d.bootloader = node.value ?? ""
                d.bootloaderArgs = root.value(at: "bootloader_args")
            }
        }
        if id != 0, let osImage {
            try readOS(osImage, hvm: hvm, bootloader: d.bootloader, into: &os)
        }
        d.os = os

        try readMemory(root, into: &d)
        try readVCPUs(root, into: &d)
        d.onPoweroff = try lifecycle(root, "on_poweroff", default: .destroy)
        d.onReboot = try lifecycle(root, "on_reboot", default: .restart)
        d.onCrash = try lifecycle(root, "on_crash", default: .destroy)

        if let hvmImage { d.features = features(hvmImage) }
        d.clock = try clock(root, image: osImage, hvm: hvm)

        var devices = Devices()
        devices.emulator = osImage?.value(at: "device_model")
        try readDisks(root, hvm: hvm, hvmImage: hvmImage, into: &devices)
        try readInterfaces(root, domainID: id, into: &devices)
        try readPCI(root, into: &devices)
        if let g = try vfbGraphics(root) {
            devices.graphics = [g]
        } else if let osImage, let g = try imageGraphics(osImage, domainID: id) {
            devices.graphics = [g]
        }
        if let hvmImage { try readUSB(hvmImage, into: &devices, warnings: &warnings) }
        if !devices.graphics.isEmpty { style.addImplicitInputs(&devices, hvm: hvm) }
        if let hvmImage {
            try readCharDevices(hvmImage, into: &devices)
            if let node = hvmImage.child("soundhw"), let list = node.value, !list.isEmpty {
                switch XenDevices.sounds(list) {
                case .success(let s): devices.sounds = s
                case .failure(let e): throw fail(node, e.message)
                }
            }
        } else if id != 0 {
            devices.consoles = [XenDevices.pvConsole()]
        }
        d.devices = devices
        return Conversion(domain: d, warnings: warnings)
    }

    // MARK: OS

    private func readOS(_ image: SExpr, hvm: Bool, bootloader: String?, into os: inout OS)
        throws(Diagnostic)
    {
        if hvm {
            // Old xend named the firmware `kernel`; newer ones say `loader` and keep
            // `kernel` for direct kernel boot.
            if let loader = image.value(at: "loader") {
                os.loader = Loader(path: loader)
                os.kernel = image.value(at: "kernel")
                os.initrd = image.value(at: "ramdisk")
                os.cmdline = image.value(at: "args")
                os.root = image.value(at: "root")
            } else if let kernel = image.value(at: "kernel") {
                os.loader = Loader(path: kernel)
            } else {
                throw fail(image, "domain information incomplete, missing HVM loader")
            }
            if let k = os.kernel, k.isEmpty || k == os.loader?.path { os.kernel = nil }
            if os.kernel == nil, let boot = image.value(at: "boot"), !boot.isEmpty {
                os.boots = XenDevices.bootDevices(boot)
            }
        } else {
            os.kernel = image.value(at: "kernel")
            os.initrd = image.value(at: "ramdisk")
            os.cmdline = image.value(at: "args")
            os.root = image.value(at: "root")
            if os.kernel == nil && bootloader == nil {
                throw fail(image, "domain information incomplete, missing kernel & bootloader")
            }
        }
    }

    // MARK: Scalars

    private func number(_ node: SExpr, _ what: String) throws(Diagnostic) -> UInt64 {
        guard let v = node.value, let n = UInt64(v) else {
            throw fail(node, "invalid \(what) '\(node.value ?? "")'")
        }
        return n
    }

    private func readMemory(_ root: SExpr, into d: inout Domain) throws(Diagnostic) {
        let memoryNode = root.child("memory")
        let maxNode = root.child("maxmem")
        let current = try memoryNode.map { n throws(Diagnostic) in try number(n, "memory") }
        let maximum = try maxNode.map { n throws(Diagnostic) in try number(n, "maxmem") }
        guard let total = maximum ?? current else { return }
        let cur = min(current ?? total, total)
        guard let totalKiB = XenNumbers.kibibytes(mebibytes: total) else {
            throw fail((maxNode ?? memoryNode)!, "memory size \(total) MiB is too large")
        }
        d.memory = MemorySize(kibibytes: totalKiB)
        d.currentMemory = MemorySize(kibibytes: cur << 10)
    }

    private func readVCPUs(_ root: SExpr, into d: inout Domain) throws(Diagnostic) {
        var count: UInt64 = 1
        if let node = root.child("vcpus") { count = try number(node, "vcpus") }
        var current: UInt?
        if let node = root.child("vcpu_avail") {
            let bits = UInt(try number(node, "vcpu_avail").nonzeroBitCount)
            if bits > 0 && bits <= count { current = bits }
        }
        d.vcpu = style.vcpu(max: UInt(count), current: current, cpuset: root.value(at: "cpus"))
    }

    private func lifecycle(_ root: SExpr, _ name: String, default value: LifecycleAction)
        throws(Diagnostic) -> LifecycleAction
    {
        guard let node = root.child(name), let v = node.value else { return value }
        let action = LifecycleAction(xmlValue: v)
        guard action.isKnown else { throw fail(node, "unknown lifecycle type \(v)") }
        return action
    }

    private func flag(_ image: SExpr, _ name: String) -> Bool {
        guard let v = image.value(at: name), let n = Int(v) else { return false }
        return n != 0
    }

    private func features(_ image: SExpr) -> Features? {
        var f = Features()
        if flag(image, "acpi") { f.acpi = FeatureSwitch() }
        if flag(image, "apic") { f.apic = FeatureSwitch() }
        if flag(image, "pae") { f.pae = FeatureSwitch() }
        if flag(image, "hap") { f.hap = FeatureSwitch() }
        if flag(image, "viridian") { f.viridian = FeatureSwitch() }
        return f == Features() ? nil : f
    }

    private func clock(_ root: SExpr, image: SExpr?, hvm: Bool) throws(Diagnostic) -> Clock {
        // xend 3.0.3 added a top-level `localtime`; the image's own setting wins.
        var localtime = false
        for node in [root.child("localtime"), image?.child("localtime")].compactMap({ $0 }) {
            guard let v = node.value, let n = Int(v) else {
                throw fail(node, "unknown localtime offset \(node.value ?? "")")
            }
            localtime = n != 0
        }
        let offset = image.flatMap { Int($0.value(at: "rtc_timeoffset") ?? "") } ?? 0
        var c = style.clock(hvm: hvm, localtime: localtime, rtcOffset: offset)
        if hvm, let hpet = image?.child("hpet") {
            c.timers = [Clock.Timer(name: "hpet", present: Int(hpet.value ?? "") ?? 0 != 0)]
        }
        return c
    }
}
