import Foundation
import Schema

#if canImport(Glibc)
    import Glibc
#endif

/// Save, restore, managed save and memory dumps: QEMU writes (or reads) its migration
/// stream or an ELF core through a descriptor we pass it over QMP.
extension QemuDriver {
    public func domainSave(_ d: DomainRef, to path: String, xml: String?, flags: UInt32) async throws {
        try writable()
        let f = try SaveRestoreFlags.check(flags, allowed: [.bypassCache, .running, .paused], function: "qemuDomainSaveFlags")
        try await changing { try await save(d, to: path, xml: xml, flags: f, managed: false) }
    }

    public func domainManagedSave(_ d: DomainRef, flags: UInt32) async throws {
        try writable()
        let f = try SaveRestoreFlags.check(flags, allowed: [.bypassCache, .running, .paused], function: "qemuDomainManagedSave")
        try await changing {
            let r = try find(d)
            guard r.persistent else { throw VirtError(.operationInvalid, "cannot do managed save for transient domain") }
            try await save(d, to: paths.managedSave(of: r.name), xml: nil, flags: f, managed: true)
        }
    }

    /// Stops the CPUs, streams the guest to `path`, ends QEMU (lock held).
    private func save(_ d: DomainRef, to path: String, xml: String?, flags: SaveRestoreFlags, managed: Bool) async throws {
        let (r, status, p) = try await activeStatus(d)
        let before = await state(r)
        var stored = LiveDefinition.migratable((try? Domain.parse(status.liveXML)) ?? r.config ?? Domain())
        if let xml {
            let alt = try checker.domain(xml).domain
            guard alt.uuid == stored.uuid || alt.uuid == nil, alt.name == stored.name else {
                throw VirtError(.invalidArg, "the XML given for the image names another domain")
            }
            stored = alt
            stored.uuid = r.uuid
        }
        let paused = flags.contains(.paused) || (!flags.contains(.running) && before.state == .paused)
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw VirtError(.systemError, "cannot create '\(path)': \(String(cString: strerror(errno)))")
        }
        var keep = false
        defer {
            close(fd)
            if !keep { unlink(path) }
        }
        let header = SaveImage.header(xml: stored.formatted(), paused: paused)
        guard header.withUnsafeBytes({ Glibc.write(fd, $0.baseAddress, $0.count) }) == header.count else {
            throw VirtError(.systemError, "cannot write '\(path)': \(String(cString: strerror(errno)))")
        }
        try await withQMP(status, .control, timeout: .seconds(600)) { qmp in
            if before.state == .running { _ = try await qmp.execute(QMP.Stop()) }
            do {
                _ = try await qmp.execute(
                    QMP.MigrateSetParameters(.object(["max-bandwidth": .int(Int64.max / 1024)])))
                _ = try await qmp.execute(QMP.GetFD(fdname: "vk-save"), passing: [fd])
                _ = try await qmp.execute(QMP.Migrate(uri: "fd:vk-save"))
                try await waitForMigration(qmp, what: "save")
            } catch {
                if before.state == .running { _ = try? await qmp.execute(QMP.Cont()) }
                throw error
            }
        }
        guard fsync(fd) == 0 else { throw VirtError(.systemError, "cannot sync '\(path)': \(String(cString: strerror(errno)))") }
        keep = true
        try await stop(status, p, graceful: false, reason: .shutoffSaved)
        _ = managed
    }

    /// Polls `query-migrate` until the stream is complete; a failure is reported with
    /// QEMU's words.
    func waitForMigration(_ qmp: QMPConnection, what: String) async throws {
        while true {
            let info = try await qmp.execute(QMP.QueryMigrate())
            switch info.status {
            case "completed"?: return
            case "failed"?, "cancelled"?:
                throw VirtError(.operationFailed, "\(what) failed: \(info.errorDesc ?? info.status ?? "")")
            default: try await Task.sleep(for: .milliseconds(5))
            }
        }
    }

    /// Feeds a saved image to a QEMU started with `-incoming defer`.
    func receive(_ incoming: Incoming, over qmp: QMPConnection) async throws {
        let fd = Glibc.open(incoming.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw VirtError(.systemError, "cannot open '\(incoming.path)': \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        guard lseek(fd, off_t(incoming.offset), SEEK_SET) == off_t(incoming.offset) else {
            throw VirtError(.systemError, "cannot seek in '\(incoming.path)'")
        }
        _ = try await qmp.execute(QMP.GetFD(fdname: "vk-restore"), passing: [fd])
        _ = try await qmp.execute(QMP.MigrateIncoming(uri: "fd:vk-restore"))
        try await waitForMigration(qmp, what: "restore")
    }

    public func domainRestore(from path: String, xml: String?, flags: UInt32) async throws -> DomainRef {
        try writable()
        let f = try SaveRestoreFlags.check(flags, allowed: [.bypassCache, .running, .paused], function: "qemuDomainRestoreFlags")
        let image = try SaveImage.read(path)
        var domain = try checker.domain(xml ?? image.xml).domain
        if xml != nil, let stored = try? checker.domain(image.xml).domain {
            guard domain.name == stored.name else {
                throw VirtError(.invalidArg, "the XML given for the image names another domain")
            }
            domain.uuid = stored.uuid
        }
        try checkType(domain)
        domain.id = nil
        return try await changing {
            var persistent = false
            let records = allRecords()
            if let same = records.first(where: { $0.name == domain.name }) {
                let r = await reconcile(same)
                if r?.status != nil { throw VirtError(.operationInvalid, "domain '\(same.name)' is already active") }
                if let r, let theirs = r.uuid, let ours = domain.uuid, theirs != ours {
                    throw VirtError(.operationFailed, "domain '\(same.name)' already exists with uuid \(theirs.xmlValue)")
                }
                persistent = r?.persistent ?? false
            } else if let u = domain.uuid, let other = records.first(where: { $0.uuid == u }) {
                throw VirtError(.operationFailed, "domain '\(other.name)' is already defined with uuid \(u.xmlValue)")
            }
            completeDefinition(&domain)
            let paused = f.contains(.paused) || (!f.contains(.running) && image.paused)
            return try await launch(
                domain, transient: !persistent, paused: paused, autodestroy: false,
                incoming: Incoming(path: path, offset: image.dataOffset, paused: paused)
            ).domain
        }
    }

    public func domainHasManagedSaveImage(_ d: DomainRef, flags: UInt32) async throws -> Bool {
        _ = try DefineFlags.check(flags, allowed: [], function: "qemuDomainHasManagedSaveImage")
        return FileManager.default.fileExists(atPath: paths.managedSave(of: try find(d).name))
    }

    public func domainManagedSaveRemove(_ d: DomainRef, flags: UInt32) async throws {
        try writable()
        _ = try DefineFlags.check(flags, allowed: [], function: "qemuDomainManagedSaveRemove")
        try await changing {
            let r = try find(d)
            try? FileManager.default.removeItem(atPath: paths.managedSave(of: r.name))
        }
    }

    public func domainCoreDump(_ d: DomainRef, to path: String, format: CoreDumpFormat, flags: UInt32) async throws {
        try writable()
        let f = try CoreDumpFlags.check(
            flags, allowed: [.crash, .live, .bypassCache, .reset, .memoryOnly], function: "qemuDomainCoreDumpWithFormat")
        if f.contains(.crash) && f.contains(.reset) {
            throw VirtError(.invalidArg, "--crash and --reset are mutually exclusive")
        }
        let qemuFormat: String?
        switch format {
        case .raw: qemuFormat = nil
        case .kdumpZlib: qemuFormat = "kdump-zlib"
        case .kdumpLzo: qemuFormat = "kdump-lzo"
        case .kdumpSnappy: qemuFormat = "kdump-snappy"
        case .winDmp: qemuFormat = "win-dmp"
        }
        try await changing {
            let (r, status, p) = try await activeStatus(d)
            let before = await state(r)
            try await withQMP(status, .control, timeout: .seconds(3600)) { qmp in
                let pause = before.state == .running && !f.contains(.live)
                if pause { _ = try await qmp.execute(QMP.Stop()) }
                do {
                    try await dumpMemory(qmp, to: path, format: qemuFormat)
                } catch {
                    if pause { _ = try? await qmp.execute(QMP.Cont()) }
                    throw error
                }
                if f.contains(.reset) { _ = try await qmp.execute(QMP.SystemReset()) }
                if pause && !f.contains(.crash) { _ = try await qmp.execute(QMP.Cont()) }
            }
            if f.contains(.crash) { try await stop(status, p, graceful: false, reason: .shutoffCrashed) }
        }
    }

    /// Guest memory as an ELF core (or a kdump/win-dmp format) written by QEMU to `path`.
    func dumpMemory(_ qmp: QMPConnection, to path: String, format: String?) async throws {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw VirtError(.systemError, "cannot create '\(path)': \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        _ = try await qmp.execute(QMP.GetFD(fdname: "vk-dump"), passing: [fd])
        _ = try await qmp.execute(QMP.DumpGuestMemory(protocol: "fd:vk-dump", format: format), timeout: .seconds(3600))
    }
}
