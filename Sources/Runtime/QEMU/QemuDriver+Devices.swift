import CRuntimeSupport
import Convert
import Foundation
import Schema

#if canImport(Glibc)
    import Glibc
#endif

/// attach-device / detach-device: disks and NICs hotplugged over QMP into running guests,
/// any device into the persistent definition.
extension QemuDriver {
    public func domainAttachDevice(_ d: DomainRef, xml: String, flags: UInt32) async throws {
        try writable()
        let f = try ModificationFlags.check(flags, allowed: [.live, .config, .force], function: "qemuDomainAttachDeviceFlags")
        var spec = try DeviceSpec(xml: xml)
        // A NIC without a MAC gets one now, the same in the live guest and the definition.
        if var nic = spec.interface, nic.macAddress == nil {
            nic.mac = MACElement(MACAddresses.random())
            spec = DeviceSpec(family: "interface", element: nic.element(named: "interface"))
        }
        try await changing {
            guard let r = await reconcile(try find(d)) else { throw VirtError.noDomain(name: d.name) }
            let (live, config) = try impact(f, r)
            if config {
                var c = r.config!
                try DeviceEdit.attach(spec, to: &c)
                let checked = try checker.domain(c.formatted()).domain
                _ = try await buildCheck(checked)
                try storeConfig(checked)
            }
            if live, var status = r.status {
                try await hotplug(spec, into: &status)
            }
        }
    }

    public func domainDetachDevice(_ d: DomainRef, xml: String, flags: UInt32) async throws {
        try writable()
        let f = try ModificationFlags.check(flags, allowed: [.live, .config, .force], function: "qemuDomainDetachDeviceFlags")
        let spec = try DeviceSpec(xml: xml)
        try await changing {
            guard let r = await reconcile(try find(d)) else { throw VirtError.noDomain(name: d.name) }
            let (live, config) = try impact(f, r)
            if live, var status = r.status {
                try await unplug(spec, from: &status)
            }
            if config {
                var c = r.config!
                try DeviceEdit.detach(spec, from: &c)
                try storeConfig(try checker.domain(c.formatted()).domain)
            }
        }
    }

    /// Which of the running guest and the definition a change is for.
    private func impact(_ f: ModificationFlags, _ r: Record) throws(VirtError) -> (live: Bool, config: Bool) {
        let active: Bool
        if case .active = liveness(r) { active = true } else { active = false }
        let live = f.contains(.live) || (!f.contains(.config) && active)
        let config = f.contains(.config) || (!f.contains(.live) && !active)
        if live && !active { throw VirtError.notRunning }
        if config && !r.persistent { throw VirtError(.operationInvalid, "cannot modify the definition of a transient domain") }
        return (live, config)
    }

