/// QEMU names its system emulators after its own target names (`qemu-system-i386`,
/// `qemu-system-arm`, `qemu-system-hppa`); libvirt names architectures its own way (`i686`,
/// `armv7l`, `parisc`). One table both ways, for the builder (which binary runs an arch) and
/// the parser (which arch a binary runs).
public enum EmulatorArch {
    /// QEMU target → libvirt architecture, where they differ or the target is known as is.
    private static let byTarget: [String: String] = [
        "i386": "i686", "x86_64": "x86_64", "arm": "armv7l", "aarch64": "aarch64", "alpha": "alpha",
        "cris": "cris", "hppa": "parisc", "lm32": "lm32", "loongarch64": "loongarch64", "m68k": "m68k",
        "microblaze": "microblaze", "microblazeel": "microblazeel", "mips": "mips", "mipsel": "mipsel",
        "mips64": "mips64", "mips64el": "mips64el", "or1k": "openrisc", "ppc": "ppc", "ppc64": "ppc64",
        "ppcemb": "ppcemb", "riscv32": "riscv32", "riscv64": "riscv64", "s390x": "s390x", "sh4": "sh4",
        "sh4eb": "sh4eb", "sparc": "sparc", "sparc64": "sparc64", "unicore32": "unicore32",
        "xtensa": "xtensa", "xtensaeb": "xtensaeb",
    ]

    /// libvirt architectures a differently named QEMU target runs.
    private static let targetOf: [String: String] = [
        "i686": "i386", "armv6l": "arm", "armv7l": "arm", "armv7b": "arm", "parisc": "hppa",
        "parisc64": "hppa", "openrisc": "or1k", "ppc64le": "ppc64", "ppcle": "ppc", "s390": "s390x",
    ]

    /// Every architecture name libvirt knows that a QEMU target runs.
    private static let libvirtArchs = Set(byTarget.values).union(targetOf.keys)

    /// The libvirt architecture of `qemu-system-NAME`, nil when NAME is no architecture.
    /// libvirt's own fixtures name binaries after libvirt's arch (`qemu-system-i686`), so
    /// those names are taken too.
    public static func arch(forTarget target: String) -> String? {
        byTarget[target] ?? (libvirtArchs.contains(target) ? target : nil)
    }

    /// The `qemu-system-*` target that runs `arch`.
    public static func target(forArch arch: String) -> String { targetOf[arch] ?? arch }

    /// The emulator a domain without `<emulator>` gets: `qemu-system-TARGET` in /usr/bin.
    public static func defaultEmulator(forArch arch: String?) -> String {
        let arch = arch ?? "x86_64"
        return "/usr/bin/qemu-system-" + target(forArch: arch == "i386" ? "i686" : arch)
    }

    /// The libvirt architecture a binary runs when the domain does not say: `qemu-system-
    /// TARGET`'s (TARGET itself when it is no architecture we know, which the reader
    /// refuses), x86_64 for `qemu-kvm` and `kvm`, and i686 for any other name (plain `qemu`,
    /// the 32-bit PC emulator of libvirt's early days).
    public static func arch(ofBinary path: String) -> String {
        if let t = target(ofBinary: path) { return arch(forTarget: t) ?? t }
        let base = path.split(separator: "/").last.map(String.init) ?? path
        return base == "qemu-kvm" || base == "kvm" ? "x86_64" : "i686"
    }

    /// The machine a guest of `arch` gets when the domain names none and no probe says
    /// what the emulator's default is: libvirt's choice per architecture.
    public static func defaultMachine(forArch arch: String) -> String? {
        switch arch {
        case "i686", "i386", "x86_64": "pc"
        case "aarch64", "armv7l", "riscv64": "virt"
        case "ppc64", "ppc64le": "pseries"
        case "s390x": "s390-ccw-virtio"
        default: nil
        }
    }

    /// TARGET of a `…/qemu-system-TARGET` path, nil for other binaries (qemu-kvm, wrappers).
    public static func target(ofBinary path: String) -> String? {
        let base = path.split(separator: "/").last.map(String.init) ?? path
        return base.hasPrefix("qemu-system-") ? String(base.dropFirst("qemu-system-".count)) : nil
    }

    /// Whether a binary is taken for QEMU. As libvirt did, by its name: one that holds
    /// "qemu" or "kvm" (qemu-system-x86_64, qemu-kvm, kvm, a qemu-wrapper script), or xenner.
    /// The reader needs this to find the binary after the environment and to refuse command
    /// lines of other programs; the builder refuses what the reader would not take back.
    public static func isQemu(_ path: String) -> Bool {
        let base = path.split(separator: "/").last.map(String.init) ?? path
        guard !base.contains(where: \.isWhitespace) else { return false }
        return base.contains("qemu") || base.contains("kvm") || base == "xenner"
    }
}
