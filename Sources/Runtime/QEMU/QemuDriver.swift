import Convert
import Foundation
import Synchronization
import Schema

#if canImport(Glibc)
    import Glibc
#endif

/// The QEMU/KVM driver: guests are QEMU processes started from their domain XML, detached
/// from whoever started them, with their state on disk (`QemuPaths`). Every call works out
/// what is true from the disk and the processes themselves, so a later CLI, another CLI or
/// the daemon all see the same host, and a QEMU that died behind our back, or a start cut
/// short by a killed CLI, is noticed and cleaned up by the next call.
public final class QemuDriver: Driver, @unchecked Sendable {
    public let uri: ConnectURI
    public let paths: QemuPaths
    let readOnly: Bool
    let lock: DriverLock
    let checker = DefinitionChecker()
    let events = EventHub<DomainEvent>()
    let networkEventHub = EventHub<NetworkEvent>()
    /// Persistent definitions, run-state files and last-stop records, parsed once per change.
    let configs = StatCache<Shared<Domain>> { data, path in
        (try? Domain.parse(String(decoding: data, as: UTF8.self), fileName: path)).map(Shared.init)
    }
    let statuses = StatCache<(status: DomainStatus, live: Shared<Domain>?)> { data, _ in
        guard let s = try? JSONDecoder().decode(DomainStatus.self, from: data) else { return nil }
        return (s, (try? Domain.parse(s.liveXML)).map(Shared.init))
    }
    let shutoffs = StatCache<ShutoffRecord> { data, _ in try? JSONDecoder().decode(ShutoffRecord.self, from: data) }
    let environment: [String: String]
    /// True in the daemon, which watches every guest's QMP events: calls need not wait for
    /// a guest to finish something (an ACPI reboot) themselves.
    let watching: Bool
    let watchers = GuestWatchers()
    /// Guests this (embedded) connection started with autodestroy: they end when it closes.
    let autodestroyStarts = Mutex<[DomainRef]>([])

    init(uri: ConnectURI, paths: QemuPaths, readOnly: Bool, watching: Bool, environment: [String: String]) {
        self.uri = uri
        self.paths = paths
        self.readOnly = readOnly
        self.watching = watching
        self.environment = environment
        lock = DriverLock(path: paths.lockFile)
        // The daemon answers many calls between changes; a CLI makes one or two.
        if watching, let feed = ChangeFeed(folders: [paths.domains, paths.status]) {
            configs.follow(feed)
            statuses.follow(feed)
            shutoffs.follow(feed)
        }
    }

    public static func open(uri: ConnectURI, readOnly: Bool, watching: Bool = false) async throws -> QemuDriver {
        let env = ProcessInfo.processInfo.environment
        let paths = try QemuPaths.forURI(uri, environment: env, uid: getuid())
        try paths.create()
        return QemuDriver(uri: uri, paths: paths, readOnly: readOnly, watching: watching, environment: env)
    }

    // MARK: Records: what the disk says about one guest

    /// A guest as the disk describes it: its persistent definition (none when transient)
    /// and the status of its running instance (none when inactive).
    struct Record {
        var name: String
        /// The persistent definition, shared with the cache (a `Domain` is large: records
        /// are made per call and must not copy it).
        var stored: Shared<Domain>?
        var status: DomainStatus?
        /// The running instance's definition (parsed from the status's live XML).
        var running: Shared<Domain>?

        var config: Domain? { stored?.value }
        var live: Domain? { running?.value }
        var uuid: UUIDValue? { stored?.value.uuid ?? status?.uuidValue }
        var persistent: Bool { stored != nil }
    }

    func record(named name: String) -> Record? {
        guard (try? ObjectName.check(name, kind: "domain")) != nil else { return nil }
        let config = configs.value(at: paths.config(of: name))
        let status = statuses.value(at: paths.statusFile(of: name))
        if config == nil && status == nil { return nil }
        return Record(name: name, stored: config, status: status?.status, running: status?.live)
    }

