import Foundation

/// Where one QEMU driver instance keeps its state. Every process that opens the same URI
/// (embedded CLIs, the daemon) computes the same folders, so they share one truth on disk.
///
/// - `qemu:///system`: `/etc/virtkit`, `/var/lib/virtkit`, `/run/virtkit`, `/var/log/virtkit`,
///   `/var/cache/virtkit`;
/// - `qemu:///session`: `$XDG_CONFIG_HOME/virtkit`, `$XDG_STATE_HOME/virtkit`,
///   `$XDG_RUNTIME_DIR/virtkit`, `$XDG_STATE_HOME/virtkit/log`, `$XDG_CACHE_HOME/virtkit`
///   (with the XDG fallbacks);
/// - `qemu:///embed?root=DIR`: `DIR/config`, `DIR/state`, `DIR/run`, `DIR/log`, `DIR/cache`.
public struct QemuPaths: Sendable, Equatable {
    public var config: String
    public var state: String
    public var run: String
    public var log: String
    public var cache: String

    /// Persistent definitions: `NAME.xml`.
    public var domains: String { config + "/qemu" }
    /// Autostart markers: `NAME.xml` links to the definition.
    public var autostart: String { config + "/qemu/autostart" }
    /// Network definitions and their autostart markers.
    public var networks: String { config + "/qemu/networks" }
    public var networksAutostart: String { config + "/qemu/networks/autostart" }
    /// Status of running guests (`NAME.status`), pid files, the lock, the id counter.
    public var status: String { run + "/qemu" }
    /// QMP sockets, named by domain id (short: a socket path is at most 107 bytes).
    public var monitors: String { run + "/qemu/mon" }
    /// Managed save images: `NAME.save`.
    public var saves: String { state + "/qemu/save" }
    /// Per-guest logs: `NAME.log` (the argv of each start, QEMU's own messages).
    public var logs: String { log + "/qemu" }
    /// Emulator probe results.
    public var probeCache: String { cache + "/qemu" }
    /// The lock every change takes.
    public var lockFile: String { status + "/driver.lock" }

    public init(config: String, state: String, run: String, log: String, cache: String) {
        self.config = config
        self.state = state
        self.run = run
        self.log = log
        self.cache = cache
    }

    /// The folders a URI names; errors say what is wrong with it.
    public static func forURI(_ uri: ConnectURI, environment: [String: String], uid: UInt32) throws(VirtError) -> QemuPaths {
        switch uri.path {
        case "/system":
            guard uid == 0 else {
                throw VirtError(.operationDenied, "qemu:///system needs root; use qemu:///session or qemu:///embed?root=DIR")
            }
            return QemuPaths(
                config: "/etc/virtkit", state: "/var/lib/virtkit", run: "/run/virtkit", log: "/var/log/virtkit",
                cache: "/var/cache/virtkit")
        case "/session":
            let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "/root"
            func xdg(_ key: String, _ fallback: String) -> String {
                if let v = environment[key], v.hasPrefix("/") { return v }
                return home + "/" + fallback
            }
            let state = xdg("XDG_STATE_HOME", ".local/state") + "/virtkit"
            let run: String
            if let r = environment["XDG_RUNTIME_DIR"], r.hasPrefix("/") {
                run = r + "/virtkit"
            } else {
                // XDG asks for a private replacement when the runtime folder is unset.
                run = "/tmp/virtkit-runtime-\(uid)"
            }
            return QemuPaths(
                config: xdg("XDG_CONFIG_HOME", ".config") + "/virtkit", state: state, run: run, log: state + "/log",
                cache: xdg("XDG_CACHE_HOME", ".cache") + "/virtkit")
        case "/embed":
            guard let root = uri.parameter("root"), root.hasPrefix("/") else {
                throw VirtError(.invalidArg, "qemu:///embed needs an absolute root: qemu:///embed?root=/path")
            }
            let r = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
            return QemuPaths(
                config: r + "/config", state: r + "/state", run: r + "/run", log: r + "/log", cache: r + "/cache")
        default:
            throw VirtError(
                .noConnect, "\(uri.text): the QEMU driver serves qemu:///system, qemu:///session and qemu:///embed?root=DIR")
        }
    }

    /// Creates the folders (private where they hold sockets and saved memory).
    func create() throws(VirtError) {
        let fm = FileManager.default
        for (dir, mode) in [
            (domains, 0o755), (autostart, 0o755), (networks, 0o755), (networksAutostart, 0o755), (status, 0o700),
            (monitors, 0o700), (saves, 0o700), (logs, 0o700), (probeCache, 0o755),
        ] {
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue { continue }
            do {
                try fm.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: mode])
            } catch {
                throw VirtError(.systemError, "cannot create \(dir): \(error.localizedDescription)")
            }
        }
    }

    func config(of name: String) -> String { domains + "/" + name + ".xml" }
    func autostartLink(of name: String) -> String { autostart + "/" + name + ".xml" }
    func statusFile(of name: String) -> String { status + "/" + name + ".status" }
    func shutoffFile(of name: String) -> String { status + "/" + name + ".shutoff" }
    func startingMarker(of name: String) -> String { status + "/" + name + ".starting" }
    func pidFile(of name: String) -> String { status + "/" + name + ".pid" }
    func managedSave(of name: String) -> String { saves + "/" + name + ".save" }
    func logFile(of name: String) -> String { logs + "/" + name + ".log" }
    func monitor(id: Int32, _ kind: String) -> String { monitors + "/\(id).\(kind)" }
    func networkConfig(of name: String) -> String { networks + "/" + name + ".xml" }
    func networkAutostartLink(of name: String) -> String { networksAutostart + "/" + name + ".xml" }
}
