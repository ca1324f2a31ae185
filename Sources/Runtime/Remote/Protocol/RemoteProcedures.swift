import Schema

/// libvirt's remote program as virtkit serves it: every procedure in one table, with its
/// number and name from remote_protocol.x, its argument and reply shapes, whether it
/// changes anything (a read-only connection is refused those, naming the API), and what
/// the daemon does for it. `RemoteDriver` calls through the same declarations.
///
/// Procedures not listed here answer "unknown procedure", as libvirtd does for numbers it
/// does not know; listed ones a driver lacks answer "not supported".
public enum P {
    typealias V = XDRVoid

    // MARK: Connection and host

    static let connectOpen = Procedure<ConnectOpenArgs, V>(1, "CONNECT_OPEN") { ctx, a in
        try await ctx.open(name: a.name, flags: a.flags)
        return V()
    }
    static let connectClose = Procedure<V, V>(2, "CONNECT_CLOSE") { ctx, _ in
        await ctx.close()
        return V()
    }
    static let connectGetType = Procedure<V, XString>(3, "CONNECT_GET_TYPE", quick: true) { ctx, _ in
        XString(try await ctx.driver().connectGetType())
    }
    static let connectGetVersion = Procedure<V, XUHyper>(4, "CONNECT_GET_VERSION", quick: true) { ctx, _ in
        XUHyper(try await ctx.driver().connectGetVersion())
    }
    static let connectGetMaxVcpus = Procedure<XOptionalString, XInt>(5, "CONNECT_GET_MAX_VCPUS") { ctx, a in
        XInt(try await ctx.driver().connectGetMaxVcpus(type: a.value))
    }
    static let nodeGetInfo = Procedure<V, NodeInfoRet>(6, "NODE_GET_INFO") { ctx, _ in
        NodeInfoRet(try await ctx.driver().nodeGetInfo())
    }
    static let connectGetCapabilities = Procedure<V, XString>(7, "CONNECT_GET_CAPABILITIES") { ctx, _ in
        XString(try await ctx.driver().connectGetCapabilities())
    }
    static let connectGetHostname = Procedure<V, XString>(59, "CONNECT_GET_HOSTNAME", quick: true) { ctx, _ in
        XString(try await ctx.driver().connectGetHostname())
    }
    /// Features the daemon answers itself (keepalive, callback events, close callbacks,
    /// typed string parameters); the rest are the driver's.
    static let connectSupportsFeature = Procedure<XInt, XInt>(60, "CONNECT_SUPPORTS_FEATURE", quick: true) { ctx, a in
        switch a.value {
        case 10:
            ctx.enableKeepalive()
            return XInt(1)
        case 9, 14, 15: return XInt(1)
        case 8: return XInt(0)
        default: return XInt(try await ctx.driver().connectSupportsFeature(a.value) ? 1 : 0)
        }
    }
    static let authList = Procedure<V, AuthListRet>(66, "AUTH_LIST", quick: true) { _, _ in AuthListRet([0]) }
    static let authPolkit = Procedure<V, XInt>(70, "AUTH_POLKIT") { _, _ in XInt(1) }
    static let nodeGetCellsFreeMemory = Procedure<NodeCellsArgs, UHyperList>(101, "NODE_GET_CELLS_FREE_MEMORY") { ctx, a in
        guard a.startCell == 0, a.maxCells >= 1 else { return UHyperList([]) }
        return UHyperList([try await ctx.driver().nodeGetFreeMemory()])
    }
    static let nodeGetFreeMemory = Procedure<V, XUHyper>(102, "NODE_GET_FREE_MEMORY") { ctx, _ in
        XUHyper(try await ctx.driver().nodeGetFreeMemory())
    }
    static let connectGetURI = Procedure<V, XString>(110, "CONNECT_GET_URI", quick: true) { ctx, _ in
        let d = try ctx.driver()
        if let opened = ctx.openedURI { return XString(opened) }
        return XString(try await d.connectGetURI())
    }
    /// No security driver: an empty model (virsh then shows no security lines).
    static let nodeGetSecurityModel = Procedure<V, SecurityModelRet>(122, "NODE_GET_SECURITY_MODEL") { ctx, _ in
        _ = try ctx.driver()
        return SecurityModelRet(model: "", doi: "")
    }
    static let connectIsSecure = Procedure<V, XInt>(149, "CONNECT_IS_SECURE", quick: true) { ctx, _ in
        _ = try ctx.driver()
        return XInt(ctx.isSecure ? 1 : 0)
    }
    static let connectGetLibVersion = Procedure<V, XUHyper>(157, "CONNECT_GET_LIB_VERSION", quick: true) { ctx, _ in
        XUHyper(try await ctx.driver().connectGetLibVersion())
    }
    static let connectGetSysinfo = Procedure<XUInt, XString>(203, "CONNECT_GET_SYSINFO") { ctx, a in
        XString(try await ctx.driver().connectGetSysinfo(flags: a.value))
    }
    static let connectGetDomainCapabilities = Procedure<DomainCapsArgs, XString>(342, "CONNECT_GET_DOMAIN_CAPABILITIES") {
        ctx, a in
        XString(
            try await ctx.driver().connectGetDomainCapabilities(
                emulator: a.emulator, arch: a.arch, machine: a.machine, virttype: a.virttype, flags: a.flags))
    }
    static let connectBaselineHypervisorCPU = Procedure<BaselineHypervisorCPUArgs, XString>(
        394, "CONNECT_BASELINE_HYPERVISOR_CPU"
    ) { ctx, a in
        _ = try ctx.driver()
        return XString(try CPUBaseline.baseline(a.cpus, flags: a.caps.flags))
    }
    static let connectBaselineCPU = Procedure<BaselineCPUArgs, XString>(162, "CONNECT_BASELINE_CPU") { ctx, a in
        _ = try ctx.driver()
        return XString(try CPUBaseline.baseline(a.cpus, flags: a.flags))
    }
    static let connectRegisterCloseCallback = Procedure<V, V>(360, "CONNECT_REGISTER_CLOSE_CALLBACK") { ctx, _ in
        _ = try ctx.driver()
        return V()
    }
    static let connectUnregisterCloseCallback = Procedure<V, V>(361, "CONNECT_UNREGISTER_CLOSE_CALLBACK") { ctx, _ in
        _ = try ctx.driver()
        return V()
    }
    static let connectSetIdentity = Procedure<IdentityArgs, V>(419, "CONNECT_SET_IDENTITY") { _, _ in V() }
    static let connectDomainXMLFromNative = Procedure<NativeArgs, XString>(135, "CONNECT_DOMAIN_XML_FROM_NATIVE") {
        ctx, a in
        XString(try await ctx.driver().connectDomainXMLFromNative(format: a.format, config: a.text, flags: a.flags))
    }
    static let connectDomainXMLToNative = Procedure<NativeArgs, XString>(136, "CONNECT_DOMAIN_XML_TO_NATIVE") { ctx, a in
        XString(try await ctx.driver().connectDomainXMLToNative(format: a.format, xml: a.text, flags: a.flags))
    }

