import Schema

/// Device values the Xen writers share, checked once.
enum XenDeviceText {
    static let soundModels: Set<SoundModel> = [.sb16, .es1370, .pcspk, .ac97, .ich6, .ich9, .usb, .ich7]

    /// `sb16,es1370`.
    static func soundList(_ sounds: [Sound], _ v: XenDomainView) throws(Diagnostic) -> String {
        var models: [String] = []
        for s in sounds {
            guard let m = s.model, soundModels.contains(m) else {
                throw v.fail("unexpected sound model '\(s.model?.xmlValue ?? "")'", element: "sound", line: s.line)
            }
            models.append(m.xmlValue)
        }
        return models.joined(separator: ",")
    }

    /// The NIC's MAC in canonical form; a made-up one in Xen's range when the XML has none.
    static func mac(_ nic: Interface, _ v: XenDomainView) throws(Diagnostic) -> String {
        guard let raw = nic.macAddress else { return XenMAC.random() }
        guard let mac = XenMAC.normalized(raw) else {
            throw v.fail("malformed mac address '\(raw)'", element: "mac", line: nic.mac?.line ?? nic.line)
        }
        return mac
    }

    /// xend and xm take one IP address per vif.
    static func singleIP(_ nic: Interface, _ v: XenDomainView) throws(Diagnostic) -> String? {
        if nic.ips.count > 1 {
            throw v.fail(
                "Driver does not support setting multiple IP addresses", element: "interface", line: nic.line)
        }
        return nic.ips.first?.address
    }

    /// Why a NIC whose type Xen's vif cannot carry is refused (bridge and ethernet are).
    static func unsupportedNIC(_ nic: Interface, _ v: XenDomainView) -> Diagnostic {
        if case .network? = nic.source {
            return v.fail(
                "interface type 'network' needs the running libvirt network to name its bridge; use type 'bridge'",
                element: "interface", line: nic.line)
        }
        return v.fail("unsupported network type '\(nic.source?.tag ?? "")'", element: "interface", line: nic.line)
    }
}
