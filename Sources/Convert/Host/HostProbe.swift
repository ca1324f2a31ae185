#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// What this host offers QEMU, found out by trying rather than assuming.
public enum HostProbe {
    /// True when `/dev/kvm` opens read-write for this process: the node can exist and still
    /// be unusable (permissions, a nested host without VMX), so only opening it tells.
    public static func kvmUsable(path: String = "/dev/kvm") -> Bool {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return false }
        close(fd)
        return true
    }

    /// The accelerator to use: `kvm` when usable, `tcg` otherwise.
    public static var accelerator: String { kvmUsable() ? "kvm" : "tcg" }
}