    // MARK: Domain lists and lookups

    static let connectListAllDomains = Procedure<ListAllArgs, DomainList>(273, "CONNECT_LIST_ALL_DOMAINS", quick: true) { ctx, a in
        let all = try await ctx.driver().connectListAllDomains(flags: a.flags)
        var list = DomainList(a.needResults != 0 ? all : [])
        list.count = UInt32(all.count)
        return list
    }
    static let connectListDomains = Procedure<XInt, IntList>(37, "CONNECT_LIST_DOMAINS", quick: true) { ctx, a in
        IntList(Array(try await ctx.driver().connectListDomains().prefix(Int(max(0, a.value)))))
    }
    static let connectNumOfDomains = Procedure<V, XInt>(51, "CONNECT_NUM_OF_DOMAINS", quick: true) { ctx, _ in
        XInt(try await ctx.driver().connectNumOfDomains())
    }
    static let connectListDefinedDomains = Procedure<XInt, StringList>(21, "CONNECT_LIST_DEFINED_DOMAINS", quick: true) { ctx, a in
        StringList(Array(try await ctx.driver().connectListDefinedDomains().prefix(Int(max(0, a.value)))))
    }
    static let connectNumOfDefinedDomains = Procedure<V, XInt>(25, "CONNECT_NUM_OF_DEFINED_DOMAINS", quick: true) { ctx, _ in
        XInt(try await ctx.driver().connectNumOfDefinedDomains())
    }
    static let domainLookupByID = Procedure<XInt, XDomain>(22, "DOMAIN_LOOKUP_BY_ID", quick: true) { ctx, a in
        XDomain(try await ctx.driver().domainLookupByID(a.value))
    }
    static let domainLookupByName = Procedure<XString, XDomain>(23, "DOMAIN_LOOKUP_BY_NAME", quick: true) { ctx, a in
        XDomain(try await ctx.driver().domainLookupByName(a.value))
    }
    static let domainLookupByUUID = Procedure<XUUID, XDomain>(24, "DOMAIN_LOOKUP_BY_UUID", quick: true) { ctx, a in
        XDomain(try await ctx.driver().domainLookupByUUID(UUIDValue(bytes: a.value)))
    }

    // MARK: Domain life cycle

