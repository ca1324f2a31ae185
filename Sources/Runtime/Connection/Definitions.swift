import Foundation
import Schema

/// Turns the documents callers hand a driver into checked models: well-formed, valid
/// against our schemas, semantically sound and with a name that is safe to use as a file
/// name. Nothing is stored until this has said yes.
///
/// libxml2's RelaxNG contexts are not to be shared between threads, so one compiled
/// validator is used under a lock; it is compiled on first use, so a driver that never
/// reads a document (a `start` of a defined guest) never pays for the schema.
public final class DefinitionChecker: @unchecked Sendable {
    private let lock = NSLock()
    private var validator: Validator?
    private let schemaDirectory: String?

    public init(schemaDirectory: String? = nil) {
        self.schemaDirectory = schemaDirectory
    }

    /// A domain document, checked. Semantic warnings come back for the caller to show.
    public func domain(_ xml: String) throws(VirtError) -> (domain: Domain, warnings: [String]) {
        let problems = try check(xml, kind: .domain)
        let domain: Domain
        do {
            domain = try Domain.parse(xml, fileName: "-")
        } catch {
            throw VirtError(.xmlError, error.lineAndMessage, diagnostics: [error])
        }
        guard let name = domain.name else {
            throw VirtError(.xmlError, "missing domain name")
        }
        try ObjectName.check(name, kind: "domain")
        return (domain, problems.map(\.lineAndMessage))
    }

    /// A network document, checked.
    public func network(_ xml: String) throws(VirtError) -> Network {
        _ = try check(xml, kind: .network)
        let network: Network
        do {
            network = try Network.parse(xml, fileName: "-")
        } catch {
            throw VirtError(.xmlError, error.lineAndMessage, diagnostics: [error])
        }
        guard let name = network.name else { throw VirtError(.xmlError, "missing network name") }
        try ObjectName.check(name, kind: "network")
        return network
    }

    /// Schema and semantic errors throw; warnings are returned.
    private func check(_ xml: String, kind: SchemaKind) throws(VirtError) -> [Diagnostic] {
        lock.lock()
        defer { lock.unlock() }
        do {
            if validator == nil {
                validator = try schemaDirectory.map(Validator.init(schemaDirectory:)) ?? Validator()
            }
            let problems = try validator!.validate(Array(xml.utf8), fileName: "-", kind: kind)
            let errors = problems.filter { $0.severity == .error }
            if let first = errors.first {
                let notXML = first.message.contains("not well-formed") || first.element == nil && first.line <= 1
                throw VirtError(
                    notXML ? .xmlError : .xmlInvalidSchema, first.lineAndMessage, diagnostics: errors)
            }
            return problems.filter { $0.severity == .warning }
        } catch let e as VirtError {
            throw e
        } catch let d as Diagnostic {
            throw VirtError(.internalError, d.description)
        } catch {
            throw VirtError(.internalError, "\(error)")
        }
    }
}

/// The names domains and networks may have: they become file names, so no `/`, no `..`,
/// no leading `.`, no control characters, and a length a file system takes.
public enum ObjectName {
    public static func check(_ name: String, kind: String) throws(VirtError) {
        if name.isEmpty { throw VirtError(.xmlError, "\(kind) name must not be empty") }
        // Byte scans, not Foundation's `contains(String)`: every daemon call checks a name.
        let bytes = Array(name.utf8)
        let dot = UInt8(ascii: ".")
        if bytes.contains(UInt8(ascii: "/")) { throw VirtError(.xmlError, "name \(name) cannot contain '/'") }
        if bytes.first == dot { throw VirtError(.xmlError, "name \(name) cannot start with '.'") }
        if zip(bytes, bytes.dropFirst()).contains(where: { $0 == dot && $1 == dot }) {
            throw VirtError(.xmlError, "name \(name) cannot contain '..'")
        }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) {
            throw VirtError(.xmlError, "\(kind) name cannot contain control characters")
        }
        if name.utf8.count > 200 {
            throw VirtError(.xmlError, "\(kind) name is longer than 200 bytes")
        }
    }
}

extension Diagnostic {
    /// `line N: element X: reason` for a document that came without a file name.
    public var lineAndMessage: String {
        var parts: [String] = []
        if line > 0 { parts.append("line \(line)") }
        if let element { parts.append("element \(element)") }
        parts.append(message)
        return parts.joined(separator: ": ")
    }
}
