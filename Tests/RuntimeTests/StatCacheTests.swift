import Foundation
import Testing

@testable import Runtime

/// The daemon answers queries from parsed files it keeps while `stat` says they are
/// unchanged; a file replaced behind its back (by an embedded CLI) must never be served stale.
@Suite struct StatCacheTests {
    let dir: String

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("virtkit-statcache-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    /// Counts parses, so a test can tell a cached answer from a fresh one.
    final class Counter: @unchecked Sendable {
        var parses = 0
    }

    func replace(_ path: String, with text: String) throws {
        let tmp = path + ".tmp"
        try text.write(toFile: tmp, atomically: false, encoding: .utf8)
        #expect(rename(tmp, path) == 0)
    }

    @Test func aFileReplacedWithinOneClockTickAtTheSameSizeIsReadAgain() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let counter = Counter()
        let cache = StatCache<String> { data, _ in
            counter.parses += 1
            return String(decoding: data, as: UTF8.self)
        }
        let path = dir + "/a.status"
        // Same size, written back to back: timestamps may not move between them.
        for value in ["one", "two", "six", "ten"] {
            try replace(path, with: value)
            #expect(cache.value(at: path) == value)
        }
        #expect(counter.parses == 4)
    }

    @Test func aSettledFileIsParsedOnceAndAMissingOneIsNil() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let counter = Counter()
        let cache = StatCache<String>(settle: 0) { data, _ in
            counter.parses += 1
            return String(decoding: data, as: UTF8.self)
        }
        let path = dir + "/b.xml"
        try replace(path, with: "<domain/>")
        for _ in 0..<5 { #expect(cache.value(at: path) == "<domain/>") }
        #expect(counter.parses == 1)
        try replace(path, with: "<domain type='kvm'/>")
        #expect(cache.value(at: path) == "<domain type='kvm'/>")
        #expect(counter.parses == 2)
        unlink(path)
        #expect(cache.value(at: path) == nil)
        #expect(cache.value(at: dir + "/never") == nil)
    }
}
