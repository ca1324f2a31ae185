import Foundation
import Schema

/// What `test:///default` starts with, and how `test:///PATH` files are read.
extension TestDriver {
    /// The running guest `test` (the name, id and UUID tools written against libvirt's test
    /// driver look for).
    static func defaultGuest() throws(VirtError) -> Guest {
        let xml = """
            <domain type='test'>
              <name>test</name>
              <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>
              <memory unit='KiB'>8388608</memory>
              <currentMemory unit='KiB'>2097152</currentMemory>
              <vcpu placement='static'>2</vcpu>
              <os>
                <type arch='i686'>hvm</type>
                <boot dev='hd'/>
              </os>
              <clock offset='utc'/>
              <on_poweroff>destroy</on_poweroff>
              <on_reboot>restart</on_reboot>
              <on_crash>destroy</on_crash>
              <devices>
                <disk type='file' device='disk'>
                  <source file='/guest/diskimage1'/>
                  <target dev='vda' bus='virtio'/>
                </disk>
                <interface type='network'>
                  <mac address='aa:bb:cc:dd:ee:ff'/>
                  <source network='default'/>
                  <target dev='testnet0'/>
                </interface>
                <memballoon model='virtio'/>
              </devices>
            </domain>
            """
        let config = try parsed(xml)
        var live = config
        live.id = 1
        return Guest(config: config, live: live, state: .booted, id: 1, persistent: true)
    }

    static func defaultNetwork() throws(VirtError) -> Network {
        let xml = """
            <network>
              <name>default</name>
              <uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>
              <forward mode='nat'/>
              <bridge name='virbr0' stp='on' delay='0'/>
              <ip address='192.168.122.1' netmask='255.255.255.0'>
                <dhcp>
                  <range start='192.168.122.2' end='192.168.122.254'/>
                </dhcp>
              </ip>
            </network>
            """
        do {
            return try Network.parse(xml)
        } catch {
            throw VirtError(.internalError, "built-in network: \(error)")
        }
    }

    private static func parsed(_ xml: String) throws(VirtError) -> Domain {
        do {
            return try Domain.parse(xml)
        } catch {
            throw VirtError(.internalError, "built-in guest: \(error)")
        }
    }

    struct NodeFile {
        var domains: [Domain] = []
        var networks: [Network] = []
        var node: NodeInfo?
    }

    /// A `<node>` document (domains and networks inline or as `file='…'` references relative
    /// to the node file, optional `<cpu>` and `<memory>` for the node's info) or a single
    /// `<domain>`. Every document is checked as `define` checks it.
    static func load(path: String, checker: DefinitionChecker) throws(VirtError) -> NodeFile {
        func read(_ p: String) throws(VirtError) -> String {
            guard let data = FileManager.default.contents(atPath: p) else {
                throw VirtError(.openFailed, p)
            }
            return String(decoding: data, as: UTF8.self)
        }
        func located(_ e: VirtError, _ file: String) -> VirtError {
            var copy = e
            copy.message = "\(file): " + e.message
            copy.diagnostics = e.diagnostics.map {
                var d = $0
                d.file = file
                return d
            }
            return copy
        }
        let text = try read(path)
        let doc: XMLDocument
        do {
            doc = try XMLDocument.parse(text, fileName: path)
        } catch {
            throw VirtError(.xmlError, error.description, diagnostics: [error])
        }
        var file = NodeFile()
        let dir = (path as NSString).deletingLastPathComponent
        func documentText(_ e: XMLElement) throws(VirtError) -> (String, String) {
            if let ref = e.attribute("file") {
                let p = ref.hasPrefix("/") ? ref : dir + "/" + ref
                return (try read(p), p)
            }
            var copy = e
            copy.declareMissingNamespaces()
            return (XMLWriter.format(copy), path)
        }
        switch doc.root.name {
        case "domain":
            do {
                file.domains = [try checker.domain(text).domain]
            } catch {
                throw located(error, path)
            }
        case "node":
            for child in doc.root.elements {
                switch child.name {
                case "domain":
                    let (xml, origin) = try documentText(child)
                    do {
                        file.domains.append(try checker.domain(xml).domain)
                    } catch {
                        throw located(error, origin)
                    }
                case "network":
                    let (xml, origin) = try documentText(child)
                    do {
                        file.networks.append(try checker.network(xml))
                    } catch {
                        throw located(error, origin)
                    }
                case "cpu":
                    var n = file.node ?? NodeInfo(
                        model: "i686", memoryKiB: 3_145_728, cpus: 16, mhz: 1400, nodes: 2, sockets: 2, cores: 2,
                        threads: 2)
                    func int(_ name: String) -> Int32? { child.element(named: name).flatMap { Int32($0.text.trimmingCharacters(in: .whitespacesAndNewlines)) } }
                    n.nodes = int("nodes") ?? n.nodes
                    n.sockets = int("sockets") ?? n.sockets
                    n.cores = int("cores") ?? n.cores
                    n.threads = int("threads") ?? n.threads
                    n.mhz = int("mhz") ?? n.mhz
                    n.cpus = int("active") ?? (n.nodes * n.sockets * n.cores * n.threads)
                    if let model = child.element(named: "model")?.text.trimmingCharacters(in: .whitespacesAndNewlines) { n.model = model }
                    file.node = n
                case "memory":
                    var n = file.node ?? NodeInfo(
                        model: "i686", memoryKiB: 3_145_728, cpus: 16, mhz: 1400, nodes: 2, sockets: 2, cores: 2,
                        threads: 2)
                    n.memoryKiB = UInt64(child.text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? n.memoryKiB
                    file.node = n
                default:
                    break
                }
            }
        default:
            throw VirtError(.xmlError, "\(path): expected a <node> or <domain> document, not <\(doc.root.name)>")
        }
        var names = Set<String>()
        for d in file.domains where !names.insert(d.name ?? "").inserted {
            throw VirtError(.operationFailed, "\(path): domain '\(d.name ?? "")' is defined twice")
        }
        return file
    }
}
