import Schema

/// Guest disk names (`hda`, `sdb`, `vdaa`) and their indexes, both ways.
public enum DiskNames {
    /// The index of the letters after the prefix: a=0 … z=25, aa=26 …
    public static func index(of name: String) -> Int? {
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
    public static func name(_ prefix: String, _ index: Int) -> String {
        var n = index + 1
        var letters = ""
        while n > 0 {
            n -= 1
            letters = String(UnicodeScalar(UInt8(97 + n % 26))) + letters
            n /= 26
        }
        return prefix + letters
    }
}
