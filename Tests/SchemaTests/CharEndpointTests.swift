import Schema
import Testing

/// A character device's host end is a union over `type` whose payload is several elements
/// (`<source>`s, `<protocol>`): `CharType` names the tags once, and `endpoint` and
/// `setEndpoint` map them in exhaustive switches. Every kind of host end survives a trip
/// through XML, so a tag mapped to the wrong case fails here.
@Suite struct CharEndpointTests {
    static let samples: [CharEndpoint] = [
        .pty(path: nil), .pty(path: "/dev/pts/3"), .dev(path: "/dev/ttyS0"), .file(path: "/var/log/s.log", append: .on),
        .pipe(path: "/tmp/p"), .stdio, .null, .vc, .unix(path: "/run/s.sock", listen: true),
        .unix(path: "/run/c.sock", listen: false), .tcp(host: "127.0.0.1", service: "4555", listen: true, telnet: true),
        .tcp(host: "h", service: "23", listen: false, telnet: false),
        .udp(host: "1.2.3.4", service: "99", bindHost: "0.0.0.0", bindService: "98"),
        .udp(host: "1.2.3.4", service: "99", bindHost: nil, bindService: nil), .spicevmc, .spiceport(channel: "org.qemu.console.0"),
        .other("nmdm"),
    ]

    @Test(arguments: samples)
    func hostEndSurvivesXML(_ endpoint: CharEndpoint) throws {
        let serial = CharDevice(endpoint: endpoint)
        let back = CharDevice(element: serial.element(named: "serial"))
        #expect(back.endpoint == endpoint, "\(serial.element(named: "serial"))")
    }

    /// Every type name in the table reads back as itself.
    @Test func everyTypeNameIsKept() {
        for (type, name) in CharType.xmlNames {
            let d = CharDevice(element: XMLElement("serial", attributes: [XMLAttribute("type", name)]))
            #expect(d.type == type && d.element(named: "serial").attribute("type") == name)
        }
    }
}
