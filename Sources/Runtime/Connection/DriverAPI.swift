import Schema

/// The driver operations by libvirt's API names, each with a harmless call that tells
/// whether a driver implements it: an operation a driver lacks answers "not supported"
/// before doing anything; one it has fails on the probe's unknown domain, bad document or
/// unknown flag bit instead (or, for plain queries, just answers). `virtkit hvsupport`
/// builds its table from these answers, so the matrix is read off the drivers themselves.
public struct DriverAPI: Sendable {
    public enum Group: String, Sendable, CaseIterable {
        case connection = "Connection and host"
        case domain = "Domains"
        case network = "Networks"
    }

    public let name: String
    public let group: Group
    let probe: @Sendable (any Driver) async throws -> Void

    init(_ name: String, _ group: Group, _ probe: @escaping @Sendable (any Driver) async throws -> Void) {
        self.name = name
        self.group = group
        self.probe = probe
    }

    /// Whether `driver` implements this operation.
    public func isImplemented(by driver: any Driver) async -> Bool {
        do {
            try await probe(driver)
            return true
        } catch let e as VirtError where e.code == .noSupport {
            return false
        } catch {
            return true
        }
    }

    /// A domain no driver has.
    static let ghost = DomainRef(
        name: "virtkit-hvsupport-probe", uuid: UUIDValue(bytes: Array(repeating: 0xfe, count: 16)), id: Int32.max)
    static let ghostNetwork = NetworkRef(
        name: "virtkit-hvsupport-probe", uuid: UUIDValue(bytes: Array(repeating: 0xfe, count: 16)))
    /// A flag bit no libvirt API defines: drivers refuse it before acting.
    static let badFlag: UInt32 = 1 << 30
    static let notXML = "<virtkit-hvsupport-probe"

