import Foundation
import Testing

@testable import Convert
import Schema

@Suite("xen-sxpr converter")
struct XenSexprTests {
    static let format = "xen-sxpr"

    static var nativeFiles: [URL] {
        ["pairs", "roundtrip"].flatMap { sub -> [URL] in
            let dir = XenFixtures.directory(format, sub)
            return XenFixtures.names(in: dir, ext: "sexpr").map { dir.appendingPathComponent("\($0).sexpr") }
        }
    }

    @Test("fixture pair converts both ways", arguments: XenFixtures.names(format, "pairs", ext: "sexpr"))
    func pair(name: String) async throws {
        try await XenChecks.pair(Self.format, ext: "sexpr", name)
    }

    @Test("native → XML → native reaches a fixed point", arguments: nativeFiles)
    func roundTrip(file: URL) async throws {
        try await XenChecks.roundTrip(Self.format, file)
    }

    @Test("malformed input fails at its line", arguments: XenFixtures.names(format, "malformed", ext: "sexpr"))
    func malformed(name: String) async throws {
        try await XenChecks.malformed(Self.format, ext: "sexpr", name)
    }

    @Test("XML that cannot be written safely is refused", arguments: XenFixtures.names(format, "unwritable", ext: "xml"))
    func unwritable(name: String) async throws {
        try await XenChecks.unwritable(Self.format, name)
    }

    // MARK: The S-expression layer

    @Test func parsesQuotingAndContinuations() throws {
        let e = try SExprParser.parse("(a 'it\\'s' \"x\\\\y\" bare\\\n(b))", fileName: "t")
        #expect(e.head == "a")
        #expect(e.items.compactMap(\.atom) == ["a", "it's", "x\\y", "bare"])
        #expect(e.child("b") != nil)
    }

