import Schema

/// One hypervisor connection: the operations of libvirt's driver table. Every operation has
/// a default that answers libvirt's "not supported" error, so a driver implements the subset
/// it can and the rest fail cleanly (never a crash). The CLI and the daemon talk to this
/// protocol only; `DriverAPI` lists the operations by libvirt's API names and
/// `virtkit hvsupport` asks each driver which it implements.
///
/// Domains are named by `DomainRef`; a driver finds them by UUID. Flags are libvirt's words
/// (see `DriverFlags.swift`); drivers refuse bits they do not know.
///
/// Implementations must be `async` like the requirements: a synchronous one satisfies the
/// protocol through `any Driver`, but a caller holding the concrete type who writes
/// `await` gets the asynchronous default ("not supported") instead.
public protocol Driver: AnyObject, Sendable {
    // MARK: Connection
    func connectGetType() async throws -> String
    func connectGetVersion() async throws -> UInt64
    func connectGetLibVersion() async throws -> UInt64
    func connectGetHostname() async throws -> String
    func connectGetURI() async throws -> String
    func connectGetCapabilities() async throws -> String
    func connectGetMaxVcpus(type: String?) async throws -> Int32
    func connectSupportsFeature(_ feature: Int32) async throws -> Bool
    func connectGetDomainCapabilities(
        emulator: String?, arch: String?, machine: String?, virttype: String?, flags: UInt32
    ) async throws -> String
    func connectGetSysinfo(flags: UInt32) async throws -> String
    func connectIsSecure() async throws -> Bool
    func connectIsEncrypted() async throws -> Bool
    func connectClose() async
    func nodeGetInfo() async throws -> NodeInfo
    func nodeGetFreeMemory() async throws -> UInt64

    // MARK: Domain lists and lookups
    func connectListAllDomains(flags: UInt32) async throws -> [DomainRef]
    func connectListDomains() async throws -> [Int32]
    func connectNumOfDomains() async throws -> Int32
    func connectListDefinedDomains() async throws -> [String]
    func connectNumOfDefinedDomains() async throws -> Int32
    func domainLookupByID(_ id: Int32) async throws -> DomainRef
    func domainLookupByName(_ name: String) async throws -> DomainRef
    func domainLookupByUUID(_ uuid: UUIDValue) async throws -> DomainRef

    // MARK: Domain life cycle
    func domainDefineXML(_ xml: String, flags: UInt32) async throws -> DomainResult
    func domainUndefine(_ domain: DomainRef, flags: UInt32) async throws
    func domainCreateXML(_ xml: String, flags: UInt32) async throws -> DomainResult
    /// Starts a defined domain (`virDomainCreateWithFlags`); returns the builder's warnings.
    func domainCreate(_ domain: DomainRef, flags: UInt32) async throws -> [String]
    func domainDestroy(_ domain: DomainRef, flags: UInt32) async throws
    func domainShutdown(_ domain: DomainRef, flags: UInt32) async throws
    func domainReboot(_ domain: DomainRef, flags: UInt32) async throws
    func domainReset(_ domain: DomainRef, flags: UInt32) async throws
    func domainSuspend(_ domain: DomainRef) async throws
    func domainResume(_ domain: DomainRef) async throws
    func domainSave(_ domain: DomainRef, to path: String, xml: String?, flags: UInt32) async throws
    func domainRestore(from path: String, xml: String?, flags: UInt32) async throws -> DomainRef
    func domainManagedSave(_ domain: DomainRef, flags: UInt32) async throws
    func domainHasManagedSaveImage(_ domain: DomainRef, flags: UInt32) async throws -> Bool
    func domainManagedSaveRemove(_ domain: DomainRef, flags: UInt32) async throws
    func domainCoreDump(_ domain: DomainRef, to path: String, format: CoreDumpFormat, flags: UInt32) async throws

