import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Facts about the machine we run on, read from the kernel (never assumed).
public enum HostInfo {
    public static var hostname: String {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count - 1) == 0 else { return "localhost" }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `uname -m`.
    public static var machine: String {
        var u = utsname()
        uname(&u)
        return withUnsafeBytes(of: &u.machine) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// Online CPUs.
    public static var cpuCount: Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

    /// Total memory in KiB (`MemTotal`).
    public static var memoryKiB: UInt64 { meminfo("MemTotal") ?? 0 }

    /// Free memory in bytes (`MemFree`), as virNodeGetFreeMemory counts it.
    public static var freeMemoryBytes: UInt64 { (meminfo("MemFree") ?? 0) * 1024 }

    static func meminfo(_ key: String) -> UInt64? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
            let digits = line.dropFirst(key.count + 1).split(separator: " ").first
            return digits.flatMap { UInt64($0) }
        }
        return nil
    }

    /// What /proc/cpuinfo says about CPU 0: model name, MHz, flags, and the socket/core layout.
    public struct CPUInfo: Sendable {
        public var modelName: String = ""
        public var mhz: Int = 0
        public var flags: Set<String> = []
        public var sockets: Int = 1
        public var coresPerSocket: Int = 1
        public var threadsPerCore: Int = 1
        public var vendor: String = ""
    }

    public static var cpuInfo: CPUInfo {
        var info = CPUInfo()
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return info }
        var physicalIDs = Set<String>()
        var coreIDs = Set<String>()
        var siblings = 1
        var cores = 1
        for line in text.split(separator: "\n") {
            let kv = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2 else { continue }
            switch kv[0] {
            case "model name" where info.modelName.isEmpty: info.modelName = kv[1]
            case "vendor_id" where info.vendor.isEmpty: info.vendor = kv[1]
            case "cpu MHz" where info.mhz == 0: info.mhz = Int(Double(kv[1]) ?? 0)
            case "flags" where info.flags.isEmpty: info.flags = Set(kv[1].split(separator: " ").map(String.init))
            case "physical id": physicalIDs.insert(kv[1])
            case "core id": coreIDs.insert(kv[1])
            case "siblings": siblings = Int(kv[1]) ?? siblings
            case "cpu cores": cores = Int(kv[1]) ?? cores
            default: break
            }
        }
        info.sockets = max(1, physicalIDs.count)
        info.coresPerSocket = max(1, cores)
        info.threadsPerCore = max(1, siblings / max(1, cores))
        return info
    }

    /// NUMA nodes under /sys (1 when the kernel shows none).
    public static var numaNodes: [Int] {
        let dir = "/sys/devices/system/node"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        let nodes = names.compactMap { $0.hasPrefix("node") ? Int($0.dropFirst(4)) : nil }.sorted()
        return nodes.isEmpty ? [0] : nodes
    }

    /// The CPUs of one NUMA node (`/sys/devices/system/node/nodeN/cpulist`).
    public static func cpus(ofNode node: Int) -> [Int] {
        let path = "/sys/devices/system/node/node\(node)/cpulist"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            return Array(0..<cpuCount)
        }
        return parseCPUList(text)
    }

    /// Memory of one NUMA node in KiB.
    public static func memoryKiB(ofNode node: Int) -> UInt64 {
        let path = "/sys/devices/system/node/node\(node)/meminfo"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return memoryKiB }
        for line in text.split(separator: "\n") where line.contains("MemTotal:") {
            let words = line.split(separator: " ")
            if let i = words.firstIndex(of: "MemTotal:"), i + 1 < words.count, let v = UInt64(words[i + 1]) {
                return v
            }
        }
        return memoryKiB
    }

    /// `0-3,8,10-11` → [0,1,2,3,8,10,11].
    public static func parseCPUList(_ text: String) -> [Int] {
        var cpus: [Int] = []
        for part in text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",") {
            let ends = part.split(separator: "-").compactMap { Int($0) }
            if ends.count == 2, ends[0] <= ends[1] { cpus += Array(ends[0]...ends[1]) } else if ends.count == 1 {
                cpus.append(ends[0])
            }
        }
        return cpus
    }

    /// Per-CPU topology from sysfs: (socket, die, core, siblings) for CPU `cpu`.
    public static func topology(ofCPU cpu: Int) -> (socket: Int, die: Int, core: Int, siblings: String) {
        let base = "/sys/devices/system/cpu/cpu\(cpu)/topology/"
        func read(_ name: String) -> String? {
            (try? String(contentsOfFile: base + name, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return (
            Int(read("physical_package_id") ?? "") ?? 0, Int(read("die_id") ?? "") ?? 0,
            Int(read("core_id") ?? "") ?? cpu, read("thread_siblings_list") ?? String(cpu)
        )
    }
}
