import Schema

/// One device element as `attach-device`/`detach-device` take it, and the edits on a
/// domain's device list. Drivers share it: what counts as "the same device" (a disk by its
/// target, a NIC by its MAC) is decided once, here.
public struct DeviceSpec: Sendable {
    /// The element's name: `disk`, `interface`, `serial`…
    public let family: String
    public let element: XMLElement

    /// Parses a document whose root is one device element.
    public init(xml: String) throws(VirtError) {
        let doc: XMLDocument
        do {
            doc = try XMLDocument.parse(xml, fileName: "-")
        } catch {
            throw VirtError(.xmlError, error.lineAndMessage, diagnostics: [error])
        }
        let root = doc.root
        guard root.namespaceURI == nil, Self.families.contains(root.name) else {
            throw VirtError(
                .xmlError, "unknown device type '\(root.name)' (expected one of \(Self.families.joined(separator: ", ")))")
        }
        family = root.name
        element = root
    }

    init(family: String, element: XMLElement) {
        self.family = family
        self.element = element
    }

    static let families = [
        "disk", "controller", "lease", "filesystem", "interface", "smartcard", "serial", "parallel", "console",
        "channel", "input", "tpm", "graphics", "sound", "audio", "video", "hostdev", "redirdev", "redirfilter", "hub",
        "watchdog", "memballoon", "rng", "panic", "shmem", "memory", "iommu", "vsock", "crypto",
    ]

    public var disk: Disk? { family == "disk" ? Disk(element: element) : nil }
    public var interface: Interface? { family == "interface" ? Interface(element: element) : nil }

    /// What identifies this device among its family.
    var key: String {
        switch family {
        case "disk": return "disk:" + (Disk(element: element).targetDev ?? "")
        case "interface":
            let nic = Interface(element: element)
            if let mac = nic.macAddress { return "interface:" + mac.lowercased() }
            return "interface:?" + XMLWriter.format(Self.strip(element))
        default:
            return family + ":" + XMLWriter.format(Self.strip(element))
        }
    }

    /// The element without what a running host adds (alias, address, live targets): two
    /// devices equal apart from those are the same device.
    static func strip(_ e: XMLElement) -> XMLElement {
        var copy = e
        copy.line = 0
        copy.children = e.children.compactMap { node in
            guard case .element(let child) = node else {
                if case .text(let t) = node, t.allSatisfy(\.isWhitespace) { return nil }
                return node
            }
            if child.namespaceURI == nil && ["alias", "address"].contains(child.name) { return nil }
            return .element(strip(child))
        }
        return copy
    }
}

public enum DeviceEdit {
    /// Adds `device` to `domain`'s devices; a disk target or MAC already in use is refused.
    public static func attach(_ device: DeviceSpec, to domain: inout Domain) throws(VirtError) {
        var devices = domain.deviceList.element(named: "devices")
        let existing = specs(in: devices)
        if device.family == "disk" || device.family == "interface", existing.contains(where: { $0.key == device.key }) {
            if let dev = device.disk?.targetDev {
                throw VirtError(.operationFailed, "target \(dev) already exists")
            }
            throw VirtError(
                .operationFailed, "domain already has an interface with MAC address \(device.interface?.macAddress ?? "")")
        }
        // Children in libvirt's order: after the last device of the same family, else at the end.
        let lastSame = devices.children.lastIndex { if case .element(let e) = $0 { e.name == device.family } else { false } }
        if let i = lastSame {
            devices.children.insert(.element(device.element), at: i + 1)
        } else {
            devices.children.append(.element(device.element))
        }
        domain.devices = Devices(element: devices)
    }

    /// Removes the device matching `device` and returns it as it was in the domain.
    @discardableResult
    public static func detach(_ device: DeviceSpec, from domain: inout Domain) throws(VirtError) -> DeviceSpec {
        var devices = domain.deviceList.element(named: "devices")
        guard
            let index = devices.children.firstIndex(where: { node in
                guard case .element(let e) = node, e.name == device.family, e.namespaceURI == nil else { return false }
                return DeviceSpec(family: e.name, element: e).key == device.key
            }), case .element(let found) = devices.children[index]
        else {
            throw VirtError(.deviceMissing, "no \(device.family) matching \(device.describe) in the domain")
        }
        devices.children.remove(at: index)
        domain.devices = Devices(element: devices)
        return DeviceSpec(family: found.name, element: found)
    }

    static func specs(in devices: XMLElement) -> [DeviceSpec] {
        devices.elements.filter { $0.namespaceURI == nil }.map { DeviceSpec(family: $0.name, element: $0) }
    }
}

extension DeviceSpec {
    var describe: String {
        if let dev = disk?.targetDev { return "target '\(dev)'" }
        if let mac = interface?.macAddress { return "MAC '\(mac)'" }
        return "the given element"
    }
}
