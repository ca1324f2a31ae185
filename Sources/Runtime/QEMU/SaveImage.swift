import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The file `save` writes and `restore` reads: a header naming the guest (its domain XML)
/// and how to resume it, padded to 4 KiB, then QEMU's migration stream.
///
///     "VirtkitQemuSave1"   16 bytes
///     version              UInt32 big-endian (1)
///     XML length           UInt32 big-endian (at most 16 MiB)
///     flags                UInt32 big-endian (bit 0: resume paused)
///     XML                  UTF-8
///     zeros                to the next 4096-byte boundary
///     migration stream
struct SaveImage {
    static let magic = Array("VirtkitQemuSave1".utf8)
    static let maxXML: UInt32 = 16 << 20

    var xml: String
    var paused: Bool
    var dataOffset: UInt64

    static func header(xml: String, paused: Bool) -> [UInt8] {
        let body = Array(xml.utf8)
        var h = magic
        func be(_ v: UInt32) { h += [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
        be(1)
        be(UInt32(body.count))
        be(paused ? 1 : 0)
        h += body
        let padded = (h.count + 4095) / 4096 * 4096
        h += Array(repeating: 0, count: padded - h.count)
        return h
    }

    /// Reads and checks the header; lengths are bounded before anything is allocated.
    static func read(_ path: String) throws(VirtError) -> SaveImage {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw VirtError(.systemError, "cannot open saved image '\(path)': \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var fixed = [UInt8](repeating: 0, count: 28)
        guard readFully(fd, &fixed), Array(fixed[0..<16]) == magic else {
            throw VirtError(.invalidArg, "'\(path)' is not a domain image saved by virtkit's QEMU driver")
        }
        func be(_ at: Int) -> UInt32 {
            UInt32(fixed[at]) << 24 | UInt32(fixed[at + 1]) << 16 | UInt32(fixed[at + 2]) << 8 | UInt32(fixed[at + 3])
        }
        guard be(16) == 1 else { throw VirtError(.invalidArg, "'\(path)': unknown save image version \(be(16))") }
        let length = be(20)
        guard length > 0, length <= maxXML else {
            throw VirtError(.invalidArg, "'\(path)': domain XML length \(length) out of range")
        }
        var body = [UInt8](repeating: 0, count: Int(length))
        guard readFully(fd, &body), let xml = String(validating: body, as: UTF8.self) else {
            throw VirtError(.invalidArg, "'\(path)': truncated or damaged header")
        }
        let offset = UInt64((28 + Int(length) + 4095) / 4096 * 4096)
        return SaveImage(xml: xml, paused: be(24) & 1 == 1, dataOffset: offset)
    }

    private static func readFully(_ fd: Int32, _ buf: inout [UInt8]) -> Bool {
        var done = 0
        while done < buf.count {
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            done += n
        }
        return true
    }
}
