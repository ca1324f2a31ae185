import Schema

/// Reads a QEMU command line of any era back into a `Domain`: the `-hda`/`-net nic` one of the
/// seeds, the `-drive if=none` + `-device` one, and today's JSON `-blockdev`/`-device`.
/// Options it cannot map go to `<qemu:commandline>` and are reported, never dropped.
struct QemuArgvParser {
    let fileName: String
    /// The moment the guest would start: a `-rtc base=` time becomes an adjustment from it.
    var startTime = RTCBase.now()

    init(fileName: String) { self.fileName = fileName }

    func parse(_ text: String) throws(Diagnostic) -> Conversion {
        let words = try ShellWords.split(text, fileName: fileName)
        var state = ArgvParse(fileName: fileName)
        state.startTime = startTime
        try state.readPrologue(words)
        try state.readOptions()
        state.finish()
        for disk in state.domain.devices?.disks ?? [] {
            var auth = disk.auth
            if case .network(let net?)? = disk.source, let a = net.auth { auth = a }
            guard let secret = auth?.secret,
                secret.usage == SecretReference.placeholderUsage
            else { continue }
            state.warnings.append(
                SecretReference.warning(disk: disk.target?.dev ?? "?", type: secret.type ?? "ceph"))
        }
        return Conversion(domain: state.domain, warnings: state.warnings)
    }
}

/// Everything read so far. Devices that refer to each other by id (drives, netdevs,
/// chardevs, blockdev nodes) are collected first and resolved in `finish()`.
struct ArgvParse {
    let fileName: String
    var domain = Domain()
    var warnings: [String] = []
    var words: [ShellWords.Word] = []
    var position = 0
    var binary = ""
    var environment: [(String, String)] = []
    var unmapped: [String] = []
    var startTime = RTCBase.now()

    // What options said, resolved at the end.
    var disks: [ParsedDisk] = []
    var drivesByID: [String: Int] = [:]
    var blockNodes: [String: QemuJSONObject] = [:]
    var nics: [ParsedNIC] = []
    var legacyNICs: [(vlan: String, options: QemuOptionList)] = []
    var legacyHosts: [(vlan: String, options: QemuOptionList)] = []
    var netdevs: [String: NetBackend] = [:]
    var chardevs: [String: CharEndpoint] = [:]
    var serials: [CharDevice] = []
    var parallels: [CharDevice] = []
    var nographic = false
    var displayNone = false
    var sawSDL = false
    var vgaModel: String?
    var videos: [Video] = []
    var explicitMachine: String?
    var accel: String?
    var noACPI = false
    var usbControllerModel: ControllerModel?
    var usbControllerAddress: DeviceAddress?
    var controllers: [Controller] = []
    var rngObjects: [String: String] = [:]
    var memoryBackends: [String: UInt64] = [:]
    var bootLetters: String?
    var cpuModel: String?
    var pendingKeymap: String?
    var fsdevs: [String: QemuOptionList] = [:]
    var pendingWatchdogAction: String?
    var graphics: [Graphics] = []

    init(fileName: String) { self.fileName = fileName }

    var line: Int { position < words.count ? words[position].line : (words.last?.line ?? 1) }

    func fail(_ message: String, at line: Int? = nil) -> Diagnostic {
        Diagnostic(file: fileName, line: line ?? self.line, message: message)
    }

    /// A count, index or size from an option (`unit=1`, `bootindex=2`, `cores=4`): decimal,
    /// 0 through 2^31-1. Larger or negative values would wrap or trap in later arithmetic
    /// (`unit=-10`, `vgamem_mb=2^64-1`), so they are refused here, at their line.
    func count(_ text: String?, _ key: String) throws(Diagnostic) -> Int? {
        guard let text else { return nil }
        guard let n = Int(text), n >= 0, n <= Int(Int32.max) else {
            throw fail("\(key)=\(text): want a whole number from 0 to \(Int32.max)")
        }
        return n
    }

    func unsignedCount(_ text: String?, _ key: String) throws(Diagnostic) -> UInt? {
        try count(text, key).map(UInt.init)
    }