    @Test func printerEscapesAndQuotes() throws {
        let e = SExpr.node("vm", [.pair("name", "it's \\ ok"), .bare("memory", "256"), .bare("path", "has space")])
        let text = try SExprPrinter.print(e)
        #expect(text == "(vm (name 'it\\'s \\\\ ok')(memory 256)(path 'has space'))")
        #expect(try SExprParser.parse(text, fileName: "t") == e)
        #expect(throws: SExprPrinter.UnprintableAtom.self) {
            try SExprPrinter.print(.pair("name", "two\nlines"))
        }
    }

    @Test func toleratesWhatXendToleratedWithWarnings() async throws {
        let open = "(domain (name 'x')(uuid '596a5d2171f48fb2e068e2386a5c413e')(image (linux (kernel '/k')))"
        let result = try await XenSexprFormat().read(open, fileName: "t", options: ConversionOptions())
        #expect(result.domain.name == "x")
        #expect(result.warnings.contains { $0.contains("never closed") })
        let surplus = try await XenSexprFormat().read(open + "))", fileName: "t", options: ConversionOptions())
        #expect(surplus.warnings.contains { $0.contains("surplus ')'") })
    }

    // MARK: xend config versions

    static let oldHVM = """
        (domain (domid 3)(name 'fv')(uuid 'b5d70dd275cdaca517769660b059d8bc')(memory 400)
          (image (hvm (kernel '/usr/lib/xen/boot/hvmloader')(cdrom '/root/boot.iso')(vnc 1)))
          (device (vbd (dev 'ioemu:hda')(uname 'file:/root/foo.img')(mode 'w'))))
        """

    @Test func vncPortFollowsDomainIDBeforeXend303() async throws {
        let v1 = try await XenSexprFormat().read(Self.oldHVM, fileName: "t", options: ConversionOptions(xendConfigVersion: 1))
        let g1 = try #require(v1.domain.devices?.graphics.first)
        #expect(g1.port == 5903 && g1.autoport == .no)
        let v2 = try await XenSexprFormat().read(Self.oldHVM, fileName: "t", options: ConversionOptions(xendConfigVersion: 2))
        let g2 = try #require(v2.domain.devices?.graphics.first)
        #expect(g2.port == -1 && g2.autoport == .yes)
        // The 3.0.2 CD-ROM in the image is a disk whatever the version.
        #expect(v2.domain.devices?.disks.map(\.effectiveDevice) == [.disk, .cdrom])
    }

    static let hvmXML = """
        <domain type='xen'>
          <name>fv</name>
          <uuid>b5d70dd2-75cd-aca5-1776-9660b059d8bc</uuid>
          <memory>409600</memory>
          <os><type>hvm</type><loader>/usr/lib/xen/boot/hvmloader</loader></os>
          <devices>
            <disk type='file' device='disk'><source file='/root/foo.img'/><target dev='hda'/></disk>
            <disk type='file' device='cdrom'><source file='/root/boot.iso'/><target dev='hdc'/><readonly/></disk>
            <interface type='bridge'><source bridge='xenbr0'/><mac address='00:16:3e:1b:b1:47'/></interface>
            <graphics type='vnc' port='5917' keymap='ja'/>
          </devices>
        </domain>
        """

    @Test func writesEachXendVersionsSpelling() async throws {
        let v1 = try await XenFixtures.toNative(Self.format, Self.hvmXML, options: ConversionOptions(xendConfigVersion: 1))
        #expect(v1.contains("(cdrom '/root/boot.iso')") && v1.contains("(dev 'ioemu:hda')"))
        #expect(v1.contains("(vnc 1)))") && !v1.contains("vncdisplay") && v1.contains("(type ioemu)"))
        let v2 = try await XenFixtures.toNative(Self.format, Self.hvmXML, options: ConversionOptions(xendConfigVersion: 2))
        #expect(v2.contains("(dev 'hda:disk')") && v2.contains("(dev 'hdc:cdrom')") && !v2.contains("(cdrom "))
        #expect(v2.contains("(vncunused 0)(vncdisplay 17)(keymap 'ja')"))
        let v4 = try await XenFixtures.toNative(Self.format, Self.hvmXML, options: ConversionOptions(xendConfigVersion: 4))
        #expect(!v4.contains("(type ioemu)"))
    }

    @Test func paravirtDisplayIsAVfbFromXend304() async throws {
        let xml = """
            <domain type='xen'><name>pv</name><uuid>596a5d21-71f4-8fb2-e068-e2386a5c413e</uuid>
            <memory>262144</memory><os><type>linux</type><kernel>/k</kernel></os>
            <devices><graphics type='vnc' port='5906' listen='127.0.0.1' passwd='123456'/></devices></domain>
            """
        let v2 = try await XenFixtures.toNative(Self.format, xml, options: ConversionOptions(xendConfigVersion: 2))
        #expect(v2.contains("(image (linux (kernel '/k')(vnc 1)(vncunused 0)(vncdisplay 6)(vnclisten '127.0.0.1')(vncpasswd '123456')))"))
        let v3 = try await XenFixtures.toNative(Self.format, xml, options: ConversionOptions(xendConfigVersion: 3))
        #expect(v3.hasSuffix("(device (vkbd))(device (vfb (type vnc)(vncunused 0)(vncdisplay 6)(vnclisten '127.0.0.1')(vncpasswd '123456'))))"))
    }

    /// What xend of a config version cannot carry is said, by element and line.
    @Test func displaysAnOldXendCannotCarryAreWarnedAbout() async throws {
        let pygrub = """
            <domain type='xen'><name>pv</name><uuid>596a5d21-71f4-8fb2-e068-e2386a5c413e</uuid>
            <memory>262144</memory><bootloader>/usr/bin/pygrub</bootloader><os><type>linux</type></os>
            <devices>
            <graphics type='vnc' port='5906'/>
            </devices></domain>
            """
        let format = XenSexprFormat()
        let v1 = try await format.write(try Domain.parse(pygrub), fileName: "pv.xml", options: ConversionOptions(xendConfigVersion: 1))
        #expect(!v1.text.contains("vnc"))
        #expect(v1.warnings.contains { $0.contains("line 4") && $0.contains("graphics") && $0.contains("framebuffer") }, "\(v1.warnings)")
        let v3 = try await format.write(try Domain.parse(pygrub), fileName: "pv.xml", options: ConversionOptions(xendConfigVersion: 3))
        #expect(v3.text.contains("(vfb (type vnc)"))
        #expect(v3.warnings.isEmpty, "\(v3.warnings)")

        let hvm = try Domain.parse(Self.hvmXML)
        let old = try await format.write(hvm, fileName: "hvm.xml", options: ConversionOptions(xendConfigVersion: 1))
        #expect(old.warnings.contains { $0.contains("graphics") && $0.contains("port") && $0.contains("keymap") }, "\(old.warnings)")
        let newer = try await format.write(hvm, fileName: "hvm.xml", options: ConversionOptions(xendConfigVersion: 2))
        #expect(newer.warnings.isEmpty, "\(newer.warnings)")

        let two = try Domain.parse(pygrub.replacingOccurrences(
            of: "<graphics type='vnc' port='5906'/>", with: "<graphics type='vnc' port='5906'/>\n<graphics type='sdl'/>"))
        let both = try await format.write(two, fileName: "pv.xml", options: ConversionOptions(xendConfigVersion: 3))
        #expect(both.warnings.contains { $0.contains("line 5") && $0.contains("one display") }, "\(both.warnings)")
    }

    /// xen-sxpr and xen-xm spell a disk the same way, through one type.
    @Test func xendDiskSpellingIsSharedBySxprAndXm() async throws {
        #expect(XendDiskSpelling.readMode("r") == (true, false))
        #expect(XendDiskSpelling.readMode("ro") == (true, false))
        #expect(XendDiskSpelling.readMode("w!") == (false, true))
        #expect(XendDiskSpelling.readMode("w") == (false, false))
        #expect(XendDiskSpelling.readTarget("ioemu:hdc:cdrom") == ("hdc", .cdrom))
        #expect(XendDiskSpelling.readTarget("xvda") == ("xvda", .disk))
        let tap = try XendDiskSpelling.readSource("tap:aio:/img", defaultDriver: nil, aioFormat: "raw").get()
        #expect(tap.driver == "tap" && tap.format == "raw" && tap.path == "/img")
        let bare = try XendDiskSpelling.readSource("/dev/sdb", defaultDriver: "phy", aioFormat: nil).get()
        #expect(bare.driver == "phy" && bare.path == "/dev/sdb")
        #expect((try? XendDiskSpelling.readSource("/dev/sdb", defaultDriver: nil, aioFormat: nil).get()) == nil)

        // A block device named without its folder, read-only and shared: both writers agree.
        let xml = """
            <domain type='xen'><name>pv</name><uuid>596a5d21-71f4-8fb2-e068-e2386a5c413e</uuid>
            <memory>262144</memory><os><type>linux</type><kernel>/k</kernel></os>
            <devices><disk type='block' device='disk'><source dev='sdb'/><target dev='xvdb'/><readonly/></disk></devices></domain>
            """
        var domain = try Domain.parse(xml)
        let sexpr = try await XenSexprFormat().write(domain, fileName: "pv.xml", options: ConversionOptions()).text
        let xm = try await XenXMFormat().write(domain, fileName: "pv.xml", options: ConversionOptions()).text
        #expect(sexpr.contains("(uname 'phy:/dev/sdb')") && sexpr.contains("(mode 'r')"), "\(sexpr)")
        #expect(xm.contains("\"phy:/dev/sdb,xvdb,r\""), "\(xm)")
        domain.devices?.disks[0].readonly = false
        domain.devices?.disks[0].shareable = true
        let shared = try await XenXMFormat().write(domain, fileName: "pv.xml", options: ConversionOptions()).text
        #expect(shared.contains("\"phy:/dev/sdb,xvdb,w!\""), "\(shared)")
    }

    // MARK: Conformance corpus

    /// The issue asks for mean F1 ≥ 0.97 and 80% exact pairs. The means are met; the exact
    /// counts cannot be: the expected XML of sexpr2xml comes from three libvirt eras (32 pairs
    /// without `placement='static'`/implicit keyboard, 17 with, 3 with addresses and a balloon)
    /// for inputs of the same shape, and xml2sexpr expects xend config version 1 for most
    /// pairs, 2 or 3 for seven, and a later writer for six.
    static let corpora = [
        XenCorpus(folder: "xen-sxpr/sexpr2xml", format: format, nativeExtension: "sexpr", toNative: false,
                  minimumMeanF1: 0.97, minimumExact: 30),
        XenCorpus(folder: "xen-sxpr/xml2sexpr", format: format, nativeExtension: "sexpr", toNative: true,
                  minimumMeanF1: 0.97, minimumExact: 39),
    ]

    // Disabled when ../shared/conformance is not checked out next to the repository.
    @Test("conformance corpus scores", .enabled(if: XenFixtures.hasConformance), arguments: corpora)
    func conformance(corpus: XenCorpus) async throws {
        try await XenChecks.corpus(corpus)
    }

    @Test("conformance native reaches a fixed point", .enabled(if: XenFixtures.hasConformance),
          arguments: XenChecks.conformanceNatives(["xen-sxpr/sexpr2xml", "xen-sxpr/xml2sexpr"], ext: "sexpr"))
    func conformanceRoundTrip(file: URL) async throws {
        try await XenChecks.roundTrip(Self.format, file)
    }
}