    static let domainDefineXML = Procedure<XString, XDomain>(11, "DOMAIN_DEFINE_XML", mutates: "virDomainDefineXML") {
        ctx, a in
        XDomain(try await ctx.driver().domainDefineXML(a.value, flags: 0).domain)
    }
    static let domainDefineXMLFlags = Procedure<StringFlags, XDomain>(
        350, "DOMAIN_DEFINE_XML_FLAGS", mutates: "virDomainDefineXMLFlags"
    ) { ctx, a in
        XDomain(try await ctx.driver().domainDefineXML(a.string, flags: a.flags).domain)
    }
    static let domainUndefine = Procedure<XDomain, V>(35, "DOMAIN_UNDEFINE", mutates: "virDomainUndefine") { ctx, a in
        try await ctx.driver().domainUndefine(a.dom.ref, flags: 0)
        return V()
    }
    static let domainUndefineFlags = Procedure<DomFlags, V>(231, "DOMAIN_UNDEFINE_FLAGS", mutates: "virDomainUndefineFlags") {
        ctx, a in
        try await ctx.driver().domainUndefine(a.dom.ref, flags: a.flags)
        return V()
    }
    static let domainCreate = Procedure<XDomain, V>(9, "DOMAIN_CREATE", mutates: "virDomainCreate") { ctx, a in
        _ = try await ctx.driver().domainCreate(a.dom.ref, flags: 0)
        return V()
    }
    static let domainCreateWithFlags = Procedure<DomFlags, XDomain>(
        196, "DOMAIN_CREATE_WITH_FLAGS", mutates: "virDomainCreateWithFlags"
    ) { ctx, a in
        let d = try ctx.driver()
        _ = try await d.domainCreate(a.dom.ref, flags: a.flags)
        let started = try await d.domainLookupByUUID(a.dom.ref.uuid)
        if CreateFlags(rawValue: a.flags).contains(.autodestroy) { ctx.noteAutodestroy(started) }
        return XDomain(started)
    }
    static let domainCreateXML = Procedure<StringFlags, XDomain>(10, "DOMAIN_CREATE_XML", mutates: "virDomainCreateXML") {
        ctx, a in
        let started = try await ctx.driver().domainCreateXML(a.string, flags: a.flags).domain
        if CreateFlags(rawValue: a.flags).contains(.autodestroy) { ctx.noteAutodestroy(started) }
        return XDomain(started)
    }
    static let domainDestroy = Procedure<XDomain, V>(12, "DOMAIN_DESTROY", mutates: "virDomainDestroy") { ctx, a in
        try await ctx.driver().domainDestroy(a.dom.ref, flags: 0)
        return V()
    }
    static let domainDestroyFlags = Procedure<DomFlags, V>(234, "DOMAIN_DESTROY_FLAGS", mutates: "virDomainDestroyFlags") {
        ctx, a in
        try await ctx.driver().domainDestroy(a.dom.ref, flags: a.flags)
        return V()
    }
    static let domainShutdown = Procedure<XDomain, V>(33, "DOMAIN_SHUTDOWN", mutates: "virDomainShutdown") { ctx, a in
        try await ctx.driver().domainShutdown(a.dom.ref, flags: 0)
        return V()
    }
    static let domainShutdownFlags = Procedure<DomFlags, V>(258, "DOMAIN_SHUTDOWN_FLAGS", mutates: "virDomainShutdownFlags") {
        ctx, a in
        try await ctx.driver().domainShutdown(a.dom.ref, flags: a.flags)
        return V()
    }
    static let domainReboot = Procedure<DomFlags, V>(27, "DOMAIN_REBOOT", mutates: "virDomainReboot") { ctx, a in
        try await ctx.driver().domainReboot(a.dom.ref, flags: a.flags)
        return V()
    }
    static let domainReset = Procedure<DomFlags, V>(245, "DOMAIN_RESET", mutates: "virDomainReset") { ctx, a in
        try await ctx.driver().domainReset(a.dom.ref, flags: a.flags)
        return V()
    }
    static let domainSuspend = Procedure<XDomain, V>(34, "DOMAIN_SUSPEND", mutates: "virDomainSuspend") { ctx, a in
        try await ctx.driver().domainSuspend(a.dom.ref)
        return V()
    }
    static let domainResume = Procedure<XDomain, V>(28, "DOMAIN_RESUME", mutates: "virDomainResume") { ctx, a in
        try await ctx.driver().domainResume(a.dom.ref)
        return V()
    }
    static let domainSave = Procedure<DomString, V>(55, "DOMAIN_SAVE", mutates: "virDomainSave") { ctx, a in
        try await ctx.driver().domainSave(a.dom.ref, to: a.string, xml: nil, flags: 0)
        return V()
    }
    static let domainSaveFlags = Procedure<SaveFlagsArgs, V>(232, "DOMAIN_SAVE_FLAGS", mutates: "virDomainSaveFlags") {
        ctx, a in
        try await ctx.driver().domainSave(a.dom.ref, to: a.to, xml: a.dxml, flags: a.flags)
        return V()
    }
    static let domainRestore = Procedure<XString, V>(54, "DOMAIN_RESTORE", mutates: "virDomainRestore") { ctx, a in
        _ = try await ctx.driver().domainRestore(from: a.value, xml: nil, flags: 0)
        return V()
    }
    static let domainRestoreFlags = Procedure<RestoreFlagsArgs, V>(
        233, "DOMAIN_RESTORE_FLAGS", mutates: "virDomainRestoreFlags"
    ) { ctx, a in
        _ = try await ctx.driver().domainRestore(from: a.from, xml: a.dxml, flags: a.flags)
        return V()
    }
    static let domainManagedSave = Procedure<DomFlags, V>(182, "DOMAIN_MANAGED_SAVE", mutates: "virDomainManagedSave") {
        ctx, a in
        try await ctx.driver().domainManagedSave(a.dom.ref, flags: a.flags)
        return V()
    }
    static let domainHasManagedSaveImage = Procedure<DomFlags, XInt>(183, "DOMAIN_HAS_MANAGED_SAVE_IMAGE", quick: true) { ctx, a in
        XInt(try await ctx.driver().domainHasManagedSaveImage(a.dom.ref, flags: a.flags) ? 1 : 0)
    }
    static let domainManagedSaveRemove = Procedure<DomFlags, V>(
        184, "DOMAIN_MANAGED_SAVE_REMOVE", mutates: "virDomainManagedSaveRemove"
    ) { ctx, a in
        try await ctx.driver().domainManagedSaveRemove(a.dom.ref, flags: a.flags)
        return V()
    }
    static let domainCoreDump = Procedure<DomStringFlags, V>(53, "DOMAIN_CORE_DUMP", mutates: "virDomainCoreDump") {
        ctx, a in
        try await ctx.driver().domainCoreDump(a.dom.ref, to: a.string, format: .raw, flags: a.flags)
        return V()
    }
    static let domainCoreDumpWithFormat = Procedure<CoreDumpFormatArgs, V>(
        334, "DOMAIN_CORE_DUMP_WITH_FORMAT", mutates: "virDomainCoreDumpWithFormat"
    ) { ctx, a in
        guard let format = CoreDumpFormat(rawValue: a.format) else {
            throw VirtError(.invalidArg, "unknown dump format \(a.format)")
        }
        try await ctx.driver().domainCoreDump(a.dom.ref, to: a.to, format: format, flags: a.flags)
        return V()
    }

