import ArgumentParser
import Convert
import Schema

/// FORMAT of the conversion verbs. As an `ExpressibleByArgument` enum, an unknown one is
/// refused by the parser, which names the valid choices (exit 2); a test keeps the cases
/// equal to the converters' registry.
enum FormatArgument: String, CaseIterable, ExpressibleByArgument, Sendable {
    case qemuArgv = "qemu-argv"
    case xenSxpr = "xen-sxpr"
    case xenXM = "xen-xm"
    case xenXL = "xen-xl"

    var converter: any NativeFormat {
        guard let format = NativeFormats.named(rawValue) else {
            preconditionFailure("no converter registered as \(rawValue)")
        }
        return format
    }
}

/// `validate --schema`: ours, plus virt-xml-validate's spelling `capability`.
enum SchemaArgument: String, CaseIterable, ExpressibleByArgument {
    case domain, network, capabilities, capability

    var kind: SchemaKind {
        switch self {
        case .domain: .domain
        case .network: .network
        case .capabilities, .capability: .capabilities
        }
    }
}
