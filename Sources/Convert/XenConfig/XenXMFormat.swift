import Schema

/// `xen-xm`: /etc/xen config files of the xm toolstack.
public struct XenXMFormat: NativeFormat {
    public static let name = "xen-xm"

    /// The xend config format assumed when the caller names none: 3 (Xen 3.0.4), the first
    /// xend whose PV guests take their display from a `vfb` entry, and the version libvirt's
    /// XM tests of PV displays were written for.
    public static let defaultConfigVersion = 3

    /// What libvirt's XM driver added to the XML it printed in the era most reference data is from.
    static let style = XenXMLStyle(blktapAioType: "raw", osArch: "i686")

    public init() {}

    public nonisolated(nonsending) func read(_ text: String, fileName: String, options: ConversionOptions) async throws -> Conversion {
        try XenXMReader(fileName: fileName, style: Self.style).read(text)
    }

    public nonisolated(nonsending) func write(_ domain: Domain, fileName: String, options: ConversionOptions) async throws -> NativeConfig {
        let writer = XenXMWriter(
            fileName: fileName, configVersion: options.xendConfigVersion ?? Self.defaultConfigVersion)
        return NativeConfig(text: try writer.write(domain))
    }
}
