import Foundation

/// Opens the driver a URI names. Local URIs run the driver in this process (no daemon);
/// remote ones go through the remote protocol.
public enum Drivers {
    public static func open(_ text: String, readOnly: Bool = false) async throws -> any Driver {
        let uri = try ConnectURI(text)
        guard uri.isLocal else { return try await RemoteDriver.connect(uri, readOnly: readOnly) }
        switch uri.driver {
        case "test":
            return try TestDriver(uri: uri)
        case "qemu":
            return try await QemuDriver.open(uri: uri, readOnly: readOnly)
        default:
            throw VirtError(.noConnect, "\(text) (known drivers: qemu, test)")
        }
    }
}
