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

/// In the daemon the caches follow a `ChangeFeed` (inotify) instead of stat-ing each file
/// on each call; every way a file can change must still reach the next call.
@Suite struct ChangeFeedTests {
    let dir: String

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("virtkit-feed-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    func followingCache(_ counter: StatCacheTests.Counter) throws -> (StatCache<String>, ChangeFeed) {
        let cache = StatCache<String> { data, _ in
            counter.parses += 1
            return String(decoding: data, as: UTF8.self)
        }
        let feed = try #require(ChangeFeed(folders: [dir]))
        cache.follow(feed)
        return (cache, feed)
    }

    func replace(_ path: String, with text: String) throws {
        let tmp = path + ".tmp"
        try text.write(toFile: tmp, atomically: false, encoding: .utf8)
        #expect(rename(tmp, path) == 0)
    }

    /// Overwrites in place: same inode, same size, within one clock tick — what `stat` alone
    /// cannot tell apart, and what the stat-only cache refuses to keep for that reason.
    func overwrite(_ path: String, with text: String) {
        let fd = open(path, O_WRONLY | O_TRUNC | O_CREAT, 0o644)
        #expect(fd >= 0)
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
    }

    @Test func everyKindOfChangeReachesTheNextCall() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let counter = StatCacheTests.Counter()
        let (cache, _) = try followingCache(counter)
        let path = dir + "/g.status"
        #expect(cache.value(at: path) == nil)
        try replace(path, with: "one")  // created by rename where it was missing
        #expect(cache.value(at: path) == "one")
        overwrite(path, with: "two")  // in place, same size, same tick
        #expect(cache.value(at: path) == "two")
        try replace(path, with: "six")
        #expect(cache.value(at: path) == "six")
        unlink(path)
        #expect(cache.value(at: path) == nil)
        overwrite(dir + "/other", with: "x")  // another file's change leaves this one alone
        try "ten".write(toFile: path, atomically: false, encoding: .utf8)  // created in place
        #expect(cache.value(at: path) == "ten")
    }

    /// What the feed is for: a fresh file (which the stat-only cache re-reads, its timestamp
    /// too recent to trust) is parsed once, and later calls cost no parse.
    @Test func anUnchangedFileIsParsedOnceEvenWhenJustWritten() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let counter = StatCacheTests.Counter()
        let (cache, _) = try followingCache(counter)
        let path = dir + "/d.xml"
        try replace(path, with: "<domain/>")
        for _ in 0..<5 { #expect(cache.value(at: path) == "<domain/>") }
        #expect(counter.parses == 1)
    }

    /// Two threads share the feed: one reads a file while the other drains the event of a
    /// change made meanwhile. What the first read must not be trusted then, or it would be
    /// served until the file next changed. (The parse callback stands in for "meanwhile".)
    @Test func aReadOvertakenByAnotherThreadsDrainIsNotTrusted() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/race.status"
        try replace(path, with: "old")
        let feed = try #require(ChangeFeed(folders: [dir]))
        final class Interleave: @unchecked Sendable {
            var armed = true
            var action: () -> Void = {}
        }
        let meanwhile = Interleave()
        let cache = StatCache<String> { data, _ in
            let text = String(decoding: data, as: UTF8.self)
            if meanwhile.armed {
                meanwhile.armed = false
                meanwhile.action()
            }
            return text
        }
        cache.follow(feed)
        meanwhile.action = {
            // After this call read "old": the file changes, and another caller drains.
            try? self.replace(path, with: "new")
            _ = feed.drain()
        }
        #expect(cache.value(at: path) == "old")  // what it read, at the time it read it
        #expect(cache.value(at: path) == "new")  // never served from the overtaken read
    }

    /// Names looked up come from clients: remembering every miss would let one client grow
    /// the daemon without end.
    @Test func rememberedMissesAreBounded() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let counter = StatCacheTests.Counter()
        let (cache, _) = try followingCache(counter)
        let limit = StatCache<String>.missingLimit
        for i in 0..<(limit * 2 + 10) { #expect(cache.value(at: dir + "/absent-\(i)") == nil) }
        #expect(cache.missingCount > 0 && cache.missingCount <= limit)
        // A miss forgotten that way still answers right.
        #expect(cache.value(at: dir + "/absent-0") == nil)
        try replace(dir + "/absent-1", with: "now here")
        #expect(cache.value(at: dir + "/absent-1") == "now here")
    }

    /// Lost events (the kernel's queue overflowed) and a watched folder that went away end
    /// the feed's word: the caches fall back to `stat` and stay right.
    @Test func aFeedThatCannotVouchFailsClosed() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let counter = StatCacheTests.Counter()
        let (cache, feed) = try followingCache(counter)
        let path = dir + "/o.status"
        try replace(path, with: "aaa")
        #expect(cache.value(at: path) == "aaa")
        // More events than /proc/sys/fs/inotify/max_queued_events, none drained meanwhile.
        // An overwrite queues at least one event, but how many more depends on what the
        // kernel merges with the event before (half the limit in overwrites once fell short
        // by a few in CI), so as many overwrites as the limit and some.
        let limit = (try? String(contentsOfFile: "/proc/sys/fs/inotify/max_queued_events", encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 16384
        for i in 0...(limit + 16) { overwrite(path, with: String(format: "%03d", i % 1000)) }
        overwrite(path, with: "zzz")
        #expect(feed.drain() == nil)
        #expect(cache.value(at: path) == "zzz")
        overwrite(path, with: "yyy")
        #expect(cache.value(at: path) == "yyy")

        let gone = dir + "/sub"
        try FileManager.default.createDirectory(atPath: gone, withIntermediateDirectories: true)
        let second = try #require(ChangeFeed(folders: [gone]))
        #expect(second.drain() != nil)
        try FileManager.default.removeItem(atPath: gone)
        #expect(second.drain() == nil)
    }
}
