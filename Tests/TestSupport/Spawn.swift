import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a program to completion without Foundation's `Process`, whose exit monitoring can
/// miss a child that exits at once (the test then waits forever on a zombie): posix_spawn,
/// standard input from a file, output and errors into files (a pipe can be inherited by a
/// daemon another test starts meanwhile, and then never ends), and our own `waitpid`.
public enum Spawn {
    public struct Result {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    public static func run(
        _ path: String, _ arguments: [String], stdin: [UInt8]? = nil, environment: [String: String]? = nil,
        timeout: TimeInterval = 300
    ) throws -> Result {
        let base = NSTemporaryDirectory() + "vk-spawn-\(getpid())-\(UUID().uuidString.prefix(8))"
        let (inPath, outPath, errPath) = (base + ".in", base + ".out", base + ".err")
        FileManager.default.createFile(atPath: inPath, contents: Data(stdin ?? []))
        defer { for p in [inPath, outPath, errPath] { unlink(p) } }
        let pid = try start(path, arguments, stdin: inPath, stdout: outPath, stderr: errPath, environment: environment)
        let code = wait(pid, timeout: timeout) ?? {
            kill(pid, SIGKILL)
            return wait(pid, timeout: 10) ?? 137
        }()
        let o = FileManager.default.contents(atPath: outPath) ?? Data()
        let e = FileManager.default.contents(atPath: errPath) ?? Data()
        return Result(status: code, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    /// Starts a program with its standard streams on files; returns its pid.
    public static func start(
        _ path: String, _ arguments: [String], stdin: String = "/dev/null", stdout: String, stderr: String,
        environment: [String: String]? = nil
    ) throws -> pid_t {
        let (inPath, outPath, errPath) = (stdin, stdout, stderr)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)

        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        var argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup($0) } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, &argv, &envp)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EINVAL) }
        return pid
    }

    /// Waits for our child to exit: its exit code (128 + signal when killed), or nil when it
    /// still runs at the deadline.
    public static func wait(_ pid: pid_t, timeout: TimeInterval) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 && errno != EINTR { return -1 }
            if Date() > deadline { return nil }
            usleep(2000)
        }
        // WEXITSTATUS / WTERMSIG by hand (the C macros do not import).
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// Whether our child still runs (reaping it if it has exited).
    public static func isRunning(_ pid: pid_t, exitCode: inout Int32?) -> Bool {
        if exitCode != nil { return false }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        if r == 0 { return true }
        exitCode = r == pid ? ((status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)) : -1
        return false
    }
}