    // MARK: Domain queries

    static let domainGetInfo = Procedure<XDomain, DomainInfoRet>(16, "DOMAIN_GET_INFO", quick: true) { ctx, a in
        DomainInfoRet(try await ctx.driver().domainGetInfo(a.dom.ref))
    }
    static let domainGetState = Procedure<DomFlags, DomainStateRet>(212, "DOMAIN_GET_STATE", quick: true) { ctx, a in
        DomainStateRet(try await ctx.driver().domainGetState(a.dom.ref, flags: a.flags))
    }
    static let domainGetXMLDesc = Procedure<DomFlags, XString>(14, "DOMAIN_GET_XML_DESC") { ctx, a in
        // Secrets only for read-write clients, as libvirt.
        if a.flags & DomainXMLFlags.securityInfo.rawValue != 0 && ctx.isReadOnly {
            throw VirtError(
                code: .operationDenied, domain: .domain,
                message: "operation forbidden: virDomainGetXMLDesc with secure flag")
        }
        return XString(try await ctx.driver().domainGetXMLDesc(a.dom.ref, flags: a.flags))
    }
    static let domainGetOSType = Procedure<XDomain, XString>(19, "DOMAIN_GET_OS_TYPE", quick: true) { ctx, a in
        XString(try await ctx.driver().domainGetOSType(a.dom.ref))
    }
    static let domainGetMaxMemory = Procedure<XDomain, XUHyper>(17, "DOMAIN_GET_MAX_MEMORY", quick: true) { ctx, a in
        XUHyper(try await ctx.driver().domainGetMaxMemory(a.dom.ref))
    }
    static let domainGetMaxVcpus = Procedure<XDomain, XInt>(18, "DOMAIN_GET_MAX_VCPUS", quick: true) { ctx, a in
        XInt(try await ctx.driver().domainGetMaxVcpus(a.dom.ref))
    }
    static let domainGetVcpusFlags = Procedure<DomFlags, XInt>(200, "DOMAIN_GET_VCPUS_FLAGS") { ctx, a in
        XInt(try await ctx.driver().domainGetMaxVcpus(a.dom.ref))
    }
    static let domainIsActive = Procedure<XDomain, XInt>(150, "DOMAIN_IS_ACTIVE", quick: true) { ctx, a in
        XInt(try await ctx.driver().domainIsActive(a.dom.ref) ? 1 : 0)
    }
    static let domainIsPersistent = Procedure<XDomain, XInt>(151, "DOMAIN_IS_PERSISTENT", quick: true) { ctx, a in
        XInt(try await ctx.driver().domainIsPersistent(a.dom.ref) ? 1 : 0)
    }
    static let domainIsUpdated = Procedure<XDomain, XInt>(202, "DOMAIN_IS_UPDATED", quick: true) { ctx, a in
        XInt(try await ctx.driver().domainIsUpdated(a.dom.ref) ? 1 : 0)
    }
    static let domainGetAutostart = Procedure<XDomain, XInt>(15, "DOMAIN_GET_AUTOSTART", quick: true) { ctx, a in
        XInt(try await ctx.driver().domainGetAutostart(a.dom.ref) ? 1 : 0)
    }
    static let domainSetAutostart = Procedure<DomInt, V>(29, "DOMAIN_SET_AUTOSTART", mutates: "virDomainSetAutostart") {
        ctx, a in
        try await ctx.driver().domainSetAutostart(a.dom.ref, a.value != 0)
        return V()
    }
    static let domainBlockStats = Procedure<DomString, BlockStatsRet>(64, "DOMAIN_BLOCK_STATS") { ctx, a in
        BlockStatsRet(try await ctx.driver().domainBlockStats(a.dom.ref, disk: a.string))
    }
    static let domainInterfaceStats = Procedure<DomString, InterfaceStatsRet>(65, "DOMAIN_INTERFACE_STATS") { ctx, a in
        InterfaceStatsRet(try await ctx.driver().domainInterfaceStats(a.dom.ref, device: a.string))
    }
    static let domainMemoryStats = Procedure<MemoryStatsArgs, MemoryStatsRet>(159, "DOMAIN_MEMORY_STATS") { ctx, a in
        MemoryStatsRet(Array(try await ctx.driver().domainMemoryStats(a.dom.ref, flags: a.flags).prefix(Int(a.maxStats))))
    }
    static let domainGetVcpus = Procedure<GetVcpusArgs, GetVcpusRet>(20, "DOMAIN_GET_VCPUS") { ctx, a in
        guard a.maxInfo >= 0, a.maxInfo <= Int32(RemoteLimits.vcpuInfoMax), a.mapLength >= 0,
            Int(a.maxInfo) * Int(a.mapLength) <= RemoteLimits.cpumapsMax
        else {
            throw VirtError(.rpc, "vCPU info or CPU map too large")
        }
        let vcpus = Array(try await ctx.driver().domainGetVcpus(a.dom.ref).prefix(Int(a.maxInfo)))
        return GetVcpusRet(vcpus, mapLength: Int(a.mapLength))
    }
    static let domainSnapshotNum = Procedure<DomFlags, XInt>(187, "DOMAIN_SNAPSHOT_NUM", quick: true) { ctx, a in
        XInt(try await ctx.driver().domainSnapshotNum(a.dom.ref, flags: a.flags))
    }
    static let domainSnapshotListNames = Procedure<DomIntFlags, StringList>(188, "DOMAIN_SNAPSHOT_LIST_NAMES", quick: true) { ctx, a in
        StringList(try await ctx.driver().domainSnapshotListNames(a.dom.ref, flags: a.flags))
    }
    static let domainListAllSnapshots = Procedure<DomIntFlags, EmptyListRet>(274, "DOMAIN_LIST_ALL_SNAPSHOTS", quick: true) { ctx, a in
        _ = try await ctx.driver().domainSnapshotNum(a.dom.ref, flags: 0)
        return EmptyListRet(trailingCount: true)
    }
    static let domainHasCurrentSnapshot = Procedure<DomFlags, XInt>(190, "DOMAIN_HAS_CURRENT_SNAPSHOT", quick: true) { ctx, a in
        _ = try await ctx.driver().domainSnapshotNum(a.dom.ref, flags: 0)
        return XInt(0)
    }
    static let domainSnapshotCurrent = Procedure<DomFlags, V>(191, "DOMAIN_SNAPSHOT_CURRENT") { ctx, a in
        _ = try await ctx.driver().domainSnapshotNum(a.dom.ref, flags: 0)
        throw VirtError(.noDomainSnapshot, "the domain does not have a current snapshot")
    }
    static let domainGetSecurityLabel = Procedure<XDomain, SecurityLabelRet>(121, "DOMAIN_GET_SECURITY_LABEL") { ctx, a in
        _ = try await ctx.driver().domainGetState(a.dom.ref, flags: 0)
        return SecurityLabelRet()
    }
    static let domainGetMessages = Procedure<DomFlags, EmptyListRet>(426, "DOMAIN_GET_MESSAGES") { ctx, a in
        _ = try await ctx.driver().domainGetState(a.dom.ref, flags: 0)
        return EmptyListRet(trailingCount: false)
    }
    static let domainGetControlInfo = Procedure<DomFlags, ControlInfoRet>(229, "DOMAIN_GET_CONTROL_INFO") { ctx, a in
        guard try await ctx.driver().domainIsActive(a.dom.ref) else { throw VirtError.notRunning }
        return ControlInfoRet()
    }
    static let domainGetJobInfo = Procedure<XDomain, JobInfoRet>(163, "DOMAIN_GET_JOB_INFO") { ctx, a in
        guard try await ctx.driver().domainIsActive(a.dom.ref) else { throw VirtError.notRunning }
        return JobInfoRet()
    }
    static let domainGetMetadata = Procedure<MetadataArgs, XString>(265, "DOMAIN_GET_METADATA") { ctx, a in
        try await DomainMetadata.read(a, driver: ctx.driver())
    }

