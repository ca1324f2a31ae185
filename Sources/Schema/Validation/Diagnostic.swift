/// One problem found in a document, located the way compilers and virt-xml-validate do:
/// `FILE:LINE: element NAME: reason`.
public struct Diagnostic: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    /// The element the problem is about, when there is one.
    public var element: String?
    public var message: String
    /// Warnings are reported but do not make a document invalid.
    public var severity: Severity

    public enum Severity: Sendable {
        case error, warning
    }

    public init(file: String, line: Int, element: String? = nil, message: String, severity: Severity = .error) {
        self.file = file
        self.line = line
        self.element = element
        self.message = message
        self.severity = severity
    }

    public var description: String {
        let text = severity == .warning ? "warning: " + message : message
        // Line 0 means no line is known (a whole-file problem): print FILE: alone.
        let place = line > 0 ? "\(file):\(line):" : "\(file):"
        if let element {
            return "\(place) element \(element): \(text)"
        }
        return "\(place) \(text)"
    }
}

/// Several diagnostics for one document, thrown together.
public struct DiagnosticList: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
