import Foundation
import NIOCore
import NIOSSL
import NIOTLS
import SwiftASN1
import X509

#if canImport(Glibc)
    import Glibc
#endif

/// Who may connect over TCP and TLS, as libvirtd.conf says: the client's certificate chains
/// to the CA and is not in the CRL; its subject matches `tls_allowed_dn_list`; its address
/// matches `tls_allowed_ip_list` (fnmatch patterns; an empty list admits no one).
public enum AccessList {
    public static func admits(_ patterns: [String]?, _ value: String) -> Bool {
        guard let patterns else { return true }
        return patterns.contains { fnmatch($0, value, 0) == 0 }
    }
}

/// A certificate's subject as libvirt compares it: attributes in certificate order, `,`
/// between them and no spaces (`C=GB,ST=London,L=London,O=Red Hat,CN=client1`); the
/// RFC 4514 order (most specific first, as newer GnuTLS and OpenSSL print it) is accepted
/// too, so a list written from either tool's output works.
public enum SubjectName {
    public static func forms(_ certificate: NIOSSLCertificate) -> [String] {
        guard let der = try? certificate.toDERBytes(), let cert = try? Certificate(derEncoded: der) else { return [] }
        let rdns = Array(cert.subject).map { rdn in rdn.map { String(describing: $0) }.joined(separator: "+") }
        return [rdns.joined(separator: ","), rdns.reversed().joined(separator: ",")]
    }
}

/// A certificate revocation list, checked against every certificate a client presents.
/// Its signature must verify with the CA's key, so a file that is not the CA's own list
/// is refused at start-up rather than trusted.
public struct RevocationList: Sendable {
    public let revokedSerials: Set<[UInt8]>

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public static func load(path: String, caPath: String) throws -> RevocationList {
        let crlText = try String(contentsOfFile: path, encoding: .utf8)
        let caText = try String(contentsOfFile: caPath, encoding: .utf8)
        let cas = try pemBlocks(caText, label: "CERTIFICATE").map { try Certificate(derEncoded: $0) }
        guard let der = try pemBlocks(crlText, label: "X509 CRL").first else {
            throw Failure(description: "\(path): no X509 CRL block")
        }
        return try parse(der, issuers: cas, path: path)
    }

    static func parse(_ der: [UInt8], issuers: [Certificate], path: String) throws -> RevocationList {
        var serials = Set<[UInt8]>()
        var issuer: DistinguishedName?
        var tbsBytes: ArraySlice<UInt8> = []
        var algorithm: ASN1ObjectIdentifier?
        var signature: ASN1BitString?
        let root = try DER.parse(der)
        try DER.sequence(root, identifier: .sequence) { nodes in
            guard let tbs = nodes.next(), let alg = nodes.next(), let sig = nodes.next() else {
                throw Failure(description: "\(path): not a certificate revocation list")
            }
            tbsBytes = tbs.encodedBytes
            algorithm = try DER.sequence(alg, identifier: .sequence) { a in
                let oid = try ASN1ObjectIdentifier(derEncoded: a.next()!)
                while a.next() != nil {}
                return oid
            }
            signature = try ASN1BitString(derEncoded: sig)
            try DER.sequence(tbs, identifier: .sequence) { t in
                var node = t.next()
                if node?.identifier == .integer { node = t.next() }  // version
                node = t.next()  // the signature algorithm again
                guard let name = node else { throw Failure(description: "\(path): truncated CRL") }
                issuer = try DistinguishedName(derEncoded: name)
                _ = t.next()  // thisUpdate
                node = t.next()
                if let n = node, n.identifier == .utcTime || n.identifier == .generalizedTime { node = t.next() }
                if let list = node, list.identifier == .sequence {
                    try DER.sequence(list, identifier: .sequence) { entries in
                        while let entry = entries.next() {
                            try DER.sequence(entry, identifier: .sequence) { e in
                                guard let serial = e.next(), serial.identifier == .integer,
                                    case .primitive(let bytes) = serial.content
                                else { throw Failure(description: "\(path): bad revoked entry") }
                                serials.insert(RevocationList.magnitude(bytes))
                                while e.next() != nil {}
                            }
                        }
                    }
                }
                while t.next() != nil {}
            }
        }
        guard let issuer, let algorithm, let signature else { throw Failure(description: "\(path): incomplete CRL") }
        guard let ca = issuers.first(where: { $0.subject == issuer }) else {
            throw Failure(description: "\(path): the CRL's issuer \(issuer) is not the CA in ca_file")
        }
        guard let sigAlg = signatureAlgorithm(algorithm),
            ca.publicKey.isValidSignature(signature.bytes, for: tbsBytes, signatureAlgorithm: sigAlg)
        else {
            throw Failure(description: "\(path): the CRL's signature does not verify with the CA's key")
        }
        return RevocationList(revokedSerials: serials)
    }

    static func signatureAlgorithm(_ oid: ASN1ObjectIdentifier) -> Certificate.SignatureAlgorithm? {
        switch oid {
        case [1, 2, 840, 113549, 1, 1, 11]: .sha256WithRSAEncryption
        case [1, 2, 840, 113549, 1, 1, 12]: .sha384WithRSAEncryption
        case [1, 2, 840, 113549, 1, 1, 13]: .sha512WithRSAEncryption
        case [1, 2, 840, 113549, 1, 1, 5]: .sha1WithRSAEncryption
        case [1, 2, 840, 10045, 4, 3, 2]: .ecdsaWithSHA256
        case [1, 2, 840, 10045, 4, 3, 3]: .ecdsaWithSHA384
        case [1, 2, 840, 10045, 4, 3, 4]: .ecdsaWithSHA512
        case [1, 3, 101, 112]: .ed25519
        default: nil
        }
    }

