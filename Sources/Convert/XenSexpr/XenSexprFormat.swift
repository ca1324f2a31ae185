import Schema

/// `xen-sxpr`: the S-expressions xend exchanged with libvirt's xend driver.
public struct XenSexprFormat: NativeFormat {
    public static let name = "xen-sxpr"

    /// The xend config format assumed when the caller names none. libvirt's xend driver
    /// treated a host that reported no `xend_config_format` as version 1 (Xen 3.0.2); the
    /// version only changes VNC ports, CD-ROM placement and a few device spellings.
    public static let defaultConfigVersion = 1

    public init() {}

    public nonisolated(nonsending) func read(_ text: String, fileName: String, options: ConversionOptions) async throws -> Conversion {
        let reader = XenSexprReader(
            fileName: fileName, configVersion: options.xendConfigVersion ?? Self.defaultConfigVersion)
        return try reader.read(text)
    }

    public nonisolated(nonsending) func write(_ domain: Domain, fileName: String, options: ConversionOptions) async throws -> NativeConfig {
        let writer = XenSexprWriter(
            fileName: fileName, configVersion: options.xendConfigVersion ?? Self.defaultConfigVersion)
        let text = try writer.write(domain)
        return NativeConfig(text: text, warnings: writer.warnings.all)
    }
}