    // MARK: Domain queries
    func domainGetInfo(_ domain: DomainRef) async throws -> DomainInfo
    func domainGetState(_ domain: DomainRef, flags: UInt32) async throws -> StateWithReason
    func domainGetXMLDesc(_ domain: DomainRef, flags: UInt32) async throws -> String
    func domainGetOSType(_ domain: DomainRef) async throws -> String
    func domainGetMaxMemory(_ domain: DomainRef) async throws -> UInt64
    func domainGetMaxVcpus(_ domain: DomainRef) async throws -> Int32
    func domainIsActive(_ domain: DomainRef) async throws -> Bool
    func domainIsPersistent(_ domain: DomainRef) async throws -> Bool
    func domainIsUpdated(_ domain: DomainRef) async throws -> Bool
    func domainGetAutostart(_ domain: DomainRef) async throws -> Bool
    func domainSetAutostart(_ domain: DomainRef, _ autostart: Bool) async throws
    func domainBlockStats(_ domain: DomainRef, disk: String) async throws -> BlockStats
    func domainInterfaceStats(_ domain: DomainRef, device: String) async throws -> InterfaceStats
    func domainMemoryStats(_ domain: DomainRef, flags: UInt32) async throws -> [MemoryStat]
    func domainGetVcpus(_ domain: DomainRef) async throws -> [VcpuInfo]
    func domainSnapshotNum(_ domain: DomainRef, flags: UInt32) async throws -> Int32
    func domainSnapshotListNames(_ domain: DomainRef, flags: UInt32) async throws -> [String]

    // MARK: Devices, memory, display, console
    func domainAttachDevice(_ domain: DomainRef, xml: String, flags: UInt32) async throws
    func domainDetachDevice(_ domain: DomainRef, xml: String, flags: UInt32) async throws
    func domainSetMemory(_ domain: DomainRef, kibibytes: UInt64, flags: UInt32) async throws
    func domainScreenshot(_ domain: DomainRef, screen: UInt32, flags: UInt32) async throws -> Screenshot
    func domainOpenConsole(_ domain: DomainRef, device: String?, flags: UInt32) async throws -> any ConsoleStream

    // MARK: Native formats
    func connectDomainXMLFromNative(format: String, config: String, flags: UInt32) async throws -> String
    func connectDomainXMLToNative(format: String, xml: String, flags: UInt32) async throws -> String

    // MARK: Networks
    func connectListAllNetworks(flags: UInt32) async throws -> [NetworkRef]
    func networkLookupByName(_ name: String) async throws -> NetworkRef
    func networkLookupByUUID(_ uuid: UUIDValue) async throws -> NetworkRef
    func networkDefineXML(_ xml: String, flags: UInt32) async throws -> NetworkRef
    func networkUndefine(_ network: NetworkRef) async throws
    func networkCreate(_ network: NetworkRef) async throws
    func networkDestroy(_ network: NetworkRef) async throws
    func networkGetXMLDesc(_ network: NetworkRef, flags: UInt32) async throws -> String
    func networkGetAutostart(_ network: NetworkRef) async throws -> Bool
    func networkSetAutostart(_ network: NetworkRef, _ autostart: Bool) async throws
    func networkIsActive(_ network: NetworkRef) async throws -> Bool
    func networkIsPersistent(_ network: NetworkRef) async throws -> Bool
    func networkGetBridgeName(_ network: NetworkRef) async throws -> String

    // MARK: Events
    /// Life-cycle events from now on, until the stream is dropped.
    func domainEvents() async throws -> AsyncStream<DomainEvent>
    /// Network life-cycle events from now on, until the stream is dropped.
    func networkEvents() async throws -> AsyncStream<NetworkEvent>
}

/// A guest's console as a byte stream: the local pty, or a remote stream.
public protocol ConsoleStream: AnyObject, Sendable {
    /// The next bytes from the guest; nil when the console closed.
    func read() async throws -> [UInt8]?
    func write(_ bytes: [UInt8]) async throws
    func close() async
}

