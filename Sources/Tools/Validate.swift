import ArgumentParser
import Schema

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Validate documents against virtkit's RelaxNG schemas (like virt-xml-validate).",
        discussion: """
            The schema is chosen from each document's root element (domain, network, \
            capabilities) unless --schema forces one. Valid files print 'FILE validates'; \
            problems print 'FILE:LINE: element NAME: reason' on standard error. '-' reads \
            standard input. Exit 0 when all are valid, 1 when any is invalid or not \
            well-formed, 2 on usage or I/O errors.
            """)

    @Argument(help: "Documents to validate ('-' for standard input).")
    var files: [String]

    @Option(help: "Force a schema (capability is virt-xml-validate's name for capabilities).")
    var schema: SchemaArgument?

    @Option(help: "Folder holding the .rng schemas (default: found next to virtkit, or $VIRTKIT_SCHEMA_DIR).")
    var schemaDir: String?

    @Flag(name: .shortAndLong, help: "Print nothing for valid files.")
    var quiet = false

    @Flag(help: "Treat warnings (shared MAC addresses, boot devices with nothing to boot) as errors.")
    var strict = false

    func validate() throws {
        if files.isEmpty { throw ValidationError("no files given") }
    }

    func run() throws {
        let validator: Validator
        if let schemaDir {
            validator = Validator(schemaDirectory: schemaDir)
        } else {
            do {
                validator = try Validator()
            } catch {
                warn(error.description)
                throw Status.usage
            }
        }
        let forced = schema?.kind
        var invalid = false
        var ioError = false
        for file in files {
            let bytes: [UInt8]
            do {
                bytes = try readInput(file)
            } catch {
                ioError = true
                continue
            }
            let problems: [Diagnostic]
            do {
                problems = try validator.validate(bytes, fileName: file, kind: forced)
            } catch {
                warn(error.description)  // the schema itself failed to load
                throw Status.usage
            }
            for p in problems where p.severity == .warning { warn(p.description) }
            let errors = problems.filter { $0.severity == .error || strict }
            if errors.isEmpty {
                if !quiet { print("\(file) validates") }
            } else {
                invalid = true
                for p in errors where p.severity == .error { warn(p.description) }
                warn("\(file) fails to validate")
            }
        }
        if ioError { throw Status.usage }
        if invalid { throw Status.invalid }
    }
}
