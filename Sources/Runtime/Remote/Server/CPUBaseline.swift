import Schema

/// `virConnectBaselineCPU` / `virConnectBaselineHypervisorCPU` without a CPU map: the CPUs
/// must name the same model (and vendor, where given), and the baseline keeps the features
/// every one of them requires. Different models would need libvirt's model ordering to pick
/// the newest common one; that is refused as unsupported rather than guessed.
public enum CPUBaseline {
    /// virConnectBaselineCPUFlags: 1 expand features (needs the CPU map), 2 migratable.
    static let migratable: UInt32 = 2

    public static func baseline(_ documents: [String], flags: UInt32) throws(VirtError) -> String {
        if flags & ~migratable != 0 { throw VirtError.unsupportedFlags(flags & ~migratable, "virConnectBaselineCPU") }
        guard !documents.isEmpty else { throw VirtError(.invalidArg, "no CPU definitions were given") }
        var cpus: [XMLElement] = []
        for (i, text) in documents.enumerated() {
            let root: XMLElement
            do {
                root = try XMLDocument.parse(text, fileName: "cpu \(i + 1)").root
            } catch {
                throw VirtError(.xmlError, error.lineAndMessage)
            }
            guard let cpu = findCPU(root) else {
                throw VirtError(.xmlError, "CPU definition \(i + 1) has no <cpu> element")
            }
            cpus.append(cpu)
        }
        let models = cpus.map { $0.element(named: "model")?.text.trimmed ?? "" }
        guard let model = models.first, !model.isEmpty, models.allSatisfy({ $0 == model }) else {
            throw VirtError(
                .operationUnsupported,
                "baseline of different CPU models (\(Set(models).sorted().joined(separator: ", "))) needs a CPU map")
        }
        let vendors = Set(cpus.compactMap { $0.element(named: "vendor")?.text.trimmed })
        if vendors.count > 1 { throw VirtError(.operationFailed, "CPU vendors do not match") }
        var common: Set<String>?
        for cpu in cpus {
            let required = Set(
                cpu.elements(named: "feature").filter { ($0.attribute("policy") ?? "require") == "require" }
                    .compactMap { $0.attribute("name") })
            common = common.map { $0.intersection(required) } ?? required
        }
        var children = [el("model", ["fallback": "forbid"], text: model)]
        if let vendor = vendors.first { children.append(el("vendor", text: vendor)) }
        for name in (common ?? []).sorted() { children.append(el("feature", ["policy": "require", "name": name])) }
        return XMLWriter.format(el("cpu", ["mode": "custom", "match": "exact"], children))
    }

    /// The first `<cpu>` at or under the root (a capabilities document carries it in `<host>`).
    private static func findCPU(_ e: XMLElement) -> XMLElement? {
        if e.localName == "cpu" { return e }
        for child in e.elements {
            if let found = findCPU(child) { return found }
        }
        return nil
    }
}

extension String {
    fileprivate var trimmed: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
