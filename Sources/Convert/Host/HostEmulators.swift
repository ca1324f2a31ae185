import Foundation

/// The QEMU emulators on this host: the binaries libvirt's QEMU driver looked for (`qemu`,
/// `qemu-system-x86_64`, `-i386`, `-mips`, `-mipsel`, `-sparc`, `-ppc`, `qemu-kvm`) and every
/// other `qemu-system-*`, in the folders of `PATH` and in /usr/bin.
public enum HostEmulators {
    public struct Emulator: Sendable, Equatable {
        public var path: String
        /// libvirt's name of the architecture it emulates.
        public var arch: String

        public init(path: String, arch: String) {
            self.path = path
            self.arch = arch
        }
    }

    public static func all(environment: [String: String] = ProcessInfo.processInfo.environment) -> [Emulator] {
        var dirs = (environment["PATH"] ?? "").split(separator: ":").map(String.init).filter { $0.hasPrefix("/") }
        if !dirs.contains("/usr/bin") { dirs.append("/usr/bin") }
        var seen = Set<String>()
        var found: [Emulator] = []
        let fm = FileManager.default
        for dir in dirs {
            let names = ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).sorted()
            for name in names where name == "qemu" || name == "qemu-kvm" || name.hasPrefix("qemu-system-") {
                let path = dir + "/" + name
                let real = (try? fm.destinationOfSymbolicLink(atPath: path)).map {
                    $0.hasPrefix("/") ? $0 : dir + "/" + $0
                } ?? path
                guard fm.isExecutableFile(atPath: path), !seen.contains(real) else { continue }
                let arch: String?
                if let target = EmulatorArch.target(ofBinary: name) {
                    arch = EmulatorArch.arch(forTarget: target)
                } else {
                    // `qemu` and `qemu-kvm` emulate the host.
                    arch = hostArch
                }
                guard let arch else { continue }
                seen.insert(real)
                found.append(Emulator(path: path, arch: arch))
            }
        }
        return found
    }

    /// libvirt's name for this machine's architecture.
    public static var hostArch: String {
        let m = HostInfo.machine
        switch m {
        case "i386", "i486", "i586": return "i686"
        case "arm64": return "aarch64"
        default: return m
        }
    }

    /// The emulator a guest of `arch` (the host's when nil) runs on: one found on this host,
    /// else the conventional path.
    public static func defaultEmulator(forArch arch: String?) -> String {
        let a = arch ?? hostArch
        let target = EmulatorArch.target(forArch: a)
        let name = "qemu-system-" + target
        for e in all() where e.path.hasSuffix("/" + name) { return e.path }
        return EmulatorArch.defaultEmulator(forArch: a)
    }
}
