import Foundation
import Schema

/// What a domain document says, as comparable facts: one per attribute value, per leaf
/// text and per empty flag element (`<acpi/>`), each with the element and line it came
/// from. Converters are held to them: what a native format carries comes back when its own
/// reader reads the writer's output, so a fact of the source missing from the domain read
/// back is one the format lost (`NativeFormat.writeAccountingForLosses`).
///
/// Facts are compared in canonical form, so that saying the same thing another way is not
/// a loss: memory sizes in KiB whatever their unit, the boot order whether it is the `<os>`
/// list or per-device `<boot order>`, `sync` as `offset`. What a domain document carries
/// only while the guest runs (`id`, aliases) is not a fact of the configuration.
public struct DomainFacts {
    public struct Fact: Hashable, Sendable {
        /// Element path from the root, with local names (`domain/devices/disk/target`).
        public var path: String
        /// The attribute, `#text`, `#present` (an empty element) or a derived name.
        public var key: String
        public var value: String
    }

    /// Where a fact was stated.
    public struct Origin: Sendable {
        public var element: String
        public var line: Int
    }

    public private(set) var facts: [Fact: Origin] = [:]

    public init(_ root: XMLElement) {
        walk(root, path: root.localName)
        let order = Self.bootOrder(root)
        facts[Fact(path: "domain/os", key: "boot order", value: order.joined(separator: ","))] = Origin(
            element: "boot", line: root.element(named: "os")?.element(named: "boot")?.line ?? root.line)
    }

    /// Facts of `self` that `other` does not state.
    public func missing(from other: DomainFacts) -> [(Fact, Origin)] {
        facts.filter { other.facts[$0.key] == nil }.map { ($0.key, $0.value) }
            .sorted { ($0.1.line, $0.0.path, $0.0.key) < ($1.1.line, $1.0.path, $1.0.key) }
    }

    /// Elements that exist only while the guest runs, or are placement detail recomputed
    /// by every writer.
    static let runtimeOnly: Set<String> = ["alias"]
    static let memoryElements: Set<String> = ["memory", "currentMemory", "maxMemory"]
    /// Values libvirt assumes when the attribute is absent: stating them adds no fact.
    static let defaults: Set<Fact> = [
        Fact(path: "domain/vcpu", key: "placement", value: "static"),
        Fact(path: "domain/devices/disk/driver", key: "type", value: "raw"),
    ]

    private mutating func walk(_ e: XMLElement, path: String) {
        let origin = Origin(element: e.name, line: e.line)
        // The boot order is compared as a whole (see init), however it is spelled.
        if Self.runtimeOnly.contains(e.localName) || path == "domain/os/boot" { return }
        let children = e.elements
        let text = e.text.trimmedOfWhiteSpace
        if Self.memoryElements.contains(e.localName), path.hasPrefix("domain/") && path.split(separator: "/").count == 2 {
            let kib = Self.kibibytes(text, unit: e.attribute("unit"))
            facts[Fact(path: path, key: "KiB", value: kib.map(String.init) ?? text)] = origin
            for a in e.attributes where a.name != "unit" { facts[Fact(path: path, key: a.name, value: a.value)] = origin }
            return
        }
        for a in e.attributes {
            if a.name == "order" && e.localName == "boot" { continue }
            if path == "domain" && a.name == "id" { continue }
            if a.name.hasPrefix("xmlns") { continue }
            let key = path == "domain/clock" && a.name == "sync" ? "offset" : a.name
            // MAC addresses are the same in either case.
            let value = e.localName == "mac" && a.name == "address" ? a.value.lowercased() : a.value
            let fact = Fact(path: path, key: key, value: value)
            if !Self.defaults.contains(fact) { facts[fact] = origin }
        }
        if children.isEmpty {
            if !text.isEmpty {
                facts[Fact(path: path, key: "#text", value: text)] = origin
            } else if e.attributes.isEmpty {
                facts[Fact(path: path, key: "#present", value: "")] = origin
            }
        }
        for c in children {
            walk(c, path: path + "/" + c.localName)
        }
    }

