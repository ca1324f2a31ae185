import Schema

/// Numbers as C's strtol with base 0 reads them (`0x1b`, `017`, `27`), which is how libvirt
/// read PCI addresses and display numbers out of xend's output.
enum XenNumbers {
    static func cInteger(_ raw: String) -> UInt? {
        let s = raw.trimmingCharacters(in: " \t")
        if s.hasPrefix("0x") || s.hasPrefix("0X") { return UInt(s.dropFirst(2), radix: 16) }
        if s.count > 1 && s.hasPrefix("0") { return UInt(s.dropFirst(), radix: 8) }
        return UInt(s)
    }

    /// The TCP port of VNC display `n` (5900 + n). xend also stored ports (5900 and up) in
    /// `vncdisplay`; `portsAllowed` takes those as they are. Nil when no TCP port results.
    static func vncPort(display n: some BinaryInteger, portsAllowed: Bool) -> Int? {
        guard let n = Int(exactly: n) else { return nil }
        if portsAllowed && (5900...65535).contains(n) { return n }
        return (0...(65535 - 5900)).contains(n) ? 5900 + n : nil
    }

    /// MiB as KiB, or nil when the size in bytes would not fit 64 bits (libvirt and the
    /// hypervisors count bytes in 64 bits; a larger value is a typo, not a guest).
    static func kibibytes(mebibytes mib: UInt64) -> UInt64? {
        mib <= UInt64.max >> 20 ? mib << 10 : nil
    }
}

/// MAC addresses as libvirt accepts them (one or two hex digits per octet) and prints them.
enum XenMAC {
    static func normalized(_ raw: String) -> String? {
        let parts = raw.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6 else { return nil }
        var out: [String] = []
        for p in parts {
            guard (1...2).contains(p.count), let v = UInt8(p, radix: 16) else { return nil }
            out.append(XenDevices.hexDigits(UInt(v), width: 2))
        }
        return out.joined(separator: ":")
    }

    /// A random address in Xen's OUI, for interfaces the XML gives none (libvirt does the same
    /// when it parses such XML).
    static func random() -> String {
        var g = SystemRandomNumberGenerator()
        let tail = (0..<3).map { _ in XenDevices.hexDigits(UInt(UInt8.random(in: 0...255, using: &g)), width: 2) }
        return (["00", "16", "3e"] + tail).joined(separator: ":")
    }
}

/// Disk image formats by the names blktap and libvirt use.
enum XenDiskFormats {
    static let known: Set<String> = [
        "raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi", "fat", "vhd", "ploop", "cow",
        "qcow", "qcow2", "qed", "vmdk",
    ]

    /// `aio` is blktap's raw driver; other subtypes name the image format.
    static func format(forBlktapType type: String) -> String? {
        if type == "aio" { return "raw" }
        return known.contains(type) ? type : nil
    }

    /// The blktap subtype for a format (raw and unspecified are `aio`).
    static func blktapType(forFormat format: String?) -> String {
        guard let format, format != "raw", format != "aio" else { return "aio" }
        return format
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let c = s.first, set.contains(c) { s = s.dropFirst() }
        while let c = s.last, set.contains(c) { s = s.dropLast() }
        return String(s)
    }
}

/// CPU sets (`0-3,^2,8`) as libvirt reads and reprints them (`0-1,3,8`).
enum XenCPUSet {
    static func parse(_ raw: String) -> Set<Int>? {
        var set = Set<Int>()
        for item in raw.split(separator: ",") {
            let s = String(item).trimmingCharacters(in: " \t")
            let negate = s.hasPrefix("^")
            let body = negate ? String(s.dropFirst()) : s
            let ends = body.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(ends.count), let lo = Int(ends[0]),
                let hi = Int(ends.count == 2 ? ends[1] : ends[0]), lo <= hi, hi < 4096
            else { return nil }
            for c in lo...hi {
                if negate { set.remove(c) } else { set.insert(c) }
            }
        }
        return set
    }

    static func format(_ set: Set<Int>) -> String {
        var out: [String] = []
        var cpus = set.sorted()[...]
        while let start = cpus.first {
            var end = start
            cpus = cpus.dropFirst()
            while cpus.first == end + 1 {
                end += 1
                cpus = cpus.dropFirst()
            }
            out.append(start == end ? "\(start)" : "\(start)-\(end)")
        }
        return out.joined(separator: ",")
    }
}

/// Text for error messages: control characters spelled out so a message stays on one line.
func visible(_ s: String) -> String {
    var out = ""
    for u in s.unicodeScalars {
        switch u {
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where u.value < 0x20 || u.value == 0x7F:
            out += "\\x" + XenDevices.hexDigits(UInt(u.value), width: 2)
        default: out.unicodeScalars.append(u)
        }
    }
    return out
}
