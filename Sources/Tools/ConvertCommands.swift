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
        var options = ConversionOptions(
            emulatorVersion: emulatorVersion, cacheDirectory: cacheDir,
            environment: ProcessInfo.processInfo.environment, xendConfigVersion: xendConfigVersion)
        options.qmpSocket = qmp
        options.startPaused = paused
        return options
    }
}

struct DomxmlFromNative: AsyncParsableCommand {
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

    func run() async throws {
        let converter = format.converter
        let bytes = try readInput(file)
        do {
            let text = try NativeText.decode(bytes, fileName: file)
            let result = try await converter.read(text, fileName: file, options: flags.options)
            for w in result.warnings { warn("\(file): warning: \(w)") }
            let xml: String
            do {
                let validator = try Validator()
                let checked = try ConversionGate.domainXML(
                    result.domain, native: text, fileName: file, validator: validator)
                for w in checked.warnings { warn("\(w)") }
                xml = checked.xml
            } catch let missing as Diagnostic {
                // No schema folder: convert anyway, but say the output went unchecked.
                warn("\(file): warning: output not checked against the domain schema: \(missing.message)")
                xml = result.domain.formatted()
            }
            print(xml, terminator: "")
        } catch {
            warn("\(error)")
            throw Status.invalid
        }
    }
}

struct DomxmlToNative: AsyncParsableCommand {
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

    func run() async throws {
        let converter = format.converter
        let bytes = try readInput(file)
        do {
            let doc = try XMLDocument.parse(bytes, fileName: file)
            try checkAgainstSchema(bytes, fileName: file)
            let domain = try Domain.decodeRoot(doc)
            let native = try await converter.writeAccountingForLosses(domain, source: doc.root, fileName: file, options: flags.options)
            for w in native.warnings { warn("\(file): warning: \(w)") }
            print(native.text, terminator: native.text.hasSuffix("\n") ? "" : "\n")
        } catch {
            warn("\(error)")
            throw Status.invalid
        }
    }
}

/// Domain XML going into a writer must be valid first: a writer given a value the schema
/// refuses (a relative image path, a model name with a parenthesis) would write a native
/// config that no reader takes back. Warnings are shown; errors end the conversion.
func checkAgainstSchema(_ bytes: [UInt8], fileName: String) throws {
    let validator: Validator
    do {
        validator = try Validator()
    } catch {
        warn("\(fileName): warning: input not checked against the domain schema: \(error.message)")
        return
    }
    let problems = try validator.validate(bytes, fileName: fileName, kind: .domain, cache: VerdictCache.default())
    for w in problems where w.severity == .warning { warn("\(w)") }
    let errors = problems.filter { $0.severity == .error }
    if !errors.isEmpty { throw DiagnosticList(errors) }
}
