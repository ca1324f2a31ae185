import Convert
import Foundation
import Schema

/// The conversion verbs' common call, `VERB FORMAT FILE`, run without the argument parser.
///
/// Building swift-argument-parser's parser for one verb costs 2.5–3 ms of CPU (`perf`: the
/// Swift runtime's first look at each generic type and conformance it reflects over), a
/// quarter of a whole `domxml-to-native`. A call of that shape — a conversion verb, a known
/// format, a regular file, no flags (nothing that starts with `-`) — can only parse one way:
/// to that verb with those two arguments and every flag at its default. So it is converted
/// directly, as the verb's own `run()` would (the same `convert`, the same options), and
/// everything else goes through the parser. `DirectConversionTests` holds the two paths to
/// the same output, byte for byte, in every outcome.
///
/// Before this, the parser ran on the main thread while the conversion ran in a `Task`, and
/// the parsed call was compared with the one converted. Measured here, that cost more than
/// it guarded: the concurrency pool's first thread took 1.6–2.2 ms to start running while
/// the parser kept the process's own core busy (these 2-core hosts pack a busy process's
/// new threads onto its core for a while). For the same reason the conversion's async
/// functions are `nonisolated(nonsending)`: called from `main`, they stay on its thread.
enum DirectConversion {
    struct ConversionCall: Sendable {
        let verb: any ConversionVerb.Type
        let format: FormatArgument
        let file: String
        let options: ConversionOptions
    }

    /// The call `arguments` (the verb and its own, after the global options) make, when it
    /// is `VERB FORMAT FILE` of a conversion verb with FILE a regular file.
    static func conversionCall(_ arguments: [String]) -> ConversionCall? {
        let verbs: [any ConversionVerb.Type] = [DomxmlToNative.self, DomxmlFromNative.self]
        guard arguments.count == 3, let verb = verbs.first(where: { $0.configuration.commandName == arguments[0] }),
            !arguments.dropFirst().contains(where: { $0.hasPrefix("-") }), let format = FormatArgument(rawValue: arguments[1])
        else { return nil }
        // A regular file only: standard input and devices keep the parser's path.
        var st = stat()
        guard stat(arguments[2], &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return nil }
        return ConversionCall(verb: verb, format: format, file: arguments[2], options: ConversionFlags.options())
    }

    /// Converts for `call`, as the verb's `run()` does.
    nonisolated(nonsending) static func convert(_ call: ConversionCall) async -> ConversionOutcome {
        await call.verb.convert(call.format, call.file, options: call.options)
    }
}