    /// `<memory unit='MiB'>64</memory>` in KiB, as the model converts sizes; nil when the
    /// number or unit is not one.
    static func kibibytes(_ text: String, unit: String?) -> UInt64? {
        guard let n = UInt64(text) else { return nil }
        return MemoryUnit(xmlValue: unit ?? "KiB").toKiB(n)
    }

    /// The boot order however it is given: per-device `<boot order>` (disks by device kind,
    /// interfaces as network) or the `<os>` list; libvirt boots from the hard disk when
    /// neither says.
    static func bootOrder(_ root: XMLElement) -> [String] {
        var ordered: [(Int, String)] = []
        for device in root.element(named: "devices")?.elements ?? [] {
            guard let order = device.element(named: "boot")?.attribute("order").flatMap({ Int($0) }) else { continue }
            switch device.localName {
            case "disk":
                switch device.attribute("device") ?? "disk" {
                case "cdrom": ordered.append((order, "cdrom"))
                case "floppy": ordered.append((order, "fd"))
                default: ordered.append((order, "hd"))
                }
            case "interface": ordered.append((order, "network"))
            default: ordered.append((order, device.localName))
            }
        }
        if !ordered.isEmpty { return ordered.sorted { $0.0 < $1.0 }.map(\.1) }
        let list = (root.element(named: "os")?.elements(named: "boot") ?? []).compactMap { $0.attribute("dev") }
        return list.isEmpty ? ["hd"] : list
    }
}

extension NativeFormat {
    /// `write`, plus a warning for every fact of `source` (the domain document as parsed,
    /// with its lines) that the format did not carry: the output is read back with this
    /// format's own reader and compared. Elements a warning of the writer names already are
    /// not named twice. When the output cannot be read back, that is said instead.
    public nonisolated(nonsending) func writeAccountingForLosses(
        _ domain: Domain, source: XMLElement, fileName: String, options: ConversionOptions
    ) async throws -> NativeConfig {
        var config = try await write(domain, fileName: fileName, options: options)
        let back: Domain
        do {
            back = try await read(config.text, fileName: fileName, options: options).domain
        } catch {
            config.warnings.append("\(Self.name) cannot read back what it wrote (\(error)); what it left out is not known")
            return config
        }
        let named = Set(config.warnings.compactMap { w -> String? in
            guard w.hasPrefix("line "), let colon = w.firstIndex(of: ":"),
                let second = w[w.index(after: colon)...].firstIndex(of: ":")
            else { return nil }
            return String(w[..<second])
        })
        var byElement: [(origin: DomainFacts.Origin, facts: [DomainFacts.Fact])] = []
        for (fact, origin) in DomainFacts(source).missing(from: DomainFacts(XMLElementTree.of(back))) {
            if let i = byElement.firstIndex(where: { $0.origin.line == origin.line && $0.origin.element == origin.element }) {
                byElement[i].facts.append(fact)
            } else {
                byElement.append((origin, [fact]))
            }
        }
        for (origin, facts) in byElement {
            let place = "line \(origin.line): element \(origin.element)"
            if named.contains(place) { continue }
            let said = facts.map { f -> String in
                switch f.key {
                case "#text": "'\(f.value)'"
                case "#present": "<\(origin.element)/>"
                case "boot order": "boot order \(f.value)"
                case "KiB": "\(f.value) KiB"
                default: "\(f.key)='\(f.value)'"
                }
            }
            config.warnings.append("\(place): \(Self.name) does not carry \(said.joined(separator: ", ")); left out")
        }
        return config
    }
}

/// A model as the tree its XML would parse to (for comparing with a parsed document): the
/// tree `formatted()` writes out, without writing it out and parsing it back.
enum XMLElementTree {
    static func of(_ domain: Domain) -> XMLElement {
        var root = domain.element(named: Domain.rootElementName)
        root.declareMissingNamespaces()
        return root
    }
}

extension String {
    /// Without white space (Unicode's, as Foundation's `.whitespacesAndNewlines` has it) at
    /// either end; Foundation's own goes through NSString, a tenth of this comparison.
    var trimmedOfWhiteSpace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        if first == scalars.startIndex && scalars.index(after: last) == scalars.endIndex { return self }
        return String(scalars[first...last])
    }
}
