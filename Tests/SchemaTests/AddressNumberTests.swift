import Schema
import Testing

/// PCI address parts are numbers as libvirt reads them, kept as written.
@Suite struct AddressNumberTests {
    @Test func partsAreTypedAndKeptAsWritten() throws {
        let xml = XMLElement("address", attributes: [
            XMLAttribute("type", "pci"), XMLAttribute("domain", "0x0000"), XMLAttribute("bus", "10"),
            XMLAttribute("slot", "0x0a"), XMLAttribute("function", "zz"),
        ])
        let a = try #require(DeviceAddress(element: xml).pci)
        #expect(a.busNumber == 10 && a.slotNumber == 10 && a.domainNumber == 0)
        // Not a number: no typed value, but the text survives the trip (the schema refuses it).
        #expect(a.function == nil && a.functionNumber == nil)
        let back = DeviceAddress.pci(a).element(named: "address")
        #expect(back.attribute("slot") == "0x0a" && back.attribute("bus") == "10" && back.attribute("function") == "zz")
        #expect(PCIAddress(bus: 1, slot: 0x1f, function: 2).element(named: "address").attribute("slot") == "0x1f")
    }
}