    /// Environment assignments, then the emulator. A value with an unquoted space (as in
    /// `CEPH_ARGS=-m mon1:6789,mon2:6789 /usr/bin/qemu`) runs on until the binary.
    mutating func readPrologue(_ all: [ShellWords.Word]) throws(Diagnostic) {
        words = all
        guard !words.isEmpty else { throw fail("empty command line", at: 1) }
        while position < words.count {
            let w = words[position].text
            if let eq = w.firstIndex(of: "="), isEnvName(w[..<eq]) {
                environment.append((String(w[..<eq]), String(w[w.index(after: eq)...])))
                position += 1
            } else if !environment.isEmpty && !looksLikeEmulator(w) && !w.hasPrefix("-")
                && words[(position + 1)...].contains(where: { looksLikeEmulator($0.text) })
            {
                environment[environment.count - 1].1 += " " + w
                position += 1
            } else {
                break
            }
        }
        guard position < words.count else { throw fail("no emulator binary after the environment") }
        let b = words[position].text
        guard looksLikeEmulator(b) else {
            throw fail("'\(b)' is not a QEMU emulator binary (its name holds neither qemu nor kvm)")
        }
        if base(b).hasPrefix("qemu-system-"),
            EmulatorArch.arch(forTarget: String(base(b).dropFirst("qemu-system-".count))) == nil
        {
            throw fail("'\(b)' names no architecture QEMU emulates")
        }
        binary = b
        position += 1
        domain.type = base(b).contains("kvm") ? .kvm : .qemu
    }

    func isEnvName(_ s: Substring) -> Bool {
        guard let f = s.first, f == "_" || f.isLetter else { return false }
        return s.allSatisfy { $0 == "_" || $0.isLetter || $0.isNumber }
    }

    func base(_ path: String) -> String { path.split(separator: "/").last.map(String.init) ?? path }

    func looksLikeEmulator(_ w: String) -> Bool { EmulatorArch.isQemu(w) }

    /// The architecture the binary emulates.
    var arch: String { EmulatorArch.arch(ofBinary: binary) }  // an unknown target is refused in readPrologue

    var isX86: Bool { ["i686", "x86_64"].contains(arch) }

    /// libvirt's own address assignment shows in its output for the `qemu-system-*` binaries
    /// it probed with -device support; the bare `qemu` of the 0.9/0.10 era had none.
    var assignsAddresses: Bool { base(binary).hasPrefix("qemu-system-") }

    /// The value of the option at `position` (which it consumes), or an error naming it.
    mutating func value(for option: String) throws(Diagnostic) -> String {
        guard position < words.count else { throw fail("option \(option) needs a value") }
        let v = words[position].text
        position += 1
        return v
    }

    mutating func readOptions() throws(Diagnostic) {
        while position < words.count {
            let word = words[position]
            position += 1
            var option = word.text
            guard option.hasPrefix("-"), option.count > 1 else {
                // A bare word is a disk image, as `qemu disk.img` means -hda.
                addLegacyDisk(option, iface: "ide", index: 0, media: nil)
                continue
            }
            if option.hasPrefix("--") { option.removeFirst() }
            try handle(option, line: word.line)
        }
    }

    mutating func keep(_ option: String, _ value: String?) {
        unmapped.append(option)
        if let value { unmapped.append(value) }
        warnings.append(
            "\(option)\(value.map { " " + $0 } ?? "") has no domain XML equivalent; kept in <qemu:commandline>")
    }
}

/// A disk as the command line described it, before it gets a target name.
struct ParsedDisk {
    var source: DiskSource?
    var format: String?
    var iface = "ide"
    var index: Int?
    var bus: Int?
    var unit: Int?
    var cdrom = false
    var floppy = false
    var readonly = false
    var cache: String?
    var werror: String?
    var rerror: String?
    var serial: String?
    var bootindex: Int?
    var id: String?
    var address: DeviceAddress?
    var auth: DiskAuth?
    /// Set once a -device gave this drive a frontend (if=none drives need one).
    var attached = false
    var lun = false
    var discard: String?
    var io: String?
}

/// A NIC frontend and the backend it uses.
struct ParsedNIC {
    var model: String?
    var mac: String?
    var backend: NetBackend?
    var bootindex: Int?
    var address: DeviceAddress?
}

/// A network backend, whatever option declared it.
struct NetBackend {
    var type: String
    var options: [String: String]
}
