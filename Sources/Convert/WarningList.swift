/// Warnings a writer collects while it builds (its building functions are not mutating;
/// one list per conversion, never shared between threads).
final class WarningList {
    private(set) var all: [String] = []

    func add(_ warning: String) { all.append(warning) }
}
