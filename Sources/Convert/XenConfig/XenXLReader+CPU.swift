import Schema

/// `nestedhvm`, `cpuid` and `vnuma`: what becomes `<cpu>`.
extension XenXLReader {
    // MARK: CPU

    /// libxl's cpuid names that differ from libvirt's.
    static let cpuidNames: [(libvirt: String, libxl: String)] = [
        ("cx16", "cmpxchg16"), ("cid", "cntxid"), ("ds_cpl", "dscpl"), ("pclmuldq", "pclmulqdq"),
        ("pni", "sse3"), ("ht", "htt"), ("pn", "psn"), ("clflush", "clfsh"), ("sep", "sysenter"),
        ("cx8", "cmpxchg8"), ("nodeid_msr", "nodeid"), ("cr8legacy", "altmovcr8"), ("lahf_lm", "lahfsahf"),
        ("cmp_legacy", "cmplegacy"), ("fxsr_opt", "ffxsr"), ("pdpe1gb", "page1gb"), ("spec-ctrl", "ibrsb"),
    ]

    func readNestedAndCPUID(_ r: XenConfigReading, into d: inout Domain) throws(Diagnostic) {
        if let nested = try r.bool("nestedhvm") {
            var cpu = d.cpu ?? CPU()
            cpu.mode = .hostPassthrough
            if !nested { cpu.features.append(CPUFeature(policy: "disable", name: "vmx")) }
            d.cpu = cpu
        }
        guard let raw = try r.string("cpuid") else { return }
        let line = r.line("cpuid")
        let items = raw.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard items.first == "host" else {
            throw r.fail(line, "cpuid starting with '\(items.first ?? "")' is not supported, only the libxl format is")
        }
        var cpu = d.cpu ?? CPU()
        cpu.mode = .hostPassthrough
        for item in items.dropFirst() {
            let kv = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { throw r.fail(line, "invalid libxl cpuid key=value element '\(item)'") }
            let policy: String
            switch kv[1] {
            case "1": policy = "force"
            case "0": policy = "disable"
            case "x", "k", "s": policy = "optional"
            default: throw r.fail(line, "invalid libxl cpuid value '\(item)'")
            }
            let name = Self.cpuidNames.first { $0.libxl == kv[0] }?.libvirt ?? kv[0]
            cpu.features.append(CPUFeature(policy: policy, name: name))
        }
        d.cpu = cpu
    }

    /// `vnuma = [ [ "pnode=0", "size=2048", "vcpus=0-1", "vdistances=10,21" ], … ]`.
    func readVNUMA(_ r: XenConfigReading, into d: inout Domain) throws(Diagnostic) {
        guard let value = r.value("vnuma") else { return }
        guard let nodes = value.list else { throw r.fail(value.line, "vnuma must be a list of lists") }
        var numa = NUMA()
        for (index, node) in nodes.enumerated() {
            guard let settings = node.list else {
                throw r.fail(node.line, "vnuma vnode \(index) must be a list")
            }
            var cell = NUMA.Cell()
            cell.id = UInt(index)
            var distances: [UInt] = []
            var sawPnode = false
            for setting in settings {
                guard let s = setting.string, let eq = s.firstIndex(of: "=") else {
                    throw r.fail(setting.line, "vnuma vnode \(index) has an invalid setting")
                }
                let key = s[..<eq]
                let val = String(s[s.index(after: eq)...])
                switch key {
                case "pnode":
                    guard let p = UInt(val), p < nodes.count else {
                        throw r.fail(setting.line, "vnuma vnode \(index) contains invalid pnode value '\(val)'")
                    }
                    sawPnode = true
                case "size":
                    guard let mib = UInt64(val), let kib = XenNumbers.kibibytes(mebibytes: mib) else {
                        throw r.fail(setting.line, "invalid vnuma size '\(val)'")
                    }
                    cell.memory = kib
                    cell.unit = .KiB
                case "vcpus":
                    guard let set = XenCPUSet.parse(val), !set.isEmpty else {
                        throw r.fail(setting.line, "invalid vnuma vcpus '\(val)'")
                    }
                    cell.cpus = XenCPUSet.format(set)
                case "vdistances":
                    distances = val.split(separator: ",").compactMap { UInt($0) }
                    guard distances.count == nodes.count else {
                        throw r.fail(
                            setting.line,
                            "vnuma vdistances '\(val)' does not fit the number of vnodes (\(nodes.count))")
                    }
                default:
                    throw r.fail(setting.line, "invalid vnuma configuration for vnode \(index)")
                }
            }
            guard sawPnode, cell.cpus != nil, cell.memory != nil else {
                throw r.fail(node.line, "incomplete vnuma configuration for vnode \(index)")
            }
            if !distances.isEmpty {
                var dist = NUMA.Distances()
                dist.siblings = distances.enumerated().map { NUMA.Sibling(id: UInt($0.offset), value: $0.element) }
                cell.distances = dist
            }
            numa.cells.append(cell)
        }
        var cpu = d.cpu ?? CPU()
        cpu.numa = numa
        d.cpu = cpu
    }
}
