import Foundation
import Schema
import Synchronization

/// A hypervisor connection through a daemon: every `Driver` operation is one (or, where
/// libvirt's client does the same, two) calls of the procedure table `P`, so the CLI's
/// verbs work remotely unchanged.
public final class RemoteDriver: Driver {
    public let uri: ConnectURI
    let conn: RemoteConnection
    private let eventCallback = Mutex<Int32?>(nil)
    private let networkEventCallback = Mutex<Int32?>(nil)

    init(uri: ConnectURI, conn: RemoteConnection) {
        self.uri = uri
        self.conn = conn
    }

    /// Connects, authenticates (only "none" is offered by virtkit's daemon) and opens the
    /// hypervisor connection the URI names — the same handshake virsh makes.
    public static func connect(_ uri: ConnectURI, readOnly: Bool) async throws -> RemoteDriver {
        let handler = RemoteClientHandler()
        let (channel, encrypted, helper) = try await RemoteTransport.connect(uri, readOnly: readOnly, handler: handler)
        let conn = RemoteConnection(channel: channel, encrypted: encrypted, helper: helper)
        handler.attach(conn)
        let driver = RemoteDriver(uri: uri, conn: conn)
        do {
            let auth = try await conn.call(P.authList)
            guard auth.types.isEmpty || auth.types.contains(0) else {
                throw VirtError(
                    .authFailed, "the server offers only authentication methods virtkit lacks (\(auth.types))")
            }
            _ = try await conn.call(P.connectSupportsFeature, XInt(10))
            try await conn.call(
                P.connectOpen, ConnectOpenArgs(name: RemoteTransport.remoteName(uri), flags: readOnly ? 1 : 0))
        } catch {
            await conn.close()
            throw error
        }
        return driver
    }

    // MARK: Connection

    public func connectGetType() async throws -> String { try await conn.call(P.connectGetType).value }
    public func connectGetVersion() async throws -> UInt64 { try await conn.call(P.connectGetVersion).value }
    public func connectGetLibVersion() async throws -> UInt64 { try await conn.call(P.connectGetLibVersion).value }
    public func connectGetHostname() async throws -> String { try await conn.call(P.connectGetHostname).value }
    /// The URI this client used, as libvirt's client answers it.
    public func connectGetURI() async throws -> String { uri.text }
    public func connectGetCapabilities() async throws -> String { try await conn.call(P.connectGetCapabilities).value }
    public func connectGetMaxVcpus(type: String?) async throws -> Int32 {
        try await conn.call(P.connectGetMaxVcpus, XOptionalString(type)).value
    }
    public func connectSupportsFeature(_ feature: Int32) async throws -> Bool {
        try await conn.call(P.connectSupportsFeature, XInt(feature)).value != 0
    }
    public func connectGetDomainCapabilities(
        emulator: String?, arch: String?, machine: String?, virttype: String?, flags: UInt32
    ) async throws -> String {
        try await conn.call(
            P.connectGetDomainCapabilities,
            DomainCapsArgs(emulator: emulator, arch: arch, machine: machine, virttype: virttype, flags: flags)
        ).value
    }
    public func connectGetSysinfo(flags: UInt32) async throws -> String {
        try await conn.call(P.connectGetSysinfo, XUInt(flags)).value
    }
    public func connectIsSecure() async throws -> Bool {
        if conn.encrypted { return true }
        let serverSays = try await conn.call(P.connectIsSecure).value != 0
        return serverSays && RemoteTransport.kind(uri) == "unix"
    }
    public func connectIsEncrypted() async throws -> Bool { conn.encrypted }
    public func connectClose() async {
        _ = try? await conn.call(P.connectClose)
        await conn.close()
    }
    public func nodeGetInfo() async throws -> NodeInfo { try await conn.call(P.nodeGetInfo).info }
    public func nodeGetFreeMemory() async throws -> UInt64 { try await conn.call(P.nodeGetFreeMemory).value }

    // MARK: Lists and lookups

    public func connectListAllDomains(flags: UInt32) async throws -> [DomainRef] {
        try await conn.call(P.connectListAllDomains, ListAllArgs(flags: flags)).domains.map(\.ref)
    }
    public func connectListDomains() async throws -> [Int32] {
        let n = try await connectNumOfDomains()
        return try await conn.call(P.connectListDomains, XInt(n)).values
    }
    public func connectNumOfDomains() async throws -> Int32 { try await conn.call(P.connectNumOfDomains).value }
    public func connectListDefinedDomains() async throws -> [String] {
        let n = try await connectNumOfDefinedDomains()
        return try await conn.call(P.connectListDefinedDomains, XInt(n)).values
    }
    public func connectNumOfDefinedDomains() async throws -> Int32 {
        try await conn.call(P.connectNumOfDefinedDomains).value
    }
    public func domainLookupByID(_ id: Int32) async throws -> DomainRef {
        try await conn.call(P.domainLookupByID, XInt(id)).dom.ref
    }
    public func domainLookupByName(_ name: String) async throws -> DomainRef {
        try await conn.call(P.domainLookupByName, XString(name)).dom.ref
    }
    public func domainLookupByUUID(_ uuid: UUIDValue) async throws -> DomainRef {
        try await conn.call(P.domainLookupByUUID, XUUID(uuid)).dom.ref
    }

