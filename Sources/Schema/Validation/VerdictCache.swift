import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Remembers that a document passed validation, so converting the same document again
/// does not compile the schemas again (compiling them is most of a conversion's time).
///
/// A verdict is filed under the SHA-256 of the document's bytes, its schema kind, every
/// schema file's name, size and modification time, and the virtkit binary's identity: any
/// change to the document, the grammar or the checks finds no verdict and validates afresh.
/// Only passes are remembered (with their warnings, which are shown again); a document that
/// fails is validated, and fails, every time.
public struct VerdictCache: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// The default folder: `$XDG_CACHE_HOME/virtkit/verdicts` (else `~/.cache/…`).
    public static func `default`(environment: [String: String] = ProcessInfo.processInfo.environment) -> VerdictCache? {
        if let x = environment["XDG_CACHE_HOME"], x.hasPrefix("/") { return VerdictCache(directory: x + "/virtkit/verdicts") }
        if let h = environment["HOME"], h.hasPrefix("/") { return VerdictCache(directory: h + "/.cache/virtkit/verdicts") }
        return nil
    }

    public func key(_ bytes: [UInt8], kind: SchemaKind, schemaDirectory: String) -> String {
        var h = SHA256()
        h.update(data: bytes)
        var context = "kind=\(kind.rawValue)\n"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: schemaDirectory)) ?? []).filter {
            $0.hasSuffix(".rng")
        }.sorted()
        for name in names { context += "\(name) \(Self.stamp(schemaDirectory + "/" + name))\n" }
        context += "binary \(Self.stamp("/proc/self/exe"))\n"
        h.update(data: Array(context.utf8))
        // By hand: String(format:) goes through NSString, 32 times per conversion.
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in h.finalize() { out += [hex[Int(b >> 4)], hex[Int(b & 15)]] }
        return String(decoding: out, as: UTF8.self)
    }

    static func stamp(_ path: String) -> String {
        var st = stat()
        guard stat(path, &st) == 0 else { return "-" }
        return "\(st.st_size):\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec):\(st.st_ino)"
    }

    /// The warnings of a remembered pass, for `fileName`, or nil.
    public func lookup(_ key: String, fileName: String) -> [Diagnostic]? {
        guard let data = FileManager.default.contents(atPath: directory + "/" + key) else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        guard text.hasPrefix("valid\n") else { return nil }
        return text.dropFirst(6).split(separator: "\n", omittingEmptySubsequences: true).compactMap { line in
            let f = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
            guard f.count == 3 else { return nil }
            return Diagnostic(
                file: fileName, line: Int(f[0]) ?? 0, element: f[1].isEmpty ? nil : String(f[1]), message: String(f[2]),
                severity: .warning)
        }
    }

    public func record(_ key: String, warnings: [Diagnostic]) {
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let lines = warnings.map { w in
            "\(w.line)\t\(w.element ?? "")\t" + w.message.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\t", with: " ")
        }
        try? AtomicFile.write("valid\n" + lines.map { $0 + "\n" }.joined(), to: directory + "/" + key, mode: 0o644)
    }
}

extension Validator {
    /// `validate`, answered from `cache` when this exact document already passed.
    public func validate(_ bytes: [UInt8], fileName: String, kind: SchemaKind, cache: VerdictCache?) throws(Diagnostic)
        -> [Diagnostic]
    {
        guard let cache else { return try validate(bytes, fileName: fileName, kind: kind) }
        let key = cache.key(bytes, kind: kind, schemaDirectory: schemaDirectory)
        if let warnings = cache.lookup(key, fileName: fileName) { return warnings }
        let problems = try validate(bytes, fileName: fileName, kind: kind)
        if !problems.contains(where: { $0.severity == .error }) { cache.record(key, warnings: problems) }
        return problems
    }
}
