import Schema

/// `xen-xl`: xl.cfg files of the libxl toolstack.
public struct XenXLFormat: NativeFormat {
    public static let name = "xen-xl"

    /// What libvirt's libxl driver added to the XML it printed.
    static let style = XenXMLStyle(
        vcpuPlacement: true, implicitKeyboard: true, variableHVMClock: true, blktapAioType: "raw",
        osArch: "x86_64", romLoaderType: true, defaultDiskFormat: "raw", driveAddresses: true,
        hvmVideo: (.cirrus, 8192), pvVideo: (.xen, 4096), memballoon: false, xenbusController: false,
        ipFamily: true, pciDriverXen: true, implicitInputsAlways: true)

    public init() {}

    public nonisolated(nonsending) func read(_ text: String, fileName: String, options: ConversionOptions) async throws -> Conversion {
        try XenXLReader(fileName: fileName, style: Self.style).read(text)
    }

    public nonisolated(nonsending) func write(_ domain: Domain, fileName: String, options: ConversionOptions) async throws -> NativeConfig {
        NativeConfig(text: try XenXLWriter(fileName: fileName).write(domain))
    }
}