    // MARK: Life cycle

    public func domainDefineXML(_ xml: String, flags: UInt32) async throws -> DomainResult {
        DomainResult(domain: try await conn.call(P.domainDefineXMLFlags, StringFlags(xml, flags)).dom.ref)
    }
    public func domainUndefine(_ d: DomainRef, flags: UInt32) async throws {
        try await conn.call(P.domainUndefineFlags, DomFlags(d, flags))
    }
    public func domainCreateXML(_ xml: String, flags: UInt32) async throws -> DomainResult {
        DomainResult(domain: try await conn.call(P.domainCreateXML, StringFlags(xml, flags)).dom.ref)
    }
    public func domainCreate(_ d: DomainRef, flags: UInt32) async throws -> [String] {
        _ = try await conn.call(P.domainCreateWithFlags, DomFlags(d, flags))
        return []
    }
    public func domainDestroy(_ d: DomainRef, flags: UInt32) async throws {
        try await conn.call(P.domainDestroyFlags, DomFlags(d, flags))
    }
    public func domainShutdown(_ d: DomainRef, flags: UInt32) async throws {
        try await conn.call(P.domainShutdownFlags, DomFlags(d, flags))
    }
    public func domainReboot(_ d: DomainRef, flags: UInt32) async throws {
        try await conn.call(P.domainReboot, DomFlags(d, flags))
    }
    public func domainReset(_ d: DomainRef, flags: UInt32) async throws {
        try await conn.call(P.domainReset, DomFlags(d, flags))
    }
    public func domainSuspend(_ d: DomainRef) async throws { try await conn.call(P.domainSuspend, XDomain(d)) }
    public func domainResume(_ d: DomainRef) async throws { try await conn.call(P.domainResume, XDomain(d)) }
    public func domainSave(_ d: DomainRef, to path: String, xml: String?, flags: UInt32) async throws {
        try await conn.call(P.domainSaveFlags, SaveFlagsArgs(d, to: path, dxml: xml, flags: flags))
    }
    /// Restore names no domain in its reply; the saved image's header does, so the domain
    /// is looked up from the image's name, as the local drivers return it.
    public func domainRestore(from path: String, xml: String?, flags: UInt32) async throws -> DomainRef {
        let before = Set(try await connectListAllDomains(flags: 1).map(\.uuid))
        try await conn.call(P.domainRestoreFlags, RestoreFlagsArgs(from: path, dxml: xml, flags: flags))
        let after = try await connectListAllDomains(flags: 1)
        if let new = after.first(where: { !before.contains($0.uuid) }) { return new }
        throw VirtError(.internalError, "the restored domain is not among the running ones")
    }
    public func domainManagedSave(_ d: DomainRef, flags: UInt32) async throws {
        try await conn.call(P.domainManagedSave, DomFlags(d, flags))
    }
    public func domainHasManagedSaveImage(_ d: DomainRef, flags: UInt32) async throws -> Bool {
        try await conn.call(P.domainHasManagedSaveImage, DomFlags(d, flags)).value != 0
    }
    public func domainManagedSaveRemove(_ d: DomainRef, flags: UInt32) async throws {
        try await conn.call(P.domainManagedSaveRemove, DomFlags(d, flags))
    }
    public func domainCoreDump(_ d: DomainRef, to path: String, format: CoreDumpFormat, flags: UInt32) async throws {
        try await conn.call(
            P.domainCoreDumpWithFormat, CoreDumpFormatArgs(d, to: path, format: format.rawValue, flags: flags))
    }

    // MARK: Queries