    // MARK: Devices, memory, display, console

    static let domainAttachDevice = Procedure<DomString, V>(8, "DOMAIN_ATTACH_DEVICE", mutates: "virDomainAttachDevice") {
        ctx, a in
        try await ctx.driver().domainAttachDevice(a.dom.ref, xml: a.string, flags: 0)
        return V()
    }
    static let domainAttachDeviceFlags = Procedure<DomStringFlags, V>(
        160, "DOMAIN_ATTACH_DEVICE_FLAGS", mutates: "virDomainAttachDeviceFlags"
    ) { ctx, a in
        try await ctx.driver().domainAttachDevice(a.dom.ref, xml: a.string, flags: a.flags)
        return V()
    }
    static let domainDetachDevice = Procedure<DomString, V>(13, "DOMAIN_DETACH_DEVICE", mutates: "virDomainDetachDevice") {
        ctx, a in
        try await ctx.driver().domainDetachDevice(a.dom.ref, xml: a.string, flags: 0)
        return V()
    }
    static let domainDetachDeviceFlags = Procedure<DomStringFlags, V>(
        161, "DOMAIN_DETACH_DEVICE_FLAGS", mutates: "virDomainDetachDeviceFlags"
    ) { ctx, a in
        try await ctx.driver().domainDetachDevice(a.dom.ref, xml: a.string, flags: a.flags)
        return V()
    }
    static let domainSetMemory = Procedure<DomUHyper, V>(31, "DOMAIN_SET_MEMORY", mutates: "virDomainSetMemory") { ctx, a in
        try await ctx.driver().domainSetMemory(a.dom.ref, kibibytes: a.value, flags: 0)
        return V()
    }
    static let domainSetMemoryFlags = Procedure<SetMemoryFlagsArgs, V>(
        204, "DOMAIN_SET_MEMORY_FLAGS", mutates: "virDomainSetMemoryFlags"
    ) { ctx, a in
        try await ctx.driver().domainSetMemory(a.dom.ref, kibibytes: a.memory, flags: a.flags)
        return V()
    }
    /// The reply names the MIME type; the image follows as stream data.
    static let domainScreenshot = Procedure<ScreenshotArgs, XOptionalString>(
        211, "DOMAIN_SCREENSHOT", mutates: "virDomainScreenshot"
    ) { ctx, a in
        let shot = try await ctx.driver().domainScreenshot(a.dom.ref, screen: a.screen, flags: a.flags)
        ctx.sendStream(shot.bytes)
        return XOptionalString(shot.mimeType)
    }
    /// An empty reply, then the console's bytes both ways as stream data.
    static let domainOpenConsole = Procedure<OpenConsoleArgs, V>(201, "DOMAIN_OPEN_CONSOLE", mutates: "virDomainOpenConsole") {
        ctx, a in
        ctx.joinStream(try await ctx.driver().domainOpenConsole(a.dom.ref, device: a.devName, flags: a.flags))
        return V()
    }