extension Driver {
    public func connectGetType() async throws -> String { throw VirtError.notSupported("virConnectGetType") }
    public func connectGetVersion() async throws -> UInt64 { throw VirtError.notSupported("virConnectGetVersion") }
    public func connectGetLibVersion() async throws -> UInt64 { Self.libraryVersion }
    public func connectGetHostname() async throws -> String { throw VirtError.notSupported("virConnectGetHostname") }
    public func connectGetURI() async throws -> String { throw VirtError.notSupported("virConnectGetURI") }
    public func connectGetCapabilities() async throws -> String {
        throw VirtError.notSupported("virConnectGetCapabilities")
    }
    public func connectGetMaxVcpus(type: String?) async throws -> Int32 {
        throw VirtError.notSupported("virConnectGetMaxVcpus")
    }
    public func connectSupportsFeature(_ feature: Int32) async throws -> Bool { false }
    public func connectGetDomainCapabilities(
        emulator: String?, arch: String?, machine: String?, virttype: String?, flags: UInt32
    ) async throws -> String {
        throw VirtError.notSupported("virConnectGetDomainCapabilities")
    }
    public func connectGetSysinfo(flags: UInt32) async throws -> String {
        throw VirtError.notSupported("virConnectGetSysinfo")
    }
    public func connectIsSecure() async throws -> Bool { true }
    public func connectIsEncrypted() async throws -> Bool { false }
    public func connectClose() async {}
    public func nodeGetInfo() async throws -> NodeInfo { throw VirtError.notSupported("virNodeGetInfo") }
    public func nodeGetFreeMemory() async throws -> UInt64 { throw VirtError.notSupported("virNodeGetFreeMemory") }

    public func connectListAllDomains(flags: UInt32) async throws -> [DomainRef] {
        throw VirtError.notSupported("virConnectListAllDomains")
    }
    /// The older list calls, answered from `connectListAllDomains` for every driver.
    public func connectListDomains() async throws -> [Int32] {
        try await connectListAllDomains(flags: ListDomainsFlags.active.rawValue).map(\.id).sorted()
    }
    public func connectNumOfDomains() async throws -> Int32 { Int32(try await connectListDomains().count) }
    public func connectListDefinedDomains() async throws -> [String] {
        try await connectListAllDomains(flags: ListDomainsFlags.inactive.rawValue).map(\.name).sorted()
    }
    public func connectNumOfDefinedDomains() async throws -> Int32 {
        Int32(try await connectListDefinedDomains().count)
    }
    public func domainLookupByID(_ id: Int32) async throws -> DomainRef {
        throw VirtError.notSupported("virDomainLookupByID")
    }
    public func domainLookupByName(_ name: String) async throws -> DomainRef {
        throw VirtError.notSupported("virDomainLookupByName")
    }
    public func domainLookupByUUID(_ uuid: UUIDValue) async throws -> DomainRef {
        throw VirtError.notSupported("virDomainLookupByUUID")
    }

    public func domainDefineXML(_ xml: String, flags: UInt32) async throws -> DomainResult {
        throw VirtError.notSupported("virDomainDefineXMLFlags")
    }
    public func domainUndefine(_ domain: DomainRef, flags: UInt32) async throws {
        throw VirtError.notSupported("virDomainUndefineFlags")
    }
    public func domainCreateXML(_ xml: String, flags: UInt32) async throws -> DomainResult {
        throw VirtError.notSupported("virDomainCreateXML")
    }
    public func domainCreate(_ domain: DomainRef, flags: UInt32) async throws -> [String] {
        throw VirtError.notSupported("virDomainCreateWithFlags")
    }
    public func domainDestroy(_ domain: DomainRef, flags: UInt32) async throws {
        throw VirtError.notSupported("virDomainDestroyFlags")
    }
    public func domainShutdown(_ domain: DomainRef, flags: UInt32) async throws {
        throw VirtError.notSupported("virDomainShutdownFlags")
    }
    public func domainReboot(_ domain: DomainRef, flags: UInt32) async throws {
        throw VirtError.notSupported("virDomainReboot")
    }
    public func domainReset(_ domain: DomainRef, flags: UInt32) async throws {
        throw VirtError.notSupported("virDomainReset")
    }
    public func domainSuspend(_ domain: DomainRef) async throws { throw VirtError.notSupported("virDomainSuspend") }
    public func domainResume(_ domain: DomainRef) async throws { throw VirtError.notSupported("virDomainResume") }
    public func domainSave(_ domain: DomainRef, to path: String, xml: String?, flags: UInt32) async throws {
        throw VirtError.notSupported("virDomainSaveFlags")
    }
    public func domainRestore(from path: String, xml: String?, flags: UInt32) async throws -> DomainRef {
        throw VirtError.notSupported("virDomainRestoreFlags")
    }
    public func domainManagedSave(_ domain: DomainRef, flags: UInt32) async throws {
        throw VirtError.notSupported("virDomainManagedSave")
    }
    public func domainHasManagedSaveImage(_ domain: DomainRef, flags: UInt32) async throws -> Bool {
        throw VirtError.notSupported("virDomainHasManagedSaveImage")
    }
    public func domainManagedSaveRemove(_ domain: DomainRef, flags: UInt32) async throws {
        throw VirtError.notSupported("virDomainManagedSaveRemove")
    }
    public func domainCoreDump(_ domain: DomainRef, to path: String, format: CoreDumpFormat, flags: UInt32)
        async throws
    {
        throw VirtError.notSupported("virDomainCoreDumpWithFormat")
    }

