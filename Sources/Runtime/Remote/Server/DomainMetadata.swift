import Schema

/// `virDomainGetMetadata` read from the domain's XML: the description, the title, or the
/// `<metadata>` child in a namespace. Absent metadata is libvirt's "metadata not found".
public enum DomainMetadata {
    public static func read(_ a: MetadataArgs, driver: any Driver) async throws -> XString {
        // virDomainModificationImpact: 1 live, 2 config; not both.
        if a.flags & ~3 != 0 { throw VirtError.unsupportedFlags(a.flags & ~3, "virDomainGetMetadata") }
        if a.flags == 3 { throw VirtError(.invalidArg, "flags 'affect live' and 'affect config' are mutually exclusive") }
        let config = a.flags & 2 != 0
        let xml = try await driver.domainGetXMLDesc(a.dom.ref, flags: config ? DomainXMLFlags.inactive.rawValue : 0)
        let root: XMLElement
        do {
            root = try XMLDocument.parse(xml, fileName: "domain").root
        } catch {
            throw VirtError(.internalError, error.lineAndMessage)
        }
        let missing = VirtError(.noDomainMetadata, "Requested metadata element is not present")
        switch a.type {
        case 0, 1:
            guard let e = root.element(named: a.type == 0 ? "description" : "title") else { throw missing }
            return XString(e.text)
        case 2:
            guard let uri = a.uri, !uri.isEmpty else { throw VirtError(.invalidArg, "uri must not be empty") }
            guard let found = root.element(named: "metadata")?.elements.first(where: { $0.namespaceURI == uri }) else {
                throw missing
            }
            return XString(XMLWriter.format(found))
        default:
            throw VirtError(.invalidArg, "unknown metadata type \(a.type)")
        }
    }
}