    /// Every guest: definitions and running instances, by name.
    func allRecords() -> [Record] {
        let fm = FileManager.default
        var names = Set<String>()
        for file in (try? fm.contentsOfDirectory(atPath: paths.domains)) ?? [] where file.hasSuffix(".xml") {
            names.insert(String(file.dropLast(4)))
        }
        for file in (try? fm.contentsOfDirectory(atPath: paths.status)) ?? [] where file.hasSuffix(".status") {
            names.insert(String(file.dropLast(7)))
        }
        return names.sorted().compactMap(record(named:))
    }

    /// The record a reference names, found by UUID (the name is only a hint).
    func find(_ ref: DomainRef) throws(VirtError) -> Record {
        if let r = record(named: ref.name), r.uuid == ref.uuid { return r }
        if let r = allRecords().first(where: { $0.uuid == ref.uuid }) { return r }
        throw VirtError.noDomain(uuid: ref.uuid.xmlValue)
    }

    func ref(_ r: Record) -> DomainRef {
        let active = r.status.map { status in
            status.phase == .active && process(of: status)?.isRunning == true
        } ?? false
        return DomainRef(name: r.name, uuid: r.uuid ?? UUIDValue(bytes: Array(repeating: 0, count: 16)), id: active ? r.status!.id : -1)
    }

    func process(of status: DomainStatus) -> HostProcess? {
        guard let pid = status.pid, let start = status.pidStartTime else { return nil }
        return HostProcess(pid: pid, startTime: start)
    }

    // MARK: Liveness

    enum Liveness {
        case inactive
        /// A start is under way, or was cut short (the lock tells which).
        case starting(DomainStatus)
        case active(DomainStatus, HostProcess)
        /// The status outlived its QEMU.
        case gone(DomainStatus)
    }

    func liveness(_ r: Record) -> Liveness {
        guard let status = r.status else { return .inactive }
        if let p = process(of: status), p.isRunning {
            return status.phase == .active ? .active(status, p) : .starting(status)
        }
        if status.phase == .starting, let p = pidFromPidFile(r.name) ?? qemuStarted(for: r.name), p.isRunning {
            return .starting(status)
        }
        return .gone(status)
    }

