import Schema

/// Hands out guest PCI slots on the root bus the way libvirt lays out a PC: slot 0 is the
/// host bridge, slot 1 the PIIX3 (IDE at .1, USB at .2), slot 2 the primary video card;
/// everything else takes the next free slot from 3. On q35 the video card takes slot 1 and
/// 0x1f belongs to the ICH9 LPC/SATA.
struct PCIAllocator {
    private var used: Set<UInt> = [0]

    mutating func reserve(_ slot: UInt) { used.insert(slot) }

    mutating func next() -> UInt {
        var s: UInt = 3
        while used.contains(s) || s == 0x1f { s += 1 }
        used.insert(s)
        return s
    }

    /// `addr=` text for slot and function.
    static func addr(_ slot: UInt, _ function: UInt = 0) -> String {
        function == 0 ? "0x" + String(slot, radix: 16) : "0x\(String(slot, radix: 16)).0x\(String(function, radix: 16))"
    }
}

extension ArgvBuild {
    /// The bus/addr properties for a device: its XML address when it has one, else a fresh
    /// slot on the root bus.
    mutating func pciPlacement(_ address: DeviceAddress?, line: Int) throws(Diagnostic) -> [(String, DeviceValue)] {
        if isS390 {
            // s390 has no PCI for virtio: devices sit on the channel subsystem.
            guard case .ccw(let a)? = address else { return [] }
            func digits(_ s: String?) -> String {
                let v = s ?? "0"
                return v.hasPrefix("0x") ? String(v.dropFirst(2)) : v
            }
            return [("devno", .string("\(digits(a.cssid)).\(digits(a.ssid)).\(digits(a.devno))"))]
        }
        if let a = address?.pci {
            guard let slot = a.slotNumber else {
                throw fail("PCI address without a readable slot", line: line, element: "address")
            }
            let bus = a.busNumber ?? 0
            if bus == 0 { pci.reserve(slot) }
            let busName = bus == 0 ? rootBus : "pci.\(bus)"
            var props: [(String, DeviceValue)] = [
                ("bus", .string(busName)), ("addr", .string(PCIAllocator.addr(slot, a.functionNumber ?? 0))),
            ]
            if a.multifunction == .on { props.append(("multifunction", .bool(true))) }
            return props
        }
        if address != nil {
            throw fail(
                "address type '\(address?.type ?? "")' cannot be used for a PCI device", line: line,
                element: "address")
        }
        if hotplug { return [("bus", .string(rootBus))] }
        return [("bus", .string(rootBus)), ("addr", .string(PCIAllocator.addr(pci.next())))]
    }
}
