import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A program a test runs beside its steps (an event listener, a client holding a
/// connection), its output in files under `directory`. `stop()` kills it unless it has been
/// waited for; call it in a `defer` so a failing test leaves nothing running.
public final class BackgroundProcess {
    public let pid: pid_t
    public let stdoutPath: String
    private var exitCode: Int32?

    public init(_ path: String, _ arguments: [String], directory: String, name: String) throws {
        stdoutPath = directory + "/" + name + ".out"
        pid = try Spawn.start(path, arguments, stdout: stdoutPath, stderr: directory + "/" + name + ".err")
    }

    /// Its exit code once it has exited (waiting up to `timeout`), nil if it still runs.
    public func wait(timeout: TimeInterval) -> Int32? {
        if exitCode == nil { exitCode = Spawn.wait(pid, timeout: timeout) }
        return exitCode
    }

    /// What it printed on standard output so far.
    public var output: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }

    /// Kills it if it has not been reaped (a reaped pid may belong to someone else by now).
    public func stop() {
        guard exitCode == nil else { return }
        kill(pid, SIGKILL)
        exitCode = Spawn.wait(pid, timeout: 5)
    }
}
