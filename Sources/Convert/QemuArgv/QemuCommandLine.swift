import Schema

/// A command line as qemu-argv holds it: environment assignments, the emulator, its arguments.
public struct QemuCommandLine: Equatable, Sendable {
    public var environment: [(name: String, value: String)]
    public var binary: String
    public var arguments: [String]
    /// What the builder wrote differently from the XML or could not write at all (a VNC
    /// password that only QMP can set): not part of the command line, not compared.
    public var warnings: [String] = []
    /// The QEMU `id` of each device (its libvirt alias) and the `-chardev` id behind each
    /// character device, by position in the domain: the runtime shows them in the live XML
    /// and finds ptys by them.
    public var aliases: [DeviceSlot: String] = [:]
    public var chardevs: [DeviceSlot: String] = [:]

    public init(environment: [(name: String, value: String)] = [], binary: String, arguments: [String] = []) {
        self.environment = environment
        self.binary = binary
        self.arguments = arguments
    }

    public static func == (a: QemuCommandLine, b: QemuCommandLine) -> Bool {
        a.binary == b.binary && a.arguments == b.arguments
            && a.environment.map { "\($0.name)=\($0.value)" } == b.environment.map { "\($0.name)=\($0.value)" }
    }

    /// One line, each word shell-quoted only where the shell would otherwise change it.
    public func rendered() -> String {
        var words = environment.map { "\($0.name)=" + ShellWords.quote($0.value) }
        words.append(ShellWords.quote(binary))
        words += arguments.map(ShellWords.quote)
        return words.joined(separator: " ")
    }

    /// The argv to exec (binary first), without the environment.
    public var argv: [String] { [binary] + arguments }
}
