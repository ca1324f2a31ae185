import Schema
import Testing

/// Every tagged union in the model, held to its one table of tags: each tag builds the case
/// that reports it back (a tag mapped to the wrong case fails here; a case left out of a
/// switch does not compile), survives a trip through XML, and an unknown tag is kept.
@Suite struct XMLTaggedUnionTests {
    func check<U: XMLTaggedUnion>(_ type: U.Type, element: (String?) -> XMLElement, read: (XMLElement) -> U?) {
        #expect(!U.Tag.allCases.isEmpty)
        for tag in U.Tag.allCases {
            let u = U(known: tag, payload: nil)
            #expect(u.knownTag == tag, "\(U.self): \(tag.rawValue) builds a case that says \(u.tag ?? "nil")")
            #expect(u.tag == tag.rawValue && u.unknownTag == nil)
            #expect(U(tag: tag.rawValue, payload: nil) == u)
            #expect(read(element(tag.rawValue))?.knownTag == tag, "\(U.self): \(tag.rawValue) through XML")
        }
        let unknown = U(tag: "no-such-tag", payload: nil)
        #expect(unknown.knownTag == nil && unknown.tag == "no-such-tag")
        #expect(read(element("no-such-tag"))?.tag == "no-such-tag")
    }

    @Test func diskSources() throws {
        check(DiskSource.self, element: { t in XMLElement("disk", attributes: t.map { [XMLAttribute("type", $0)] } ?? []) }) {
            Disk(element: $0).source
        }
    }

    @Test func interfaceSources() throws {
        check(InterfaceSource.self, element: { t in XMLElement("interface", attributes: t.map { [XMLAttribute("type", $0)] } ?? []) }) {
            Interface(element: $0).source
        }
    }

    @Test func hostdevSources() throws {
        check(HostdevSource.self, element: { t in XMLElement("hostdev", attributes: [XMLAttribute("mode", "subsystem")] + (t.map { [XMLAttribute("type", $0)] } ?? [])) }) {
            Hostdev(element: $0).source
        }
        // A capability hostdev's source is kept as written.
        let storage = try Domain.parse("""
            <domain type='kvm'><name>h</name><memory>65536</memory><os><type>hvm</type></os><devices>
            <hostdev mode='capabilities' type='storage'><source><block>/dev/sdf1</block></source></hostdev>
            </devices></domain>
            """)
        let h = try #require(storage.devices?.hostdevs.first)
        #expect(h.type == "storage" && h.source?.knownTag == nil)
        #expect(storage.formatted().contains("<block>/dev/sdf1</block>"))
    }

    @Test func graphicsListens() throws {
        check(GraphicsListen.self, element: { t in XMLElement("listen", attributes: t.map { [XMLAttribute("type", $0)] } ?? []) }) {
            GraphicsListen(element: $0)
        }
        let g = Graphics(element: XMLElement("graphics", attributes: [XMLAttribute("type", "vnc")], children: [
            .element(XMLElement("listen", attributes: [XMLAttribute("type", "address"), XMLAttribute("address", "127.0.0.1")])),
        ]))
        #expect(g.listens == [.onAddress("127.0.0.1")])
        #expect(g.listens.first?.element(named: "listen").attributes.map(\.name) == ["type", "address"])
    }

    @Test func deviceAddresses() throws {
        check(DeviceAddress.self, element: { t in XMLElement("address", attributes: t.map { [XMLAttribute("type", $0)] } ?? []) }) {
            DeviceAddress(element: $0)
        }
        // The payload is the element's other attributes, kept in order after the tag.
        let xml = XMLElement("address", attributes: [XMLAttribute("type", "pci"), XMLAttribute("bus", "0x01"), XMLAttribute("slot", "0x03")])
        let a = DeviceAddress(element: xml)
        #expect(a.pci?.busNumber == 1 && a.pci?.slotNumber == 3)
        #expect(a.element(named: "address").attributes.map(\.name) == ["type", "bus", "slot"])
    }
}
