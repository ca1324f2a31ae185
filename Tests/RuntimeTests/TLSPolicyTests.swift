import Foundation
import NIOSSL
import Testing

@testable import Runtime

/// The TLS access rules against certificates made by openssl at test time
/// (`scripts/test-pki.sh`): CRL parsing and signature, subject names as libvirt writes
/// them, fnmatch allow lists.
@Suite struct TLSPolicyTests {
    static let pki: String? = {
        let dir = NSTemporaryDirectory() + "vk-pki-\(getpid())"
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/test-pki.sh").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [script, dir]
        guard (try? p.run()) != nil else { return nil }
        p.waitUntilExit()
        return p.terminationStatus == 0 ? dir : nil
    }()

    func cert(_ folder: String) throws -> NIOSSLCertificate {
        let dir = try #require(Self.pki)
        let certs = try NIOSSLCertificate.fromPEMFile(dir + "/\(folder)/clientcert.pem")
        return try #require(certs.first)
    }

    @Test func crlRevokesExactlyTheRevokedCertificate() throws {
        let dir = try #require(Self.pki)
        let crl = try RevocationList.load(path: dir + "/ca/crl.pem", caPath: dir + "/ca/cacert.pem")
        #expect(crl.revokedSerials.count == 1)
        #expect(crl.revokes(try cert("revoked")))
        #expect(!crl.revokes(try cert("client1")))
        #expect(!crl.revokes(try cert("client2")))
    }

    @Test func crlFromAnotherCAIsRefused() throws {
        let dir = try #require(Self.pki)
        #expect(throws: RevocationList.Failure.self) {
            try RevocationList.load(path: dir + "/ca/crl.pem", caPath: dir + "/other/cacert.pem")
        }
    }

    @Test func subjectInCertificateAndRFC4514Order() throws {
        let forms = SubjectName.forms(try cert("client1"))
        #expect(forms == ["C=GB,O=virtkit test,CN=client1", "CN=client1,O=virtkit test,C=GB"])
    }

    @Test func allowListsAreFnmatchPatterns() {
        #expect(AccessList.admits(nil, "10.1.2.3"))
        #expect(!AccessList.admits([], "127.0.0.1"))
        #expect(AccessList.admits(["192.168.*", "127.0.0.1"], "127.0.0.1"))
        #expect(AccessList.admits(["192.168.*"], "192.168.4.20"))
        #expect(!AccessList.admits(["192.168.*"], "10.192.168.1"))
        #expect(AccessList.admits(["C=GB,O=virtkit test,CN=*"], "C=GB,O=virtkit test,CN=client9"))
        #expect(!AccessList.admits(["C=GB,O=virtkit test,CN=client1"], "C=GB,O=virtkit test,CN=client2"))
    }
}
