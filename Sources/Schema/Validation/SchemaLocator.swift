import Foundation

/// The document kinds virtkit has schemas for, with their root element and schema file.
public enum SchemaKind: String, CaseIterable, Sendable {
    case domain, network, capabilities

    public var rootElement: String { rawValue }

    public var fileName: String {
        switch self {
        case .domain: "domain.rng"
        case .network: "network.rng"
        case .capabilities: "capability.rng"
        }
    }

    /// The kind whose root element is `name` (libvirt's own spellings accepted).
    public init?(rootElement name: String) {
        switch name {
        case "domain": self = .domain
        case "network": self = .network
        case "capabilities": self = .capabilities
        default: return nil
        }
    }
}

/// Finds the `schemas/` folder: `$VIRTKIT_SCHEMA_DIR`, then upwards from the executable
/// (a build tree's `schemas/`, or an install's `share/virtkit/schemas/`), then the usual
/// install prefixes.
public enum SchemaLocator {
    public static func directory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let dir = environment["VIRTKIT_SCHEMA_DIR"], !dir.isEmpty { return dir }
        var candidates: [String] = []
        var dir = URL(fileURLWithPath: executablePath()).deletingLastPathComponent()
        for _ in 0..<8 {
            candidates.append(dir.appendingPathComponent("schemas").path)
            candidates.append(dir.appendingPathComponent("share/virtkit/schemas").path)
            dir.deleteLastPathComponent()
        }
        candidates += ["/usr/local/share/virtkit/schemas", "/usr/share/virtkit/schemas"]
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/domain.rng") }
    }

    static func executablePath() -> String {
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return resolved
        }
        return CommandLine.arguments.first ?? "."
    }
}
