import CRuntimeSupport
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A process on this host named by its pid and its start time, so a pid the kernel has
/// handed to someone else since is never mistaken for (or signalled as) ours.
public struct HostProcess: Sendable, Equatable, Codable {
    public var pid: Int32
    public var startTime: UInt64

    public init(pid: Int32, startTime: UInt64) {
        self.pid = pid
        self.startTime = startTime
    }

    /// The process with this pid now, if there is one.
    public static func current(pid: Int32) -> HostProcess? {
        guard let stat = Stat(pid: pid) else { return nil }
        return HostProcess(pid: pid, startTime: stat.startTime)
    }

    /// True while this very process runs (a zombie no longer counts: nothing of the guest
    /// is left in it).
    public var isRunning: Bool {
        guard let stat = Stat(pid: pid), stat.startTime == startTime else { return false }
        return stat.state != "Z" && stat.state != "X"
    }

    /// Signals it, after making sure it is still the same process.
    @discardableResult
    public func signal(_ sig: Int32) -> Bool {
        guard isRunning else { return false }
        return kill(pid, sig) == 0
    }

    /// Reaps it if it is our child and has exited (no-op otherwise).
    public func reap() {
        var status: Int32 = 0
        _ = waitpid(pid, &status, WNOHANG)
    }

    /// Waits until it has gone, up to `timeout`.
    public func waitForExit(timeout: Duration) async -> Bool {
        let clock = ContinuousClock()
        let end = clock.now + timeout
        while clock.now < end {
            reap()
            if !isRunning { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        reap()
        return !isRunning
    }

    /// CPU time used (user + system) in nanoseconds.
    public var cpuTimeNanoseconds: UInt64 { Stat(pid: pid).map { $0.cpuTicks * Stat.nanosecondsPerTick } ?? 0 }

    /// Resident memory in KiB (`VmRSS`).
    public var residentKiB: UInt64 {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return line.split(separator: " ").dropFirst().first.flatMap { UInt64($0) } ?? 0
        }
        return 0
    }

    /// `/proc/PID/stat` (or `/proc/PID/task/TID/stat`), the fields we use.
    public struct Stat: Sendable {
        public var state: String
        public var startTime: UInt64
        public var cpuTicks: UInt64
        /// The CPU it last ran on.
        public var processor: Int32

        public static let nanosecondsPerTick = UInt64(1_000_000_000) / UInt64(max(1, sysconf(Int32(_SC_CLK_TCK))))

        public init?(pid: Int32, task: Int32? = nil) {
            let path = task.map { "/proc/\(pid)/task/\($0)/stat" } ?? "/proc/\(pid)/stat"
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
            // The command name (field 2) is in parentheses and may hold spaces: split after it.
            guard let close = text.lastIndex(of: ")") else { return nil }
            let fields = text[text.index(after: close)...].split(separator: " ")
            // fields[0] is field 3 (state); field N is fields[N - 3].
            guard fields.count > 36 else { return nil }
            state = String(fields[0])
            cpuTicks = (UInt64(fields[11]) ?? 0) + (UInt64(fields[12]) ?? 0)
            startTime = UInt64(fields[19]) ?? 0
            processor = Int32(fields[36]) ?? -1
        }
    }

    /// Starts `argv` detached: its own session, standard input from /dev/null, output and
    /// errors appended to `logPath`, `pass[i]` as descriptor 3+i, nothing else inherited.
    public static func spawn(
        _ argv: [String], environment: [String], logPath: String, passing pass: [Int32] = []
    ) throws(VirtError) -> HostProcess {
        let devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)
        let log = open(logPath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        defer {
            if devnull >= 0 { close(devnull) }
            if log >= 0 { close(log) }
        }
        guard devnull >= 0, log >= 0 else {
            throw VirtError(.systemError, "cannot open \(log < 0 ? logPath : "/dev/null"): \(String(cString: strerror(errno)))")
        }
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        var cEnv: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer {
            for p in cArgs { free(p) }
            for p in cEnv { free(p) }
        }
        var pid: pid_t = 0
        let rc = pass.withUnsafeBufferPointer { fds in
            vk_spawn(argv[0], &cArgs, &cEnv, devnull, log, log, fds.baseAddress, Int32(fds.count), 1, &pid)
        }
        guard rc == 0 else {
            throw VirtError(.systemError, "cannot start \(argv[0]): \(String(cString: strerror(errno)))")
        }
        // The start time is read at once: until we have it, the pid is all we know.
        for _ in 0..<1000 {
            if let p = current(pid: pid) { return p }
            usleep(100)
        }
        return HostProcess(pid: pid, startTime: 0)
    }
}