    public func domainGetInfo(_ d: DomainRef) async throws -> DomainInfo {
        try await conn.call(P.domainGetInfo, XDomain(d)).info
    }
    public func domainGetState(_ d: DomainRef, flags: UInt32) async throws -> StateWithReason {
        try await conn.call(P.domainGetState, DomFlags(d, flags)).value
    }
    public func domainGetXMLDesc(_ d: DomainRef, flags: UInt32) async throws -> String {
        try await conn.call(P.domainGetXMLDesc, DomFlags(d, flags)).value
    }
    public func domainGetOSType(_ d: DomainRef) async throws -> String {
        try await conn.call(P.domainGetOSType, XDomain(d)).value
    }
    public func domainGetMaxMemory(_ d: DomainRef) async throws -> UInt64 {
        try await conn.call(P.domainGetMaxMemory, XDomain(d)).value
    }
    public func domainGetMaxVcpus(_ d: DomainRef) async throws -> Int32 {
        try await conn.call(P.domainGetMaxVcpus, XDomain(d)).value
    }
    public func domainIsActive(_ d: DomainRef) async throws -> Bool {
        try await conn.call(P.domainIsActive, XDomain(d)).value != 0
    }
    public func domainIsPersistent(_ d: DomainRef) async throws -> Bool {
        try await conn.call(P.domainIsPersistent, XDomain(d)).value != 0
    }
    public func domainIsUpdated(_ d: DomainRef) async throws -> Bool {
        try await conn.call(P.domainIsUpdated, XDomain(d)).value != 0
    }
    public func domainGetAutostart(_ d: DomainRef) async throws -> Bool {
        try await conn.call(P.domainGetAutostart, XDomain(d)).value != 0
    }
    public func domainSetAutostart(_ d: DomainRef, _ autostart: Bool) async throws {
        try await conn.call(P.domainSetAutostart, DomInt(d, autostart ? 1 : 0))
    }
    public func domainBlockStats(_ d: DomainRef, disk: String) async throws -> BlockStats {
        try await conn.call(P.domainBlockStats, DomString(d, disk)).stats
    }
    public func domainInterfaceStats(_ d: DomainRef, device: String) async throws -> InterfaceStats {
        try await conn.call(P.domainInterfaceStats, DomString(d, device)).stats
    }
    public func domainMemoryStats(_ d: DomainRef, flags: UInt32) async throws -> [MemoryStat] {
        try await conn.call(P.domainMemoryStats, MemoryStatsArgs(d, maxStats: 13, flags: flags)).stats
    }
    public func domainGetVcpus(_ d: DomainRef) async throws -> [VcpuInfo] {
        let info = try await domainGetInfo(d)
        let cpus = try await nodeGetInfo().cpus
        let mapLength = Int32((Int(cpus) + 7) / 8)
        return try await conn.call(P.domainGetVcpus, GetVcpusArgs(d, maxInfo: Int32(info.vcpus), mapLength: mapLength)).vcpus
    }
    public func domainSnapshotNum(_ d: DomainRef, flags: UInt32) async throws -> Int32 {
        try await conn.call(P.domainSnapshotNum, DomFlags(d, flags)).value
    }
    public func domainSnapshotListNames(_ d: DomainRef, flags: UInt32) async throws -> [String] {
        let n = try await domainSnapshotNum(d, flags: flags)
        return try await conn.call(P.domainSnapshotListNames, DomIntFlags(d, n, flags)).values
    }

    // MARK: Devices, memory, display, console

    public func domainAttachDevice(_ d: DomainRef, xml: String, flags: UInt32) async throws {
        try await conn.call(P.domainAttachDeviceFlags, DomStringFlags(d, xml, flags))
    }
    public func domainDetachDevice(_ d: DomainRef, xml: String, flags: UInt32) async throws {
        try await conn.call(P.domainDetachDeviceFlags, DomStringFlags(d, xml, flags))
    }
    public func domainSetMemory(_ d: DomainRef, kibibytes: UInt64, flags: UInt32) async throws {
        try await conn.call(P.domainSetMemoryFlags, SetMemoryFlagsArgs(d, memory: kibibytes, flags: flags))
    }
    public func domainScreenshot(_ d: DomainRef, screen: UInt32, flags: UInt32) async throws -> Screenshot {
        let stream = ClientStream()
        let mime = try await conn.call(P.domainScreenshot, ScreenshotArgs(d, screen: screen, flags: flags), stream: stream)
        var bytes: [UInt8] = []
        for try await chunk in stream.chunks { bytes += chunk }
        try await stream.end(abort: false)
        return Screenshot(mimeType: mime.value ?? "application/octet-stream", bytes: bytes)
    }
    public func domainOpenConsole(_ d: DomainRef, device: String?, flags: UInt32) async throws -> any ConsoleStream {
        let stream = ClientStream()
        try await conn.call(P.domainOpenConsole, OpenConsoleArgs(d, devName: device, flags: flags), stream: stream)
        return RemoteConsole(stream)
    }

    // MARK: Native formats