    public func revokes(_ certificate: NIOSSLCertificate) -> Bool {
        guard let der = try? certificate.toDERBytes(), let cert = try? Certificate(derEncoded: der) else { return true }
        return revokedSerials.contains(Self.magnitude(cert.serialNumber.bytes))
    }

    /// Serials compared as unsigned magnitudes: DER adds a zero byte in front of a serial
    /// whose top bit is set, and not every parser keeps it.
    static func magnitude(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        let trimmed = Array(bytes.drop { $0 == 0 })
        return trimmed.isEmpty ? [0] : trimmed
    }

    static func pemBlocks(_ text: String, label: String) throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        var body: String?
        for line in text.split(whereSeparator: \.isNewline) {
            let l = line.trimmingCharacters(in: .whitespaces)
            if l == "-----BEGIN \(label)-----" {
                body = ""
            } else if l == "-----END \(label)-----", let b = body {
                guard let data = Data(base64Encoded: b) else { throw Failure(description: "bad base64 in a \(label) block") }
                out.append(Array(data))
                body = nil
            } else if body != nil {
                body! += l
            }
        }
        return out
    }
}

/// The daemon's TLS side: its certificate and key, client certificates required and
/// verified against the CA (unless `tls_no_verify_certificate`), revoked ones refused.
struct ServerTLS: Sendable {
    let context: NIOSSLContext
    let revocations: RevocationList?
    let verifyClients: Bool

    init(_ config: DaemonConfig) throws {
        func need(_ path: String, _ key: String) throws {
            guard !path.isEmpty, FileManager.default.isReadableFile(atPath: path) else {
                throw VirtError(.systemError, "TLS needs \(key) (\(path.isEmpty ? "empty" : path)): not readable")
            }
        }
        try need(config.certFile, "cert_file")
        try need(config.keyFile, "key_file")
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(config.certFile).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: config.keyFile, format: .pem)))
        verifyClients = !config.tlsNoVerifyCertificate
        if verifyClients {
            try need(config.caFile, "ca_file")
            tls.trustRoots = .file(config.caFile)
            tls.certificateVerification = .noHostnameVerification
        } else {
            tls.certificateVerification = .none
        }
        tls.minimumTLSVersion = .tlsv12
        // libvirt's clients read one confirmation byte right after the handshake and fail on
        // anything else first; a TLS 1.3 server sends its session tickets there, and
        // BoringSSL (as NIOSSL exposes it) cannot be told not to. TLS 1.2 puts the ticket
        // inside the handshake.
        tls.maximumTLSVersion = .tlsv12
        context = try NIOSSLContext(configuration: tls)
        if let crl = config.crlFile, verifyClients {
            revocations = try RevocationList.load(path: crl, caPath: config.caFile)
        } else {
            revocations = nil
        }
    }

    func makeHandler() throws -> NIOSSLServerHandler {
        guard verifyClients, let revocations else { return try NIOSSLServerHandler(context: context) }
        // BoringSSL checks the chain; a revoked certificate anywhere in it fails the handshake.
        return try NIOSSLServerHandler(context: context) { result, certificate in
            guard result == .certificateVerified else { return .failed }
            return revocations.revokes(certificate) ? .failed : .certificateVerified
        }
    }
}

/// The client side of libvirt's TLS confirmation: the first byte after the handshake is
/// the server's verdict on our certificate and address (1: accepted).
final class TLSConfirmationReader: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    struct Refused: Error, CustomStringConvertible {
        var description: String { "server verification (of our certificate or IP address) failed" }
    }

    private var confirmed = false

    func channelInactive(context: ChannelHandlerContext) {
        // Closed before the verdict: the server refused us (libvirt says it the same way).
        if !confirmed { context.fireErrorCaught(Refused()) }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        if !confirmed {
            guard let byte = buffer.readInteger(as: UInt8.self) else { return }
            guard byte == 1 else {
                context.fireErrorCaught(Refused())
                context.close(promise: nil)
                return
            }
            confirmed = true
            context.pipeline.syncOperations.removeHandler(self, promise: nil)
            if buffer.readableBytes == 0 { return }
        }
        context.fireChannelRead(wrapInboundOut(buffer))
    }
}

/// Holds a TLS client's frames back until its handshake is done and its subject is in
/// `tls_allowed_dn_list`; a subject not in it closes the connection.
final class TLSSubjectGate: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let allowed: [String]?
    let enforce: Bool
    let log: @Sendable (String) -> Void
    private var admitted = false

    init(allowed: [String]?, enforce: Bool, log: @escaping @Sendable (String) -> Void) {
        self.allowed = allowed
        self.enforce = enforce
        self.log = log
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event {
            let cert = try? context.pipeline.syncOperations.nioSSL_peerCertificate()
            let names = cert.map(SubjectName.forms) ?? []
            if allowed == nil || names.contains(where: { AccessList.admits(allowed, $0) }) || !enforce {
                admitted = true
                // libvirt's clients wait for one byte, 1, saying the server accepted them.
                var confirm = context.channel.allocator.buffer(capacity: 1)
                confirm.writeInteger(UInt8(1))
                context.writeAndFlush(NIOAny(confirm), promise: nil)
            } else {
                log("refused TLS client \(names.first ?? "(no certificate)"): not in tls_allowed_dn_list")
                context.close(promise: nil)
                return
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard admitted else { return }
        context.fireChannelRead(data)
    }
}