    /// A QEMU started for this guest whose pid nobody recorded (its starter was killed
    /// between spawning it and QEMU writing its pid file): found by the pid file path its
    /// command line names, which is unique to this root and guest.
    func qemuStarted(for name: String) -> HostProcess? {
        let needle = Data(paths.pidFile(of: name).utf8)
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), pid != getpid(),
                let cmdline = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(entry)/cmdline")),
                cmdline.range(of: needle) != nil
            else { continue }
            return HostProcess.current(pid: pid)
        }
        return nil
    }

    /// QEMU writes its pid file early: a start whose CLI died before recording the pid is
    /// still found through it.
    func pidFromPidFile(_ name: String) -> HostProcess? {
        guard let text = try? String(contentsOfFile: paths.pidFile(of: name), encoding: .utf8),
            let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
        else { return nil }
        guard let p = HostProcess.current(pid: pid) else { return nil }
        // Only a QEMU started for this guest: its command line names our pid file.
        let cmdline = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()
        return cmdline.range(of: Data(paths.pidFile(of: name).utf8)) != nil ? p : nil
    }

    // MARK: Reconciling (with the lock held)

    /// Runs a change under the driver lock, after undoing any start whose command died
    /// before it could record its QEMU (holding the lock, we know no start is under way).
    func changing<T>(_ body: () async throws -> T) async throws -> T {
        try await lock.withLock {
            await sweepAbandonedStarts()
            return try await body()
        }
    }

    /// `NAME.starting` is written before QEMU is spawned and removed once the guest's
    /// status is final. One left behind without a status means the starter died in
    /// between: its QEMU, if any, is found by its command line and killed.
    func sweepAbandonedStarts() async {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: paths.status)) ?? []
        for file in files where file.hasSuffix(".starting") {
            let name = String(file.dropLast(".starting".count))
            if FileManager.default.fileExists(atPath: paths.statusFile(of: name)) {
                // The status carries on from here (phase starting: reconcile undoes it).
                if let r = record(named: name) { await reconcile(r) }
            } else if let p = qemuStarted(for: name) {
                p.signal(SIGKILL)
                _ = await p.waitForExit(timeout: .seconds(5))
            }
            unlink(paths.startingMarker(of: name))
        }
    }

    /// Brings the disk in line with the processes for one guest: a vanished QEMU is
    /// cleaned up, a start cut short is killed and cleaned up, a guest stopped by a
    /// life-cycle switch gets its action. Returns the record as it now is (nil when a
    /// transient guest went away).
    @discardableResult
    func reconcile(_ r: Record) async -> Record? {
        switch liveness(r) {
        case .inactive:
            return r
        case .gone(let status):
            cleanUp(status, reason: status.phase == .starting ? .shutoffFailed : nil)
        case .starting(let status):
            // We hold the lock, so whoever was starting it is gone: finish the job by
            // undoing it.
            let p = process(of: status) ?? pidFromPidFile(r.name) ?? qemuStarted(for: r.name)
            if let p {
                p.signal(SIGKILL)
                _ = await p.waitForExit(timeout: .seconds(5))
            }
            cleanUp(status, reason: .shutoffFailed)
        case .active(let status, _):
            await applyLifecycle(status)
        }
        return record(named: r.name)
    }

    /// Removes a stopped guest's runtime files; a transient guest disappears, a persistent
    /// one is shut off with `reason` (read from its log when nil).
    func cleanUp(_ status: DomainStatus, reason: StateWithReason?) {
        let why = reason ?? exitReason(status)
        let fm = FileManager.default
        for path in [status.controlMonitor, status.queryMonitor, status.eventMonitor, paths.pidFile(of: status.name)] {
            try? fm.removeItem(atPath: path)
        }
        GuestLog.append(paths.logFile(of: status.name), "shutting down, reason=\(why.state.reasonName(why.reason))")
        let persistent = fm.fileExists(atPath: paths.config(of: status.name))
        if persistent {
            ShutoffRecord(state: why).write(paths.shutoffFile(of: status.name))
        }
        try? fm.removeItem(atPath: paths.statusFile(of: status.name))
        if watching && watchers.isWatching(status.name) { watchers.noteStopped(status.name) }
        events.publish(.stopped(DomainRef(name: status.name, uuid: status.ref.uuid, id: status.id), reason: why))
    }

    /// Why a QEMU we did not stop exited, from its log: it traces each shutdown request with
    /// QEMU's cause (guest power-off, signal, panic). No trace means it died abruptly.
    func exitReason(_ status: DomainStatus) -> StateWithReason {
        let tail = GuestLog.read(paths.logFile(of: status.name), from: status.logOffset)
        // A signal does not go through the traced request; QEMU says it was killed instead.
        if tail.contains("terminating on signal") { return .shutoffDestroyed }
        guard let line = tail.split(separator: "\n").last(where: { $0.contains("qemu_system_shutdown_request") }),
            let r = line.range(of: "reason=")
        else {
            // QEMU stopped in order (its last run state is "shutdown") without a traced
            // request: the guest reset itself under -no-reboot. No trace at all: it died.
            return tail.contains("(shutdown)") && tail.contains("runstate_set") ? .shutoffShutdown : .shutoffCrashed
        }
        switch Int(line[r.upperBound...].prefix { $0.isNumber }) {
        case 6, 7: return .shutoffShutdown  // guest shutdown; guest reset under -no-reboot
        case 8: return .shutoffCrashed  // guest panic
        case 2, 4, 5: return .shutoffDestroyed  // quit over QMP, a signal, the UI closed
        default: return .shutoffShutdown
        }
    }

    // MARK: State

    /// The state of a guest, asking QEMU when it runs. Reads take no lock; but a guest that
    /// needs tidying (its QEMU gone, a start cut short, a life-cycle action due) is
    /// reconciled when the lock happens to be free, and reported as it then is.
    func state(_ r: Record) async -> StateWithReason {
        switch liveness(r) {
        case .inactive:
            return shutoffs.value(at: paths.shutoffFile(of: r.name))?.state ?? .shutoffUnknown
        case .starting(let status), .gone(let status):
            if let fd = lock.tryLock() {
                defer { close(fd) }
                guard let fresh = record(named: r.name), let now = await reconcile(fresh) else {
                    return status.phase == .starting ? .shutoffFailed : exitReason(status)
                }
                return await plainState(now)
            }
            if status.phase == .starting, case .starting = liveness(r) { return .pausedStarting }
            return status.phase == .starting ? .shutoffFailed : exitReason(status)
        case .active(let status, _):
            let st = await queryState(status)
            guard st == .pausedShuttingDown || st.state == .crashed, let fd = lock.tryLock() else { return st }
            defer { close(fd) }
            guard let fresh = record(named: r.name), let now = await reconcile(fresh) else { return .shutoffShutdown }
            return await plainState(now)
        }
    }

    /// The state without any tidying (used once it is done).
    private func plainState(_ r: Record) async -> StateWithReason {
        switch liveness(r) {
        case .inactive: return shutoffs.value(at: paths.shutoffFile(of: r.name))?.state ?? .shutoffUnknown
        case .starting: return .pausedStarting
        case .gone(let status): return exitReason(status)
        case .active(let status, _): return await queryState(status)
        }
    }

    /// QEMU's own word on a running guest, through the query monitor.
    func queryState(_ status: DomainStatus) async -> StateWithReason {
        guard let qmp = try? await QMPConnection.connect(path: status.queryMonitor, timeout: .seconds(2)) else {
            return status.state
        }
        defer { qmp.close() }
        guard let run = try? await qmp.execute(QMP.QueryStatus(), timeout: .seconds(2)) else { return status.state }
        return Self.state(runState: run.status, recorded: status.state)
    }

    /// QEMU's run state as libvirt's state and reason.
    static func state(runState: String, recorded: StateWithReason) -> StateWithReason {
        switch runState {
        case "running":
            return recorded.state == .running ? recorded : .unpaused
        case "paused":
            return recorded.state == .paused ? recorded : StateWithReason(.paused, 0)
        case "prelaunch":
            return recorded.state == .paused ? recorded : .pausedStarting
        case "shutdown": return .pausedShuttingDown
        case "guest-panicked": return .crashedPanicked
        case "io-error": return .pausedIOError
        case "watchdog": return StateWithReason(.paused, 6)
        case "inmigrate", "postmigrate", "finish-migrate": return StateWithReason(.paused, 2)
        case "save-vm", "restore-vm": return .pausedSaving
        case "suspended": return StateWithReason(.pmsuspended, 0)
        case "internal-error": return StateWithReason(.crashed, 0)
        default: return recorded
        }
    }
}