    public static let all: [DriverAPI] = [
        DriverAPI("virConnectGetType", .connection) { _ = try await $0.connectGetType() },
        DriverAPI("virConnectGetVersion", .connection) { _ = try await $0.connectGetVersion() },
        DriverAPI("virConnectGetLibVersion", .connection) { _ = try await $0.connectGetLibVersion() },
        DriverAPI("virConnectGetHostname", .connection) { _ = try await $0.connectGetHostname() },
        DriverAPI("virConnectGetURI", .connection) { _ = try await $0.connectGetURI() },
        DriverAPI("virConnectGetCapabilities", .connection) { _ = try await $0.connectGetCapabilities() },
        DriverAPI("virConnectGetDomainCapabilities", .connection) {
            _ = try await $0.connectGetDomainCapabilities(
                emulator: nil, arch: nil, machine: nil, virttype: nil, flags: badFlag)
        },
        DriverAPI("virConnectGetMaxVcpus", .connection) { _ = try await $0.connectGetMaxVcpus(type: nil) },
        DriverAPI("virConnectGetSysinfo", .connection) { _ = try await $0.connectGetSysinfo(flags: badFlag) },
        DriverAPI("virNodeGetInfo", .connection) { _ = try await $0.nodeGetInfo() },
        DriverAPI("virNodeGetFreeMemory", .connection) { _ = try await $0.nodeGetFreeMemory() },
        DriverAPI("virConnectDomainXMLFromNative", .connection) {
            _ = try await $0.connectDomainXMLFromNative(format: "virtkit-probe", config: "", flags: badFlag)
        },
        DriverAPI("virConnectDomainXMLToNative", .connection) {
            _ = try await $0.connectDomainXMLToNative(format: "virtkit-probe", xml: notXML, flags: badFlag)
        },
        DriverAPI("virConnectDomainEventRegisterAny", .connection) { _ = try await $0.domainEvents() },
        DriverAPI("virConnectNetworkEventRegisterAny", .connection) { _ = try await $0.networkEvents() },

        DriverAPI("virConnectListAllDomains", .domain) { _ = try await $0.connectListAllDomains(flags: badFlag) },
        DriverAPI("virConnectListDomains", .domain) { _ = try await $0.connectListDomains() },
        DriverAPI("virConnectListDefinedDomains", .domain) { _ = try await $0.connectListDefinedDomains() },
        DriverAPI("virDomainLookupByID", .domain) { _ = try await $0.domainLookupByID(Int32.max) },
        DriverAPI("virDomainLookupByName", .domain) { _ = try await $0.domainLookupByName(ghost.name) },
        DriverAPI("virDomainLookupByUUID", .domain) { _ = try await $0.domainLookupByUUID(ghost.uuid) },
        DriverAPI("virDomainDefineXMLFlags", .domain) { _ = try await $0.domainDefineXML(notXML, flags: badFlag) },
        DriverAPI("virDomainUndefineFlags", .domain) { try await $0.domainUndefine(ghost, flags: badFlag) },
        DriverAPI("virDomainCreateXML", .domain) { _ = try await $0.domainCreateXML(notXML, flags: badFlag) },
        DriverAPI("virDomainCreateWithFlags", .domain) { _ = try await $0.domainCreate(ghost, flags: badFlag) },
        DriverAPI("virDomainDestroyFlags", .domain) { try await $0.domainDestroy(ghost, flags: badFlag) },
        DriverAPI("virDomainShutdownFlags", .domain) { try await $0.domainShutdown(ghost, flags: badFlag) },
        DriverAPI("virDomainReboot", .domain) { try await $0.domainReboot(ghost, flags: badFlag) },
        DriverAPI("virDomainReset", .domain) { try await $0.domainReset(ghost, flags: badFlag) },
        DriverAPI("virDomainSuspend", .domain) { try await $0.domainSuspend(ghost) },
        DriverAPI("virDomainResume", .domain) { try await $0.domainResume(ghost) },
        DriverAPI("virDomainSaveFlags", .domain) {
            try await $0.domainSave(ghost, to: "/nonexistent/virtkit-probe", xml: nil, flags: badFlag)
        },
        DriverAPI("virDomainRestoreFlags", .domain) {
            _ = try await $0.domainRestore(from: "/nonexistent/virtkit-probe", xml: nil, flags: badFlag)
        },
        DriverAPI("virDomainManagedSave", .domain) { try await $0.domainManagedSave(ghost, flags: badFlag) },
        DriverAPI("virDomainHasManagedSaveImage", .domain) {
            _ = try await $0.domainHasManagedSaveImage(ghost, flags: badFlag)
        },
        DriverAPI("virDomainManagedSaveRemove", .domain) {
            try await $0.domainManagedSaveRemove(ghost, flags: badFlag)
        },
        DriverAPI("virDomainCoreDumpWithFormat", .domain) {
            try await $0.domainCoreDump(ghost, to: "/nonexistent/virtkit-probe", format: .raw, flags: badFlag)
        },
        DriverAPI("virDomainGetInfo", .domain) { _ = try await $0.domainGetInfo(ghost) },
        DriverAPI("virDomainGetState", .domain) { _ = try await $0.domainGetState(ghost, flags: badFlag) },
        DriverAPI("virDomainGetXMLDesc", .domain) { _ = try await $0.domainGetXMLDesc(ghost, flags: badFlag) },
        DriverAPI("virDomainGetOSType", .domain) { _ = try await $0.domainGetOSType(ghost) },
        DriverAPI("virDomainGetMaxMemory", .domain) { _ = try await $0.domainGetMaxMemory(ghost) },
        DriverAPI("virDomainGetMaxVcpus", .domain) { _ = try await $0.domainGetMaxVcpus(ghost) },
        DriverAPI("virDomainIsActive", .domain) { _ = try await $0.domainIsActive(ghost) },
        DriverAPI("virDomainIsPersistent", .domain) { _ = try await $0.domainIsPersistent(ghost) },
        DriverAPI("virDomainGetAutostart", .domain) { _ = try await $0.domainGetAutostart(ghost) },
        DriverAPI("virDomainSetAutostart", .domain) { try await $0.domainSetAutostart(ghost, true) },
        DriverAPI("virDomainBlockStats", .domain) { _ = try await $0.domainBlockStats(ghost, disk: "vda") },
        DriverAPI("virDomainInterfaceStats", .domain) {
            _ = try await $0.domainInterfaceStats(ghost, device: "vnet0")
        },
        DriverAPI("virDomainMemoryStats", .domain) { _ = try await $0.domainMemoryStats(ghost, flags: badFlag) },
        DriverAPI("virDomainGetVcpus", .domain) { _ = try await $0.domainGetVcpus(ghost) },
        DriverAPI("virDomainSnapshotNum", .domain) { _ = try await $0.domainSnapshotNum(ghost, flags: 0) },
        DriverAPI("virDomainAttachDeviceFlags", .domain) {
            try await $0.domainAttachDevice(ghost, xml: notXML, flags: badFlag)
        },
        DriverAPI("virDomainDetachDeviceFlags", .domain) {
            try await $0.domainDetachDevice(ghost, xml: notXML, flags: badFlag)
        },
        DriverAPI("virDomainSetMemoryFlags", .domain) {
            try await $0.domainSetMemory(ghost, kibibytes: 0, flags: badFlag)
        },
        DriverAPI("virDomainScreenshot", .domain) { _ = try await $0.domainScreenshot(ghost, screen: 0, flags: badFlag) },
        DriverAPI("virDomainOpenConsole", .domain) {
            _ = try await $0.domainOpenConsole(ghost, device: nil, flags: badFlag)
        },

        DriverAPI("virConnectListAllNetworks", .network) { _ = try await $0.connectListAllNetworks(flags: badFlag) },
        DriverAPI("virNetworkLookupByName", .network) { _ = try await $0.networkLookupByName(ghostNetwork.name) },
        DriverAPI("virNetworkLookupByUUID", .network) { _ = try await $0.networkLookupByUUID(ghostNetwork.uuid) },
        DriverAPI("virNetworkDefineXMLFlags", .network) { _ = try await $0.networkDefineXML(notXML, flags: badFlag) },
        DriverAPI("virNetworkUndefine", .network) { try await $0.networkUndefine(ghostNetwork) },
        DriverAPI("virNetworkCreate", .network) { try await $0.networkCreate(ghostNetwork) },
        DriverAPI("virNetworkDestroy", .network) { try await $0.networkDestroy(ghostNetwork) },
        DriverAPI("virNetworkGetXMLDesc", .network) {
            _ = try await $0.networkGetXMLDesc(ghostNetwork, flags: badFlag)
        },
        DriverAPI("virNetworkGetAutostart", .network) { _ = try await $0.networkGetAutostart(ghostNetwork) },
        DriverAPI("virNetworkSetAutostart", .network) { try await $0.networkSetAutostart(ghostNetwork, true) },
        DriverAPI("virNetworkIsActive", .network) { _ = try await $0.networkIsActive(ghostNetwork) },
        DriverAPI("virNetworkGetBridgeName", .network) { _ = try await $0.networkGetBridgeName(ghostNetwork) },
    ]
}