    // MARK: Events

    static let connectDomainEventRegister = Procedure<V, XInt>(105, "CONNECT_DOMAIN_EVENT_REGISTER") { ctx, _ in
        _ = try await ctx.registerDomainEvents(eventID: 0, domain: nil, legacy: true)
        return XInt(1)
    }
    static let connectDomainEventDeregister = Procedure<V, XInt>(106, "CONNECT_DOMAIN_EVENT_DEREGISTER") { ctx, _ in
        try await ctx.deregisterDomainEvents(callbackID: nil, eventID: 0)
        return XInt(0)
    }
    static let connectDomainEventRegisterAny = Procedure<XInt, V>(167, "CONNECT_DOMAIN_EVENT_REGISTER_ANY") { ctx, a in
        guard a.value >= 0, a.value <= 26 else { throw VirtError(.invalidArg, "unsupported event ID \(a.value)") }
        _ = try await ctx.registerDomainEvents(eventID: a.value, domain: nil, legacy: true)
        return V()
    }
    static let connectDomainEventDeregisterAny = Procedure<XInt, V>(168, "CONNECT_DOMAIN_EVENT_DEREGISTER_ANY") { ctx, a in
        try await ctx.deregisterDomainEvents(callbackID: nil, eventID: a.value)
        return V()
    }
    static let connectDomainEventCallbackRegisterAny = Procedure<EventRegisterArgs, XInt>(
        316, "CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY"
    ) { ctx, a in
        guard a.eventID >= 0, a.eventID < 27 else { throw VirtError(.invalidArg, "unsupported event ID \(a.eventID)") }
        return XInt(try await ctx.registerDomainEvents(eventID: a.eventID, domain: a.dom?.ref, legacy: false))
    }
    static let connectDomainEventCallbackDeregisterAny = Procedure<XInt, V>(
        317, "CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY"
    ) { ctx, a in
        try await ctx.deregisterDomainEvents(callbackID: a.value, eventID: nil)
        return V()
    }
    /// Network life-cycle events (defined, undefined, started, stopped), sent as message 315.
    static let connectNetworkEventRegisterAny = Procedure<NetworkEventRegisterArgs, XInt>(
        313, "CONNECT_NETWORK_EVENT_REGISTER_ANY"
    ) { ctx, a in
        guard a.eventID == 0 else { throw VirtError(.invalidArg, "unsupported network event ID \(a.eventID)") }
        return XInt(try await ctx.registerNetworkEvents(network: a.net?.ref))
    }
    static let connectNetworkEventDeregisterAny = Procedure<XInt, V>(314, "CONNECT_NETWORK_EVENT_DEREGISTER_ANY") {
        ctx, a in
        try await ctx.deregisterNetworkEvents(callbackID: a.value)
        return V()
    }

    // MARK: Networks