/// Parsed definitions, kept as long as their file does not change (the daemon lists
/// hundreds of guests; a file read and compare is cheaper than a parse).
/// The per-guest log: each start's time and command line, QEMU's own output, each stop.
public enum GuestLog {
    /// `2026-12-04 18:00:51.107+0000`, as libvirt stamps its logs (strftime, not a
    /// DateFormatter: that loads ICU's calendar data, a few milliseconds of every start).
    public static func timestamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = time_t(ts.tv_sec)
        var parts = tm()
        gmtime_r(&t, &parts)
        var buf = [CChar](repeating: 0, count: 32)
        let n = strftime(&buf, buf.count, "%Y-%m-%d %H:%M:%S", &parts)
        let date = String(decoding: buf[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let millis = Int(ts.tv_nsec / 1_000_000)
        return date + "." + (millis < 10 ? "00" : millis < 100 ? "0" : "") + String(millis) + "+0000"
    }

    static func append(_ path: String, _ line: String) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        let text = "\(timestamp()): \(line)\n"
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
    }

    static func size(_ path: String) -> UInt64 {
        var st = stat()
        return stat(path, &st) == 0 ? UInt64(st.st_size) : 0
    }

    /// The log from `offset` on (at most the last 64 KiB of it).
    static func read(_ path: String, from offset: UInt64) -> String {
        guard let h = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? h.close() }
        let end = (try? h.seekToEnd()) ?? 0
        let start = max(offset, end > 65536 ? end - 65536 : 0)
        try? h.seek(toOffset: start)
        return String(decoding: (try? h.readToEnd()) ?? Data(), as: UTF8.self)
    }
}