    private func hotplug(_ spec: DeviceSpec, into status: inout DomainStatus) async throws {
        var def = liveDefinition(status)
        let caps = try await emulatorCapabilities(for: def)
        var added = spec
        var addedAlias = ""
        switch spec.family {
        case "disk":
            var disk = spec.disk!
            if def.devices?.disks.contains(where: { $0.targetDev == disk.targetDev }) == true {
                throw VirtError(.operationFailed, "target \(disk.targetDev ?? "") already exists")
            }
            let number = status.nextBlockNode ?? ((def.devices?.disks.count ?? 0) + 100)
            let objects: HotplugObjects
            do {
                objects = try QemuHotplug.disk(disk, domain: def, capabilities: caps, nodeNumber: number)
            } catch {
                throw VirtError(.configUnsupported, error.lineAndMessage, diagnostics: [error])
            }
            try await withQMP(status, .control) { qmp in
                var done: [String] = []
                do {
                    for (i, b) in objects.blockdevs.enumerated() {
                        _ = try await qmp.execute(QMP.BlockdevAdd(try JSONValue(json: b)))
                        done.insert(objects.nodes.reversed()[i], at: 0)
                    }
                    _ = try await qmp.execute(QMP.DeviceAdd(try JSONValue(json: objects.device)))
                } catch {
                    for node in done { _ = try? await qmp.execute(QMP.BlockdevDel(nodeName: node)) }
                    throw error
                }
            }
            disk.alias = LiveDefinition.alias(objects.alias)
            addedAlias = objects.alias
            added = DeviceSpec(family: "disk", element: disk.element(named: "disk"))
            status.blockNodes = (status.blockNodes ?? [:]).merging([objects.alias: objects.nodes]) { $1 }
            status.nextBlockNode = number + 1
        case "interface":
            var nic = spec.interface!
            let used = (def.devices?.interfaces ?? []).compactMap { $0.alias?.name }.compactMap { Int($0.dropFirst(3)) }
            let index = (used.max() ?? ((def.devices?.interfaces.count ?? 0) - 1)) + 1
            var probe = def
            probe.devices = Devices()
            probe.deviceList.interfaces = [nic]
            let taps = try openTaps(probe)
            defer { for t in taps { close(t.fd) } }
            let fdName = taps.isEmpty ? nil : "vk-tap-\(index)"
            let objects: HotplugObjects
            do {
                objects = try QemuHotplug.interface(nic, index: index, domain: def, capabilities: caps, tapFD: fdName)
            } catch {
                throw VirtError(.configUnsupported, error.lineAndMessage, diagnostics: [error])
            }
            try await withQMP(status, .control) { qmp in
                if let fdName, let t = taps.first {
                    _ = try await qmp.execute(QMP.GetFD(fdname: fdName), passing: [t.fd])
                }
                _ = try await qmp.execute(QMP.NetdevAdd(try JSONValue(json: objects.netdev!)))
                do {
                    _ = try await qmp.execute(QMP.DeviceAdd(try JSONValue(json: objects.device)))
                } catch {
                    _ = try? await qmp.execute(QMP.NetdevDel(id: "hostnet\(index)"))
                    throw error
                }
            }
            nic.alias = LiveDefinition.alias(objects.alias)
            addedAlias = objects.alias
            if let t = taps.first { nic.target = InterfaceTarget(dev: t.name) }
            added = DeviceSpec(family: "interface", element: nic.element(named: "interface"))
        default:
            throw VirtError(
                .operationUnsupported, "live attach of device '\(spec.family)' is not supported (disks and NICs are)")
        }
        try DeviceEdit.attach(added, to: &def)
        status.liveXML = def.formatted()
        try status.write(paths.statusFile(of: status.name))
        events.publish(.deviceAdded(status.ref, alias: addedAlias))
    }

    /// Asks QEMU to unplug the device, waits for the guest to let go (DEVICE_DELETED, up to
    /// 10 s), then removes its backend.
    private func unplug(_ spec: DeviceSpec, from status: inout DomainStatus) async throws {
        var def = liveDefinition(status)
        var copy = def
        let found = try DeviceEdit.detach(spec, from: &copy)
        guard ["disk", "interface"].contains(found.family) else {
            throw VirtError(
                .operationUnsupported, "live detach of device '\(spec.family)' is not supported (disks and NICs are)")
        }
        let alias: String? =
            found.family == "disk" ? found.disk?.alias?.name : found.interface?.alias?.name
        guard let alias else {
            throw VirtError(.operationFailed, "the device has no alias in the running guest; cannot unplug it")
        }
        let nodes = status.blockNodes?[alias] ?? []
        try await withQMP(status, .control) { qmp in
            _ = try await qmp.execute(QMP.DeviceDel(id: alias))
            let gone = await Self.waitForEvent(qmp, within: .seconds(10)) { e in
                if case .deviceDeleted(let device, _) = e.kind { return device == alias }
                return false
            }
            guard gone else {
                throw VirtError(
                    .operationTimeout,
                    "the guest did not release device '\(alias)' within 10 s (it may still do so; the device stays in the guest's XML until then)")
            }
            if found.family == "disk" {
                for node in nodes { _ = try? await qmp.execute(QMP.BlockdevDel(nodeName: node)) }
            } else {
                _ = try? await qmp.execute(QMP.NetdevDel(id: "host" + alias))
            }
        }
        def = copy
        status.blockNodes?[alias] = nil
        status.liveXML = def.formatted()
        try status.write(paths.statusFile(of: status.name))
        // A daemon's watcher publishes it from QEMU's DEVICE_DELETED; without one, we do.
        if !watching { events.publish(.deviceRemoved(status.ref, alias: alias)) }
    }

    /// True when an event matching `predicate` arrives on `qmp` within `timeout`.
    static func waitForEvent(
        _ qmp: QMPConnection, within timeout: Duration, _ predicate: @escaping @Sendable (QMPEvent) -> Bool
    ) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await e in qmp.events where predicate(e) { return true }
                return false
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