    static let connectListAllNetworks = Procedure<ListAllArgs, NetworkList>(283, "CONNECT_LIST_ALL_NETWORKS") { ctx, a in
        let all = try await ctx.driver().connectListAllNetworks(flags: a.flags)
        var list = NetworkList(a.needResults != 0 ? all : [])
        list.count = UInt32(all.count)
        return list
    }
    static let connectListNetworks = Procedure<XInt, StringList>(38, "CONNECT_LIST_NETWORKS") { ctx, a in
        let nets = try await ctx.driver().connectListAllNetworks(flags: ListNetworksFlags.active.rawValue)
        return StringList(Array(nets.map(\.name).sorted().prefix(Int(max(0, a.value)))))
    }
    static let connectNumOfNetworks = Procedure<V, XInt>(52, "CONNECT_NUM_OF_NETWORKS") { ctx, _ in
        XInt(Int32(try await ctx.driver().connectListAllNetworks(flags: ListNetworksFlags.active.rawValue).count))
    }
    static let connectListDefinedNetworks = Procedure<XInt, StringList>(36, "CONNECT_LIST_DEFINED_NETWORKS") { ctx, a in
        let nets = try await ctx.driver().connectListAllNetworks(flags: ListNetworksFlags.inactive.rawValue)
        return StringList(Array(nets.map(\.name).sorted().prefix(Int(max(0, a.value)))))
    }
    static let connectNumOfDefinedNetworks = Procedure<V, XInt>(50, "CONNECT_NUM_OF_DEFINED_NETWORKS") { ctx, _ in
        XInt(Int32(try await ctx.driver().connectListAllNetworks(flags: ListNetworksFlags.inactive.rawValue).count))
    }
    static let networkLookupByName = Procedure<XString, XNetwork>(46, "NETWORK_LOOKUP_BY_NAME") { ctx, a in
        XNetwork(try await ctx.driver().networkLookupByName(a.value))
    }
    static let networkLookupByUUID = Procedure<XUUID, XNetwork>(47, "NETWORK_LOOKUP_BY_UUID") { ctx, a in
        XNetwork(try await ctx.driver().networkLookupByUUID(UUIDValue(bytes: a.value)))
    }
    static let networkDefineXML = Procedure<XString, XNetwork>(41, "NETWORK_DEFINE_XML", mutates: "virNetworkDefineXML") {
        ctx, a in
        XNetwork(try await ctx.driver().networkDefineXML(a.value, flags: 0))
    }
    static let networkDefineXMLFlags = Procedure<StringFlags, XNetwork>(
        432, "NETWORK_DEFINE_XML_FLAGS", mutates: "virNetworkDefineXMLFlags"
    ) { ctx, a in
        XNetwork(try await ctx.driver().networkDefineXML(a.string, flags: a.flags))
    }
    static let networkUndefine = Procedure<XNetwork, V>(49, "NETWORK_UNDEFINE", mutates: "virNetworkUndefine") { ctx, a in
        try await ctx.driver().networkUndefine(a.net.ref)
        return V()
    }
    static let networkCreate = Procedure<XNetwork, V>(39, "NETWORK_CREATE", mutates: "virNetworkCreate") { ctx, a in
        try await ctx.driver().networkCreate(a.net.ref)
        return V()
    }
    static let networkDestroy = Procedure<XNetwork, V>(42, "NETWORK_DESTROY", mutates: "virNetworkDestroy") { ctx, a in
        try await ctx.driver().networkDestroy(a.net.ref)
        return V()
    }
    static let networkGetXMLDesc = Procedure<NetInt, XString>(43, "NETWORK_GET_XML_DESC") { ctx, a in
        XString(try await ctx.driver().networkGetXMLDesc(a.net.ref, flags: UInt32(bitPattern: a.value)))
    }
    static let networkGetAutostart = Procedure<XNetwork, XInt>(44, "NETWORK_GET_AUTOSTART") { ctx, a in
        XInt(try await ctx.driver().networkGetAutostart(a.net.ref) ? 1 : 0)
    }
    static let networkSetAutostart = Procedure<NetInt, V>(48, "NETWORK_SET_AUTOSTART", mutates: "virNetworkSetAutostart") {
        ctx, a in
        try await ctx.driver().networkSetAutostart(a.net.ref, a.value != 0)
        return V()
    }
    static let networkGetBridgeName = Procedure<XNetwork, XString>(45, "NETWORK_GET_BRIDGE_NAME") { ctx, a in
        XString(try await ctx.driver().networkGetBridgeName(a.net.ref))
    }
    static let networkIsActive = Procedure<XNetwork, XInt>(152, "NETWORK_IS_ACTIVE") { ctx, a in
        XInt(try await ctx.driver().networkIsActive(a.net.ref) ? 1 : 0)
    }
    static let networkIsPersistent = Procedure<XNetwork, XInt>(153, "NETWORK_IS_PERSISTENT") { ctx, a in
        XInt(try await ctx.driver().networkIsPersistent(a.net.ref) ? 1 : 0)
    }

    // MARK: Storage: no storage driver, so no pools (tools list them while creating guests)

    static let connectListAllStoragePools = Procedure<ListAllArgs, EmptyListRet>(281, "CONNECT_LIST_ALL_STORAGE_POOLS") {
        ctx, _ in
        _ = try ctx.driver()
        return EmptyListRet(trailingCount: true)
    }
    static let connectNumOfStoragePools = Procedure<V, XInt>(71, "CONNECT_NUM_OF_STORAGE_POOLS") { ctx, _ in
        _ = try ctx.driver()
        return XInt(0)
    }
    static let connectNumOfDefinedStoragePools = Procedure<V, XInt>(73, "CONNECT_NUM_OF_DEFINED_STORAGE_POOLS") { ctx, _ in
        _ = try ctx.driver()
        return XInt(0)
    }
    static let connectListStoragePools = Procedure<XInt, StringList>(72, "CONNECT_LIST_STORAGE_POOLS") { ctx, _ in
        _ = try ctx.driver()
        return StringList([])
    }
    static let connectListDefinedStoragePools = Procedure<XInt, StringList>(74, "CONNECT_LIST_DEFINED_STORAGE_POOLS") {
        ctx, _ in
        _ = try ctx.driver()
        return StringList([])
    }

