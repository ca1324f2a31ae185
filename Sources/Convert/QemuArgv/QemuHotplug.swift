import Schema

/// The QMP objects that add one disk or NIC to a running guest. They come from the same
/// builder code as the command line (`blockdev-add` takes what `-blockdev` takes,
/// `device_add` what `-device` takes), so a hotplugged device is the device a cold start
/// would have made, in JSON.
public struct HotplugObjects: Sendable {
    /// `-blockdev` objects, storage node first.
    public var blockdevs: [String] = []
    /// The `-netdev` object.
    public var netdev: String?
    /// The `-device` object.
    public var device: String
    /// The device's id (its alias).
    public var alias: String
    /// Block node names, format node first (for `blockdev-del` on detach).
    public var nodes: [String] = []
}

public enum QemuHotplug {
    /// A disk for a running guest. `nodeNumber` must be unused by the guest's block nodes.
    public static func disk(_ disk: Disk, domain: Domain, capabilities: EmulatorCapabilities, nodeNumber: Int)
        throws(Diagnostic) -> HotplugObjects
    {
        guard capabilities.has(.json) && capabilities.has(.blockdev) else {
            throw Diagnostic(
                file: "-", line: disk.line, element: "disk",
                message: "disk hotplug needs QEMU 7.1 or later (this emulator is \(capabilities.version))")
        }
        var b = ArgvBuild(domain: domain, caps: capabilities, fileName: "-", launch: nil)
        b.hotplug = true
        b.binary = domain.devices?.emulator ?? ""
        let ordinal = (domain.devices?.disks.count ?? 0)
        try b.addDisk(disk, number: nodeNumber, ordinal: ordinal, bootindex: nil)
        var out = HotplugObjects(device: "", alias: b.aliases[DeviceSlot("disk", ordinal)] ?? "")
        var i = 0
        while i + 1 < b.args.count {
            switch b.args[i] {
            case "-blockdev": out.blockdevs.append(b.args[i + 1])
            case "-device": out.device = b.args[i + 1]
            default: break
            }
            i += 2
        }
        if !out.blockdevs.isEmpty { out.nodes = ["libvirt-\(nodeNumber)-format", "libvirt-\(nodeNumber)-storage"] }
        return out
    }

    /// A NIC for a running guest, as NIC `index` (`hostnetN`/`netN`). `tapFD` is the name
    /// under which a tap descriptor was handed to QEMU (`getfd`), for bridged NICs.
    public static func interface(
        _ nic: Interface, index: Int, domain: Domain, capabilities: EmulatorCapabilities, tapFD: String?
    ) throws(Diagnostic) -> HotplugObjects {
        guard capabilities.has(.json) else {
            throw Diagnostic(
                file: "-", line: nic.line, element: "interface",
                message: "NIC hotplug needs QEMU 7.1 or later (this emulator is \(capabilities.version))")
        }
        var one = domain
        var devices = Devices()
        devices.emulator = domain.devices?.emulator
        devices.interfaces = Array(repeating: nic, count: index + 1)
        one.devices = devices
        var b = ArgvBuild(domain: one, caps: capabilities, fileName: "-", launch: nil)
        b.hotplug = true
        b.networkBridge = { _ in "unused" }  // the backend written here is discarded
        b.binary = domain.devices?.emulator ?? ""
        var backend: [(String, DeviceValue)]
        if let tapFD {
            backend = [("type", .string("tap")), ("fd", .string(tapFD))]
        } else {
            backend = try b.netdevProperties(nic, index: index)
        }
        backend.insert(("id", .string("hostnet\(index)")), at: 1)
        try b.addNetworks()
        // addNetworks wrote every NIC up to `index`; the last pair is ours.
        guard let dev = b.args.lastIndex(of: "-device") else {
            throw Diagnostic(file: "-", line: nic.line, element: "interface", message: "no device for the NIC")
        }
        return HotplugObjects(
            netdev: b.renderObject(backend), device: b.args[dev + 1], alias: "net\(index)")
    }
}
