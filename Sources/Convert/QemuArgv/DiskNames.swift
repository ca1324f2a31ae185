import Schema

/// Guest disk names (`hda`, `sdb`, `vdaa`) and their indexes, both ways.
enum DiskNames {
    /// The index of the letters after the prefix: a=0 … z=25, aa=26 …
    static func index(of name: String) -> Int? {
        let prefixes = ["xvd", "hd", "sd", "vd", "fd", "ubd"]
        guard let prefix = prefixes.first(where: { name.hasPrefix($0) }) else { return nil }
        let letters = name.dropFirst(prefix.count)
        guard !letters.isEmpty, letters.allSatisfy({ $0 >= "a" && $0 <= "z" }) else { return nil }
        var idx = 0
        for c in letters.unicodeScalars {
            idx = idx * 26 + Int(c.value - 97) + 1
        }
        return idx - 1
    }

    /// `prefix` + letters for `index` (0 → a, 26 → aa).
    static func name(_ prefix: String, _ index: Int) -> String {
        var n = index + 1
        var letters = ""
        while n > 0 {
            n -= 1
            letters = String(UnicodeScalar(UInt8(97 + n % 26))) + letters
            n /= 26
        }
        return prefix + letters
    }

    /// The bus a target name implies when the XML does not say.
    static func bus(for name: String) -> DiskBus {
        if name.hasPrefix("hd") { return .ide }
        if name.hasPrefix("vd") { return .virtio }
        if name.hasPrefix("fd") { return .fdc }
        if name.hasPrefix("xvd") { return .xen }
        if name.hasPrefix("ubd") { return .uml }
        return .scsi
    }
}

extension Disk {
    /// The bus, from the target or implied by its name.
    var effectiveBus: DiskBus {
        target?.bus ?? target?.dev.map(DiskNames.bus(for:)) ?? .ide
    }
}
