#if canImport(Glibc)
    import Glibc
#endif

/// `-rtc base=YYYY-MM-DDTHH:MM:SS`: the moment a guest's clock starts from, as libvirt
/// writes it for `<clock offset='variable' adjustment='N'/>` (the start time plus N seconds)
/// and `<clock offset='absolute' start='T'/>`.
enum RTCBase {
    /// The base QEMU is given for a clock `seconds` since the epoch (UTC).
    static func format(_ seconds: Int) -> String {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        func pad(_ v: Int32, _ width: Int) -> String {
            let digits = String(v)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return pad(parts.tm_year + 1900, 4) + "-" + pad(parts.tm_mon + 1, 2) + "-" + pad(parts.tm_mday, 2) + "T"
            + pad(parts.tm_hour, 2) + ":" + pad(parts.tm_min, 2) + ":" + pad(parts.tm_sec, 2)
    }

    /// Now, in seconds since the epoch.
    static func now() -> Int { Int(time(nil)) }

    /// Seconds since the epoch of a base QEMU accepts (`YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS`,
    /// read as UTC); nil for anything else.
    static func parse(_ text: String) -> Int? {
        let fields = text.split(whereSeparator: { "-T:".contains($0) }).map { Int($0) }
        guard fields.count == 3 || fields.count == 6, fields.allSatisfy({ $0 != nil }) else { return nil }
        let v = fields.map { $0! }
        guard (1...12).contains(v[1]), (1...31).contains(v[2]) else { return nil }
        if v.count == 6, !(0...23).contains(v[3]) || !(0...59).contains(v[4]) || !(0...60).contains(v[5]) {
            return nil
        }
        var parts = tm()
        parts.tm_year = Int32(v[0] - 1900)
        parts.tm_mon = Int32(v[1] - 1)
        parts.tm_mday = Int32(v[2])
        if v.count == 6 {
            parts.tm_hour = Int32(v[3])
            parts.tm_min = Int32(v[4])
            parts.tm_sec = Int32(v[5])
        }
        return Int(timegm(&parts))
    }

    /// The host's offset from UTC at that moment, in seconds (for basis='localtime').
    static func localOffset(at seconds: Int) -> Int {
        var t = time_t(seconds)
        var parts = tm()
        localtime_r(&t, &parts)
        return Int(parts.tm_gmtoff)
    }
}
