import Foundation
import Schema

/// Virtual network definitions: stored, listed and shown. Starting them (bridges, NAT,
/// DHCP) is not done by this driver yet, so every network is inactive here and
/// `net-start` answers "not supported".
extension QemuDriver {
    struct NetworkRecord {
        var network: Network
        var ref: NetworkRef { NetworkRef(name: network.name ?? "", uuid: network.uuid!) }
    }

    func networkRecords() -> [NetworkRecord] {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: paths.networks)) ?? []).filter { $0.hasSuffix(".xml") }
        return files.sorted().compactMap { file in
            guard let data = FileManager.default.contents(atPath: paths.networks + "/" + file),
                let net = try? Network.parse(String(decoding: data, as: UTF8.self)), net.uuid != nil, net.name != nil
            else { return nil }
            return NetworkRecord(network: net)
        }
    }

    func networkRecord(_ n: NetworkRef) throws(VirtError) -> NetworkRecord {
        guard let r = networkRecords().first(where: { $0.network.uuid == n.uuid }) else {
            throw VirtError(.noNetwork, "no network with matching uuid '\(n.uuid.xmlValue)'")
        }
        return r
    }

    public func connectListAllNetworks(flags: UInt32) async throws -> [NetworkRef] {
        let f = try ListNetworksFlags.check(flags, allowed: .all, function: "networkConnectListAllNetworks")
        let filter = NetworkFilter(f)
        return networkRecords().filter {
            filter.admits(
                active: false, persistent: true,
                autostart: FileManager.default.fileExists(atPath: paths.networkAutostartLink(of: $0.network.name!)))
        }.map(\.ref)
    }

    public func networkLookupByName(_ name: String) async throws -> NetworkRef {
        guard let r = networkRecords().first(where: { $0.network.name == name }) else { throw VirtError.noNetwork(name: name) }
        return r.ref
    }

    public func networkLookupByUUID(_ uuid: UUIDValue) async throws -> NetworkRef {
        guard let r = networkRecords().first(where: { $0.network.uuid == uuid }) else {
            throw VirtError(.noNetwork, "no network with matching uuid '\(uuid.xmlValue)'")
        }
        return r.ref
    }

    public func networkDefineXML(_ xml: String, flags: UInt32) async throws -> NetworkRef {
        try writable()
        _ = try DefineFlags.check(flags, allowed: .validate, function: "networkDefineXMLFlags")
        var net = try checker.network(xml)
        return try await changing {
            let records = networkRecords()
            if let same = records.first(where: { $0.network.name == net.name }) {
                if let u = net.uuid, u != same.network.uuid {
                    throw VirtError(
                        .operationFailed, "network '\(net.name!)' already exists with uuid \(same.network.uuid!.xmlValue)")
                }
                net.uuid = same.network.uuid
            } else if let u = net.uuid, let other = records.first(where: { $0.network.uuid == u }) {
                throw VirtError(
                    .operationFailed, "network '\(other.network.name ?? "")' is already defined with uuid \(u.xmlValue)")
            }
            if net.uuid == nil { net.uuid = UUIDValue.random() }
            do {
                try AtomicFile.write(net.formatted(), to: paths.networkConfig(of: net.name!))
            } catch let e as AtomicFile.WriteError {
                throw VirtError(.writeFailed, e.description)
            }
            let ref = NetworkRef(name: net.name!, uuid: net.uuid!)
            networkEventHub.publish(NetworkEvent(network: ref, kind: .defined))
            return ref
        }
    }

    public func networkUndefine(_ n: NetworkRef) async throws {
        try writable()
        try await changing {
            let r = try networkRecord(n)
            try? FileManager.default.removeItem(atPath: paths.networkAutostartLink(of: r.network.name!))
            try? FileManager.default.removeItem(atPath: paths.networkConfig(of: r.network.name!))
            networkEventHub.publish(NetworkEvent(network: NetworkRef(name: r.network.name!, uuid: r.network.uuid!), kind: .undefined))
        }
    }

    public func networkGetXMLDesc(_ n: NetworkRef, flags: UInt32) async throws -> String {
        _ = try DefineFlags.check(flags, allowed: .validate, function: "networkGetXMLDesc")
        return try networkRecord(n).network.formatted()
    }

    public func networkGetAutostart(_ n: NetworkRef) async throws -> Bool {
        FileManager.default.fileExists(atPath: paths.networkAutostartLink(of: try networkRecord(n).network.name!))
    }

    public func networkSetAutostart(_ n: NetworkRef, _ autostart: Bool) async throws {
        try writable()
        try await changing {
            let name = try networkRecord(n).network.name!
            let link = paths.networkAutostartLink(of: name)
            try? FileManager.default.removeItem(atPath: link)
            if autostart {
                do {
                    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "../\(name).xml")
                } catch {
                    throw VirtError(.systemError, "cannot create \(link): \(error.localizedDescription)")
                }
            }
        }
    }

    public func networkIsActive(_ n: NetworkRef) async throws -> Bool {
        _ = try networkRecord(n)
        return false
    }

    public func networkIsPersistent(_ n: NetworkRef) async throws -> Bool {
        _ = try networkRecord(n)
        return true
    }

    public func networkGetBridgeName(_ n: NetworkRef) async throws -> String {
        guard let br = try networkRecord(n).network.bridge?.name else {
            throw VirtError(.internalError, "network '\(n.name)' does not have a bridge name.")
        }
        return br
    }
}
