import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A private driver root for one test (`qemu:///embed?root=…`), short enough for Unix
/// socket paths. `remove()` kills every process whose command line names the root (the
/// guests a test started, however it ended) and deletes the folder; tests call it in a
/// `defer`, and `deinit` calls it again in case they did not.
public final class ScratchRoot: @unchecked Sendable {
    public let path: String
    private var removed = false

    public init() {
        var template = Array("/tmp/vkt-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public var uri: String { "qemu:///embed?root=\(path)" }

    /// Pids of live processes whose command line mentions this root.
    public func processes() -> [Int32] {
        let needle = Data(path.utf8)
        var found: [Int32] = []
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), pid != getpid(),
                let cmdline = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(entry)/cmdline")),
                cmdline.range(of: needle) != nil
            else { continue }
            // Zombies have an empty command line; anything listed here still runs.
            found.append(pid)
        }
        return found
    }

    /// QEMU processes started for this root.
    public func qemuProcesses() -> [Int32] {
        processes().filter { pid in
            let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")) ?? ""
            return exe.contains("qemu-system")
        }
    }

    public func killAll() {
        for _ in 0..<50 {
            let pids = processes()
            if pids.isEmpty { return }
            for pid in pids {
                kill(pid, SIGKILL)
                var status: Int32 = 0
                _ = waitpid(pid, &status, WNOHANG)
            }
            usleep(20_000)
        }
    }

    public func remove() {
        if removed { return }
        removed = true
        killAll()
        try? FileManager.default.removeItem(atPath: path)
    }

    deinit { remove() }
}

/// The small Linux guest `scripts/test-guest.sh` builds (a Debian cloud kernel and a busybox
/// initramfs that powers off on the ACPI button and gives a shell on ttyS0).
public enum TestGuest {
    public static var directory: String {
        ProcessInfo.processInfo.environment["VIRTKIT_TEST_GUEST_DIR"]
            ?? Fixtures.repoRoot.appendingPathComponent(".build/test-guest").path
    }
    public static var kernel: String { directory + "/vmlinuz" }
    public static var initrd: String { directory + "/initrd.img" }
    public static var available: Bool {
        FileManager.default.fileExists(atPath: kernel) && FileManager.default.fileExists(atPath: initrd)
    }
    /// The line the guest prints once its ACPI daemon listens.
    public static let readyMarker = "VIRTKIT-GUEST-READY"

    /// Domain XML for it: TCG (a Linux guest does not boot under the nested KVM of CI
    /// hosts), ACPI on, serial console on a pty.
    public static func xml(name: String, memoryMiB: Int = 128, extraDevices: String = "", lifecycle: String = "")
        -> String
    {
        """
        <domain type='qemu'>
          <name>\(name)</name>
          <memory unit='MiB'>\(memoryMiB)</memory>
          <vcpu>1</vcpu>
          <os>
            <type arch='x86_64'>hvm</type>
            <kernel>\(kernel)</kernel>
            <initrd>\(initrd)</initrd>
            <cmdline>console=ttyS0 panic=-1 quiet</cmdline>
          </os>
          <features><acpi/></features>
          \(lifecycle)
          <devices>
            <serial type='pty'/>
            <console type='pty'/>
            \(extraDevices)
          </devices>
        </domain>
        """
    }
}

/// What this host offers, found out by trying.
public enum HostFacts {
    public static var kvm: Bool {
        let fd = open("/dev/kvm", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return false }
        close(fd)
        return true
    }

    public static var qemu: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/qemu-system-x86_64") }

    /// True in CI, where a missing prerequisite is a failure rather than a skip.
    public static var ci: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// The smallest guest: no disk, 64 MiB, user networking, KVM when it opens here.
    public static func tinyXML(name: String, extraDevices: String = "") -> String {
        """
        <domain type='\(kvm ? "kvm" : "qemu")'>
          <name>\(name)</name>
          <memory unit='MiB'>64</memory>
          <vcpu>1</vcpu>
          <os><type arch='x86_64'>hvm</type></os>
          <devices>
            <interface type='user'><model type='virtio'/></interface>
            <serial type='pty'/>
            \(extraDevices)
          </devices>
        </domain>
        """
    }
}
