import Schema

/// Native configurations are read as UTF-8 text. Bytes that are not UTF-8 are refused at
/// their line rather than turned into U+FFFD, which would reach the XML as a different name
/// or path than the file holds.
public enum NativeText {
    public static func decode(_ bytes: [UInt8], fileName: String) throws(Diagnostic) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        var line = 1
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let s): if s == "\n" { line += 1 }
            case .emptyInput: break loop
            case .error: break loop
            }
        }
        return try failure(line, fileName)
    }

    private static func failure(_ line: Int, _ fileName: String) throws(Diagnostic) -> String {
        throw Diagnostic(file: fileName, line: line, message: "not valid UTF-8 text")
    }
}
