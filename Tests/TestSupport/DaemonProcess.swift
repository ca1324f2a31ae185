import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `virtkit daemon --root ROOT` for one test: started, waited for (its "ready" line), and
/// stopped with SIGTERM — or killed with the root's other processes by `ScratchRoot`
/// however the test ended.
public final class DaemonProcess: @unchecked Sendable {
    public let root: ScratchRoot
    public let pid: pid_t
    private var exitCode: Int32?
    public let stderrPath: String
    public let socketDir: String

    public var rwSocket: String { socketDir + "/libvirt-sock" }
    public var roSocket: String { socketDir + "/libvirt-sock-ro" }
    public var isRunning: Bool { Spawn.isRunning(pid, exitCode: &exitCode) }
    /// `qemu+unix:///system?socket=…` for the read-write socket.
    public var unixURI: String { "qemu+unix:///system?socket=\(rwSocket)" }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public init(root: ScratchRoot, arguments: [String] = [], socketDir: String? = nil) throws {
        self.root = root
        self.socketDir = socketDir ?? root.path + "/run"
        stderrPath = root.path + "/daemon-\(UUID().uuidString.prefix(8)).err"
        FileManager.default.createFile(atPath: stderrPath, contents: nil)
        pid = try Spawn.start(
            VirtKitCLI.binary, ["daemon", "--root", root.path] + arguments, stdout: "/dev/null", stderr: stderrPath)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let text = stderr
            if text.contains("virtkit daemon: ready") { return }
            if !isRunning { throw Failure(description: "the daemon exited (\(exitCode ?? -1)): \(text)") }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
        _ = Spawn.wait(pid, timeout: 10)
        throw Failure(description: "the daemon did not get ready in 30 s: \(stderr)")
    }

    public var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// SIGTERM, then the exit status (SIGKILL after 20 s).
    @discardableResult
    public func stop() -> Int32 {
        guard isRunning else { return exitCode ?? -1 }
        kill(pid, SIGTERM)
        if let code = Spawn.wait(pid, timeout: 20) {
            exitCode = code
            return code
        }
        kill(pid, SIGKILL)
        exitCode = Spawn.wait(pid, timeout: 10) ?? -1
        return exitCode!
    }

    public func kill9() {
        guard isRunning else { return }
        kill(pid, SIGKILL)
        exitCode = Spawn.wait(pid, timeout: 10) ?? -1
    }

    /// Open descriptors of the daemon.
    public var openDescriptors: Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }
}

/// Runs an outside program (virsh, python, ssh-keygen) with a time limit.
public enum Command {
    public struct Result: CustomStringConvertible {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var description: String { "exit \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }
    }

    public static func run(
        _ path: String, _ arguments: [String], stdin: String? = nil, environment: [String: String]? = nil,
        timeout: TimeInterval = 60
    ) throws -> Result {
        let r = try Spawn.run(path, arguments, stdin: stdin.map { Array($0.utf8) }, environment: environment, timeout: timeout)
        return Result(status: r.status, stdout: r.stdout, stderr: r.stderr)
    }

    public static func exists(_ path: String) -> Bool { FileManager.default.isExecutableFile(atPath: path) }
}

/// Loopback TCP ports nobody listens on (bind to 0, read, close).
public enum FreePort {
    public static func next() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