    public func domainGetInfo(_ domain: DomainRef) async throws -> DomainInfo {
        throw VirtError.notSupported("virDomainGetInfo")
    }
    public func domainGetState(_ domain: DomainRef, flags: UInt32) async throws -> StateWithReason {
        throw VirtError.notSupported("virDomainGetState")
    }
    public func domainGetXMLDesc(_ domain: DomainRef, flags: UInt32) async throws -> String {
        throw VirtError.notSupported("virDomainGetXMLDesc")
    }
    public func domainGetOSType(_ domain: DomainRef) async throws -> String {
        throw VirtError.notSupported("virDomainGetOSType")
    }
    public func domainGetMaxMemory(_ domain: DomainRef) async throws -> UInt64 {
        try await domainGetInfo(domain).maxMemoryKiB
    }
    public func domainGetMaxVcpus(_ domain: DomainRef) async throws -> Int32 {
        throw VirtError.notSupported("virDomainGetMaxVcpus")
    }
    public func domainIsActive(_ domain: DomainRef) async throws -> Bool {
        try await domainGetState(domain, flags: 0).state.isActive
    }
    public func domainIsPersistent(_ domain: DomainRef) async throws -> Bool {
        throw VirtError.notSupported("virDomainIsPersistent")
    }
    public func domainIsUpdated(_ domain: DomainRef) async throws -> Bool { false }
    public func domainGetAutostart(_ domain: DomainRef) async throws -> Bool {
        throw VirtError.notSupported("virDomainGetAutostart")
    }
    public func domainSetAutostart(_ domain: DomainRef, _ autostart: Bool) async throws {
        throw VirtError.notSupported("virDomainSetAutostart")
    }
    public func domainBlockStats(_ domain: DomainRef, disk: String) async throws -> BlockStats {
        throw VirtError.notSupported("virDomainBlockStats")
    }
    public func domainInterfaceStats(_ domain: DomainRef, device: String) async throws -> InterfaceStats {
        throw VirtError.notSupported("virDomainInterfaceStats")
    }
    public func domainMemoryStats(_ domain: DomainRef, flags: UInt32) async throws -> [MemoryStat] {
        throw VirtError.notSupported("virDomainMemoryStats")
    }
    public func domainGetVcpus(_ domain: DomainRef) async throws -> [VcpuInfo] {
        throw VirtError.notSupported("virDomainGetVcpus")
    }
    /// No driver here keeps snapshots yet, so a guest has none: zero, as libvirt answers for
    /// a guest without any (tools ask before they undefine).
    public func domainSnapshotNum(_ domain: DomainRef, flags: UInt32) async throws -> Int32 {
        _ = try await domainGetState(domain, flags: 0)
        return 0
    }
    public func domainSnapshotListNames(_ domain: DomainRef, flags: UInt32) async throws -> [String] {
        _ = try await domainGetState(domain, flags: 0)
        return []
    }

