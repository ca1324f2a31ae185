import Schema
import Testing

/// The typed model: values decode as libvirt reads them, and what it does not know survives.
@Suite struct ModelTests {
    @Test func uuidAcceptsBothFormsAndWritesDashed() throws {
        let compact = try #require(UUIDValue(xmlValue: "4dea22b31d52d8f32516782e98ab3fa0"))
        #expect(compact.xmlValue == "4dea22b3-1d52-d8f3-2516-782e98ab3fa0")
        #expect(UUIDValue(xmlValue: "4DEA22B3-1D52-D8F3-2516-782E98AB3FA0") == compact)
        #expect(UUIDValue(xmlValue: "4dea22b3-1d52d8f3-2516-782e98ab3fa0") == nil)
        #expect(UUIDValue(xmlValue: "4dea22b31d52d8f32516782e98ab3fa") == nil)
        #expect(UUIDValue(xmlValue: "zdea22b31d52d8f32516782e98ab3fa0") == nil)
    }

    @Test(arguments: [
        ("<memory>219200</memory>", UInt64(219200)),
        ("<memory unit='KiB'>219200</memory>", 219200),
        ("<memory unit='MiB'>128</memory>", 131072),
        ("<memory unit='G'>2</memory>", 2_097_152),
        ("<memory unit='bytes'>1025</memory>", 2),
        ("<memory unit='MB'>1</memory>", 977),
    ])
    func memorySizesConvertToKiB(xml: String, kib: UInt64) throws {
        let d = try Domain.parse("<domain type='kvm'><name>m</name>\(xml)</domain>")
        #expect(d.memory?.kibibytes == kib)
    }

    @Test func legacyFormsDecode() throws {
        let d = try Domain.parse(
            """
            <domain type='qemu'><name>legacy</name><clock sync='localtime'/>
            <devices><interface type='network'><source name='default'/></interface>
            <interface type='bridge'><source dev='br0'/></interface><console tty='/dev/pts/5'/></devices></domain>
            """)
        #expect(d.clock?.effectiveOffset == .localtime)
        guard case .network(let net)? = d.devices?.interfaces[0].source else {
            Issue.record("expected a network interface")
            return
        }
        #expect(net?.networkName == "default")
        guard case .bridge(let br)? = d.devices?.interfaces[1].source else {
            Issue.record("expected a bridge interface")
            return
        }
        #expect(br?.bridgeName == "br0")
        #expect(d.devices?.consoles.first?.endpoint == .pty(path: "/dev/pts/5"))
    }

    @Test func unknownContentIsKeptAndWrittenBack() throws {
        let text = """
            <domain type='kvm' futureattr='1'>
              <name>keep</name>
              <memory>0219200</memory>
              <devices>
                <disk type='file' device='disk' newthing='x'>
                  <source file='/a.img'><newchild deep='yes'/></source>
                  <target dev='vda' bus='virtio'/>
                  <fancy/>
                </disk>
              </devices>
              <brandnew><inner>text</inner></brandnew>
            </domain>
            """
        let d = try Domain.parse(text)
        // A size written in a way libvirt would not write it stays as written, untyped.
        #expect(d.memory?.value == nil)
        let out = d.formatted()
        for fragment in [
            "futureattr='1'", "<memory>0219200</memory>", "newthing='x'", "<newchild deep='yes'/>", "<fancy/>",
            "<inner>text</inner>",
        ] {
            #expect(out.contains(fragment), "lost \(fragment)")
        }
        #expect(try Domain.parse(out) == d)
    }

    @Test func qemuNamespaceIsDeclaredOnOutput() throws {
        var d = Domain()
        d.type = .qemu
        d.name = "ns"
        var cl = QemuCommandline()
        cl.args = [QemuCommandline.Arg("-unknown")]
        d.qemuCommandline = cl
        let out = d.formatted()
        #expect(out.contains("xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'"))
        #expect(out.contains("<qemu:arg value='-unknown'/>"))
        #expect(try Domain.parse(out).qemuCommandline?.args.first?.value == "-unknown")
    }

    @Test func diskSourceUnionFollowsType() throws {
        let d = try Domain.parse(
            """
            <domain type='kvm'><name>u</name><devices>
            <disk type='block' device='cdrom'><source dev='/dev/sr0'/><target dev='hdc'/></disk>
            <disk type='network'><source protocol='nbd' name='e'><host name='h' port='1'/></source><target dev='vda'/></disk>
            <disk device='disk'><source file='/legacy.img'/><target dev='hda'/></disk>
            </devices></domain>
            """)
        let disks = try #require(d.devices?.disks)
        #expect(disks[0].sourcePath == "/dev/sr0")
        #expect(disks[0].source?.tag == "block")
        guard case .network(let n)? = disks[1].source else {
            Issue.record("expected a network source")
            return
        }
        #expect(n?.hosts.first?.name == "h")
        #expect(disks[2].source?.tag == nil)
        #expect(disks[2].sourcePath == "/legacy.img")
    }

    @Test func formattingIsLibvirtStyle() throws {
        let d = try Domain.parse("<domain type=\"kvm\"><name>s</name><features><acpi/></features></domain>")
        #expect(d.formatted() == "<domain type='kvm'>\n  <name>s</name>\n  <features>\n    <acpi/>\n  </features>\n</domain>\n")
    }

    @Test func escapingRoundTrips() throws {
        let d = try Domain.parse("<domain type='kvm'><name>a'b\"c&lt;d</name><description>x &amp; y</description></domain>")
        #expect(d.name == "a'b\"c<d")
        #expect(try Domain.parse(d.formatted()) == d)
    }
}
