import ArgumentParser
import Schema

struct Normalize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "normalize",
        abstract: "Print a document in libvirt's canonical formatting (lossless, idempotent).",
        discussion: """
            Elements are written in libvirt's order with two-space indentation and \
            single-quoted attributes; UUIDs take the dashed form. Elements and attributes \
            virtkit does not model are kept. With --in-place the file is replaced atomically.
            """)

    @Argument(help: "The document ('-' for standard input).")
    var file: String

    @Flag(name: [.customShort("i"), .long], help: "Rewrite the file instead of printing.")
    var inPlace = false

    func validate() throws {
        if inPlace && file == "-" { throw ValidationError("--in-place needs a file, not standard input") }
    }

    func run() throws {
        let bytes = try readInput(file)
        let output: String
        do {
            let doc = try XMLDocument.parse(bytes, fileName: file)
            switch SchemaKind(rootElement: doc.root.name) {
            case .domain?: output = try Domain.decodeRoot(doc).formatted()
            case .network?: output = try Network.decodeRoot(doc).formatted()
            case .capabilities?: output = try Capabilities.decodeRoot(doc).formatted()
            case nil:
                throw Diagnostic(
                    file: file, line: doc.root.line, element: doc.root.name,
                    message: "unknown root element; expected domain, network or capabilities")
            }
        } catch let error as Diagnostic {
            warn(error.description)
            throw Status.invalid
        }
        if inPlace {
            do {
                try AtomicFile.write(output, to: file)
            } catch {
                warn(error.description)
                throw Status.usage
            }
        } else {
            print(output, terminator: "")
        }
    }
}