    public func domainAttachDevice(_ domain: DomainRef, xml: String, flags: UInt32) async throws {
        throw VirtError.notSupported("virDomainAttachDeviceFlags")
    }
    public func domainDetachDevice(_ domain: DomainRef, xml: String, flags: UInt32) async throws {
        throw VirtError.notSupported("virDomainDetachDeviceFlags")
    }
    public func domainSetMemory(_ domain: DomainRef, kibibytes: UInt64, flags: UInt32) async throws {
        throw VirtError.notSupported("virDomainSetMemoryFlags")
    }
    public func domainScreenshot(_ domain: DomainRef, screen: UInt32, flags: UInt32) async throws -> Screenshot {
        throw VirtError.notSupported("virDomainScreenshot")
    }
    public func domainOpenConsole(_ domain: DomainRef, device: String?, flags: UInt32) async throws
        -> any ConsoleStream
    {
        throw VirtError.notSupported("virDomainOpenConsole")
    }

    public func connectDomainXMLFromNative(format: String, config: String, flags: UInt32) async throws -> String {
        throw VirtError.notSupported("virConnectDomainXMLFromNative")
    }
    public func connectDomainXMLToNative(format: String, xml: String, flags: UInt32) async throws -> String {
        throw VirtError.notSupported("virConnectDomainXMLToNative")
    }

    public func connectListAllNetworks(flags: UInt32) async throws -> [NetworkRef] {
        throw VirtError.notSupported("virConnectListAllNetworks")
    }
    public func networkLookupByName(_ name: String) async throws -> NetworkRef {
        throw VirtError.notSupported("virNetworkLookupByName")
    }
    public func networkLookupByUUID(_ uuid: UUIDValue) async throws -> NetworkRef {
        throw VirtError.notSupported("virNetworkLookupByUUID")
    }
    public func networkDefineXML(_ xml: String, flags: UInt32) async throws -> NetworkRef {
        throw VirtError.notSupported("virNetworkDefineXMLFlags")
    }
    public func networkUndefine(_ network: NetworkRef) async throws {
        throw VirtError.notSupported("virNetworkUndefine")
    }
    public func networkCreate(_ network: NetworkRef) async throws { throw VirtError.notSupported("virNetworkCreate") }
    public func networkDestroy(_ network: NetworkRef) async throws {
        throw VirtError.notSupported("virNetworkDestroy")
    }
    public func networkGetXMLDesc(_ network: NetworkRef, flags: UInt32) async throws -> String {
        throw VirtError.notSupported("virNetworkGetXMLDesc")
    }
    public func networkGetAutostart(_ network: NetworkRef) async throws -> Bool {
        throw VirtError.notSupported("virNetworkGetAutostart")
    }
    public func networkSetAutostart(_ network: NetworkRef, _ autostart: Bool) async throws {
        throw VirtError.notSupported("virNetworkSetAutostart")
    }
    public func networkIsActive(_ network: NetworkRef) async throws -> Bool {
        throw VirtError.notSupported("virNetworkIsActive")
    }
    public func networkIsPersistent(_ network: NetworkRef) async throws -> Bool {
        throw VirtError.notSupported("virNetworkIsPersistent")
    }
    public func networkGetBridgeName(_ network: NetworkRef) async throws -> String {
        throw VirtError.notSupported("virNetworkGetBridgeName")
    }

    public func domainEvents() async throws -> AsyncStream<DomainEvent> {
        throw VirtError.notSupported("virConnectDomainEventRegisterAny")
    }
    public func networkEvents() async throws -> AsyncStream<NetworkEvent> {
        throw VirtError.notSupported("virConnectNetworkEventRegisterAny")
    }

    /// virtkit's version in libvirt's encoding (major × 1,000,000 + minor × 1,000 + micro).
    public static var libraryVersion: UInt64 { VirtkitVersion.encoded }
}

/// The version of this library, as `virsh version` and the remote protocol report it.
public enum VirtkitVersion {
    public static let text = "0.2.0"
    public static var encoded: UInt64 { encode(text) }

    /// `X.Y.Z` → X×10⁶ + Y×10³ + Z.
    public static func encode(_ version: String) -> UInt64 {
        let parts = version.split(separator: ".").map { UInt64($0.prefix { $0.isNumber }) ?? 0 }
        return (parts.count > 0 ? parts[0] : 0) * 1_000_000 + (parts.count > 1 ? parts[1] : 0) * 1_000
            + (parts.count > 2 ? parts[2] : 0)
    }

    public static func decode(_ v: UInt64) -> String { "\(v / 1_000_000).\(v / 1_000 % 1_000).\(v % 1_000)" }
}