    public func connectDomainXMLFromNative(format: String, config: String, flags: UInt32) async throws -> String {
        try await conn.call(P.connectDomainXMLFromNative, NativeArgs(format: format, text: config, flags: flags)).value
    }
    public func connectDomainXMLToNative(format: String, xml: String, flags: UInt32) async throws -> String {
        try await conn.call(P.connectDomainXMLToNative, NativeArgs(format: format, text: xml, flags: flags)).value
    }

    // MARK: Networks

    public func connectListAllNetworks(flags: UInt32) async throws -> [NetworkRef] {
        try await conn.call(P.connectListAllNetworks, ListAllArgs(flags: flags)).networks.map(\.ref)
    }
    public func networkLookupByName(_ name: String) async throws -> NetworkRef {
        try await conn.call(P.networkLookupByName, XString(name)).net.ref
    }
    public func networkLookupByUUID(_ uuid: UUIDValue) async throws -> NetworkRef {
        try await conn.call(P.networkLookupByUUID, XUUID(uuid)).net.ref
    }
    public func networkDefineXML(_ xml: String, flags: UInt32) async throws -> NetworkRef {
        try await conn.call(P.networkDefineXMLFlags, StringFlags(xml, flags)).net.ref
    }
    public func networkUndefine(_ n: NetworkRef) async throws { try await conn.call(P.networkUndefine, XNetwork(n)) }
    public func networkCreate(_ n: NetworkRef) async throws { try await conn.call(P.networkCreate, XNetwork(n)) }
    public func networkDestroy(_ n: NetworkRef) async throws { try await conn.call(P.networkDestroy, XNetwork(n)) }
    public func networkGetXMLDesc(_ n: NetworkRef, flags: UInt32) async throws -> String {
        try await conn.call(P.networkGetXMLDesc, NetInt(n, Int32(bitPattern: flags))).value
    }
    public func networkGetAutostart(_ n: NetworkRef) async throws -> Bool {
        try await conn.call(P.networkGetAutostart, XNetwork(n)).value != 0
    }
    public func networkSetAutostart(_ n: NetworkRef, _ autostart: Bool) async throws {
        try await conn.call(P.networkSetAutostart, NetInt(n, autostart ? 1 : 0))
    }
    public func networkIsActive(_ n: NetworkRef) async throws -> Bool {
        try await conn.call(P.networkIsActive, XNetwork(n)).value != 0
    }
    public func networkIsPersistent(_ n: NetworkRef) async throws -> Bool {
        try await conn.call(P.networkIsPersistent, XNetwork(n)).value != 0
    }
    public func networkGetBridgeName(_ n: NetworkRef) async throws -> String {
        try await conn.call(P.networkGetBridgeName, XNetwork(n)).value
    }

    // MARK: Events

    /// Registers one server-side callback per delivered event type for the connection (as
    /// libvirt's client does) and hands out the events they bring.
    public func domainEvents() async throws -> AsyncStream<DomainEvent> {
        let stream = conn.domainEvents.subscribe()
        if eventCallback.withLock({ $0 }) == nil {
            var first: Int32?
            for (_, number) in DomainEvent.ID.delivered {
                let id = try await conn.call(P.connectDomainEventCallbackRegisterAny, EventRegisterArgs(eventID: number, dom: nil))
                first = first ?? id.value
            }
            eventCallback.withLock { $0 = first }
        }
        return stream
    }

    /// Registers one server-side network lifecycle callback and hands out its events.
    public func networkEvents() async throws -> AsyncStream<NetworkEvent> {
        let stream = conn.networkEvents.subscribe()
        if networkEventCallback.withLock({ $0 }) == nil {
            let id = try await conn.call(P.connectNetworkEventRegisterAny, NetworkEventRegisterArgs(eventID: 0, net: nil))
            networkEventCallback.withLock { $0 = id.value }
        }
        return stream
    }
}

/// A guest console over a stream.
/// `read` has one caller at a time (the console pump), which is what makes the unguarded
/// iterator safe.
final class RemoteConsole: ConsoleStream, @unchecked Sendable {
    let stream: ClientStream
    private var iterator: AsyncThrowingStream<[UInt8], any Error>.AsyncIterator
    private let closed = Mutex(false)

    init(_ stream: ClientStream) {
        self.stream = stream
        iterator = stream.chunks.makeAsyncIterator()
    }

    func read() async throws -> [UInt8]? {
        try await iterator.next()
    }

    func write(_ bytes: [UInt8]) async throws { try stream.write(bytes) }

    func close() async {
        guard closed.withLock({ c in defer { c = true }; return !c }) else { return }
        try? await stream.end(abort: false)
    }
}