    /// Every procedure, by number.
    public static let table: [Int32: AnyProcedure] = {
        let all: [AnyProcedure] = [
            connectOpen.erased, connectClose.erased, connectGetType.erased, connectGetVersion.erased,
            connectGetMaxVcpus.erased, nodeGetInfo.erased, connectGetCapabilities.erased, connectGetHostname.erased,
            connectSupportsFeature.erased, authList.erased, authPolkit.erased, nodeGetCellsFreeMemory.erased,
            nodeGetFreeMemory.erased, connectGetURI.erased, nodeGetSecurityModel.erased, connectIsSecure.erased,
            connectGetLibVersion.erased, connectGetSysinfo.erased, connectGetDomainCapabilities.erased,
            connectBaselineHypervisorCPU.erased, connectBaselineCPU.erased, connectRegisterCloseCallback.erased,
            connectUnregisterCloseCallback.erased, connectSetIdentity.erased, connectDomainXMLFromNative.erased,
            connectDomainXMLToNative.erased, connectListAllDomains.erased, connectListDomains.erased,
            connectNumOfDomains.erased, connectListDefinedDomains.erased, connectNumOfDefinedDomains.erased,
            domainLookupByID.erased, domainLookupByName.erased, domainLookupByUUID.erased, domainDefineXML.erased,
            domainDefineXMLFlags.erased, domainUndefine.erased, domainUndefineFlags.erased, domainCreate.erased,
            domainCreateWithFlags.erased, domainCreateXML.erased, domainDestroy.erased, domainDestroyFlags.erased,
            domainShutdown.erased, domainShutdownFlags.erased, domainReboot.erased, domainReset.erased,
            domainSuspend.erased, domainResume.erased, domainSave.erased, domainSaveFlags.erased,
            domainRestore.erased, domainRestoreFlags.erased, domainManagedSave.erased,
            domainHasManagedSaveImage.erased, domainManagedSaveRemove.erased, domainCoreDump.erased,
            domainCoreDumpWithFormat.erased, domainGetInfo.erased, domainGetState.erased, domainGetXMLDesc.erased,
            domainGetOSType.erased, domainGetMaxMemory.erased, domainGetMaxVcpus.erased, domainGetVcpusFlags.erased,
            domainIsActive.erased, domainIsPersistent.erased, domainIsUpdated.erased, domainGetAutostart.erased,
            domainSetAutostart.erased, domainBlockStats.erased, domainInterfaceStats.erased,
            domainMemoryStats.erased, domainGetVcpus.erased, domainSnapshotNum.erased,
            domainSnapshotListNames.erased, domainListAllSnapshots.erased, domainHasCurrentSnapshot.erased,
            domainSnapshotCurrent.erased, domainGetSecurityLabel.erased, domainGetMessages.erased,
            domainGetControlInfo.erased, domainGetJobInfo.erased, domainGetMetadata.erased,
            domainAttachDevice.erased, domainAttachDeviceFlags.erased, domainDetachDevice.erased,
            domainDetachDeviceFlags.erased, domainSetMemory.erased, domainSetMemoryFlags.erased,
            domainScreenshot.erased, domainOpenConsole.erased, connectDomainEventRegister.erased,
            connectDomainEventDeregister.erased, connectDomainEventRegisterAny.erased,
            connectDomainEventDeregisterAny.erased, connectDomainEventCallbackRegisterAny.erased,
            connectDomainEventCallbackDeregisterAny.erased, connectNetworkEventRegisterAny.erased,
            connectNetworkEventDeregisterAny.erased, connectListAllNetworks.erased, connectListNetworks.erased,
            connectNumOfNetworks.erased, connectListDefinedNetworks.erased, connectNumOfDefinedNetworks.erased,
            networkLookupByName.erased, networkLookupByUUID.erased, networkDefineXML.erased,
            networkDefineXMLFlags.erased, networkUndefine.erased, networkCreate.erased, networkDestroy.erased,
            networkGetXMLDesc.erased, networkGetAutostart.erased, networkSetAutostart.erased,
            networkGetBridgeName.erased, networkIsActive.erased, networkIsPersistent.erased,
            connectListAllStoragePools.erased, connectNumOfStoragePools.erased,
            connectNumOfDefinedStoragePools.erased, connectListStoragePools.erased,
            connectListDefinedStoragePools.erased,
        ]
        return Dictionary(uniqueKeysWithValues: all.map { ($0.number, $0) })
    }()

    /// The domain event messages the daemon sends (not callable), per event number
    /// (`virDomainEventID`): the form for old-style registrations (REGISTER_ANY, no callback
    /// id; device-added has none) and the callback form.
    public static let domainEventMessages: [(event: Int32, legacy: Int32?, callback: Int32)] = [
        (0, 107, 318), (1, 169, 319), (2, 170, 320), (5, 173, 323), (15, 311, 333), (19, nil, 354),
    ]

    /// The network lifecycle event message (callback form: there is no other).
    public static let networkEventLifecycle: Int32 = 315

    /// The message procedure for `event` to a registration of that form; nil when it has none.
    public static func eventMessage(_ event: Int32, legacy: Bool) -> Int32? {
        guard let m = domainEventMessages.first(where: { $0.event == event }) else { return nil }
        return legacy ? m.legacy : m.callback
    }
}
