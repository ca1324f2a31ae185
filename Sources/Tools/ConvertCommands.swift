import ArgumentParser
import Convert
import Foundation
import Schema

/// Options every conversion verb shares.
struct ConversionFlags: ParsableArguments {
    @Option(help: "qemu-argv: QEMU version to write for (e.g. 0.10.0, 7.2.0) instead of probing the emulator.")
    var emulatorVersion: String?

    @Option(help: "qemu-argv: folder for cached emulator probes (default: $XDG_CACHE_HOME/virtkit).")
    var cacheDir: String?

    @Option(
        help: """
            xen-sxpr, xen-xm: xend config format version of the host (1 = Xen 3.0.2 … 4 = Xen 3.1+; \
            default 1 for xen-sxpr, as libvirt assumed for a host that reports none, and 3 for xen-xm).
            """)
    var xendConfigVersion: Int?

    @Option(help: "qemu-argv: add a QMP monitor on this Unix socket, as a managing program runs QEMU.")
    var qmp: String?

    @Flag(help: "qemu-argv: start with the CPUs stopped (-S), to be resumed over QMP (with --qmp).")
    var paused = false

    var options: ConversionOptions {
        Self.options(emulatorVersion: emulatorVersion, cacheDir: cacheDir, xendConfigVersion: xendConfigVersion, qmp: qmp, paused: paused)
    }

    /// The options these flags stand for; with no arguments, those of a call without flags.
    static func options(
        emulatorVersion: String? = nil, cacheDir: String? = nil, xendConfigVersion: Int? = nil, qmp: String? = nil,
        paused: Bool = false
    ) -> ConversionOptions {
        var options = ConversionOptions(
            emulatorVersion: emulatorVersion, cacheDirectory: cacheDir,
            environment: ProcessInfo.processInfo.environment, xendConfigVersion: xendConfigVersion)
        options.qmpSocket = qmp
        options.startPaused = paused
        return options
    }
}

/// The two conversion verbs: a format, a file and the shared flags, and one conversion
/// function that both `run()` and `DirectConversion` (the call without the parser) use.
protocol ConversionVerb: AsyncParsableCommand {
    var format: FormatArgument { get }
    var file: String { get }
    var flags: ConversionFlags { get }
    nonisolated(nonsending) static func convert(_ format: FormatArgument, _ file: String, options: ConversionOptions) async -> ConversionOutcome
}

extension ConversionVerb {
    func run() async throws {
        try await Self.convert(format, file, options: flags.options).deliver()
    }
}

struct DomxmlFromNative: ConversionVerb {
    static let configuration = CommandConfiguration(
        commandName: "domxml-from-native",
        abstract: "Convert a native guest configuration to libvirt domain XML.",
        discussion: """
            Prints the domain XML on standard output. Anything read but not representable is \
            reported on standard error. Exit 1 on malformed input, 2 on usage or I/O errors.
            """)

    @Argument(help: "Native format.")
    var format: FormatArgument

    @Argument(help: "The native configuration ('-' for standard input).")
    var file: String

    @OptionGroup var flags: ConversionFlags

    nonisolated(nonsending) static func convert(_ format: FormatArgument, _ file: String, options: ConversionOptions) async -> ConversionOutcome {
        var out = ConversionOutcome()
        guard let bytes = out.input(file) else { return out }
        do {
            let text = try NativeText.decode(bytes, fileName: file)
            let result = try await format.converter.read(text, fileName: file, options: options)
            out.messages += result.warnings.map { "\(file): warning: \($0)" }
            do {
                let validator = try Validator()
                let checked = try ConversionGate.domainXML(
                    result.domain, native: text, fileName: file, validator: validator)
                out.messages += checked.warnings.map { "\($0)" }
                out.text = checked.xml
            } catch let missing as Diagnostic {
                // No schema folder: convert anyway, but say the output went unchecked.
                out.messages.append("\(file): warning: output not checked against the domain schema: \(missing.message)")
                out.text = result.domain.formatted()
            }
        } catch {
            out.fail("\(error)")
        }
        return out
    }
}

struct DomxmlToNative: ConversionVerb {
    static let configuration = CommandConfiguration(
        commandName: "domxml-to-native",
        abstract: "Convert libvirt domain XML to a native guest configuration.",
        discussion: """
            Prints the native configuration on standard output. Exit 1 when the XML is \
            malformed or holds something the format cannot express safely, 2 on usage or \
            I/O errors.
            """)

    @Argument(help: "Native format.")
    var format: FormatArgument

    @Argument(help: "The domain XML ('-' for standard input).")
    var file: String

    @OptionGroup var flags: ConversionFlags

    nonisolated(nonsending) static func convert(_ format: FormatArgument, _ file: String, options: ConversionOptions) async -> ConversionOutcome {
        var out = ConversionOutcome()
        guard let bytes = out.input(file) else { return out }
        do {
            let doc = try XMLDocument.parse(bytes, fileName: file)
            out.messages += try schemaWarnings(bytes, fileName: file)
            let domain = try Domain.decodeRoot(doc)
            let native = try await format.converter.writeAccountingForLosses(
                domain, source: doc.root, fileName: file, options: options)
            out.messages += native.warnings.map { "\(file): warning: \($0)" }
            out.text = native.text.hasSuffix("\n") ? native.text : native.text + "\n"
        } catch {
            out.fail("\(error)")
        }
        return out
    }
}

/// Domain XML going into a writer must be valid first: a writer given a value the schema
/// refuses (a relative image path, a model name with a parenthesis) would write a native
/// config that no reader takes back. Returns the warnings to show; errors end the conversion.
func schemaWarnings(_ bytes: [UInt8], fileName: String) throws -> [String] {
    let validator: Validator
    do {
        validator = try Validator()
    } catch {
        return ["\(fileName): warning: input not checked against the domain schema: \(error.message)"]
    }
    let problems = try validator.validate(bytes, fileName: fileName, kind: .domain, cache: VerdictCache.default())
    let errors = problems.filter { $0.severity == .error }
    if !errors.isEmpty { throw DiagnosticList(errors) }
    return problems.filter { $0.severity == .warning }.map { "\($0)" }
}

/// What a conversion verb shows: the converted text for standard output, the lines for
/// standard error, and its exit status; delivered at the end, so that nothing is printed
/// before the conversion has succeeded or failed as a whole.
struct ConversionOutcome: Sendable {
    var text = ""
    var messages: [String] = []
    var status: Int32 = 0

    /// The file's bytes, or nil after noting why it cannot be read (an I/O error: exit 2).
    mutating func input(_ path: String) -> [UInt8]? {
        do {
            return try loadInput(path)
        } catch {
            messages.append(error.message)
            status = Status.usage.rawValue
            return nil
        }
    }

    /// A failed conversion (exit 1): what failed, and no output.
    mutating func fail(_ message: String) {
        messages.append(message)
        status = Status.invalid.rawValue
        text = ""
    }

    func deliver() throws {
        for m in messages { warn(m) }
        guard status == 0 else { throw ExitCode(status) }
        print(text, terminator: "")
    }
}
