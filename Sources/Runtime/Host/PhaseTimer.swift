import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `VIRTKIT_TIMING=1` prints how long each phase of a command took, counted from the
/// process's own start (so the runtime's and the kernel's share both show): how we found
/// where `start`'s time goes, kept for the next person who needs to.
public enum PhaseTimer {
    static let enabled = getenv("VIRTKIT_TIMING") != nil

    /// `VIRTKIT_TIMING_T0`: the CLOCK_MONOTONIC milliseconds at which the caller spawned
    /// this process, for a start time finer than /proc's clock ticks (10 ms).
    static let spawnedAt = getenv("VIRTKIT_TIMING_T0").flatMap { Double(String(cString: $0)) }

    /// Milliseconds since this process started (its start time from /proc, in clock ticks,
    /// against the boot-time clock; or since `VIRTKIT_TIMING_T0`).
    static func sinceProcessStart() -> Double {
        if let spawnedAt { return monotonic() - spawnedAt }
        var ts = timespec()
        clock_gettime(CLOCK_BOOTTIME, &ts)
        let now = Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1e6
        guard let me = HostProcess.current(pid: getpid()) else { return 0 }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return now - Double(me.startTime) / ticks * 1000
    }

    nonisolated(unsafe) static var last: Double = 0

    static func monotonic() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1e6
    }

    /// Prints the time since the process started (to a clock tick) and since the last mark.
    public static func mark(_ phase: @autoclosure () -> String) {
        guard enabled else { return }
        let now = monotonic()
        let delta = last == 0 ? 0 : now - last
        last = now
        FileHandle.standardError.write(
            Data(String(format: "[%7.2f ms, +%6.2f] %@\n", sinceProcessStart(), delta, phase()).utf8))
    }
}
