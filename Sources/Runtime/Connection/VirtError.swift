import Schema

/// An error as libvirt reports it: a code from `virErrorNumber`, the part of the library
/// that raised it (`virErrorDomain`) and the formatted English message. The numbers are
/// libvirt's own, so the daemon can send them on the wire unchanged and remote clients
/// (virsh, python-libvirt) classify them as they would libvirt's.
public struct VirtError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Code
    public var domain: Origin
    /// The full message, prefix included (`Domain not found: no domain with matching name 'x'`).
    public var message: String
    /// Where in a document the problem is, when a document was at fault: the CLI re-homes
    /// these into the file it read (`FILE:LINE: element NAME: reason`).
    public var diagnostics: [Diagnostic]

    public init(_ code: Code, _ detail: String? = nil, domain: Origin = .none, diagnostics: [Diagnostic] = []) {
        self.code = code
        self.domain = domain
        self.message = code.format(detail)
        self.diagnostics = diagnostics
    }

    /// An error as it arrived from elsewhere (a remote daemon): the message is already whole.
    public init(code: Code, domain: Origin, message: String) {
        self.code = code
        self.domain = domain
        self.message = message
        self.diagnostics = []
    }

    public var description: String { message }

    /// `virErrorNumber`: the subset virtkit raises or must recognise, with libvirt's values.
    public struct Code: RawRepresentable, Hashable, Sendable {
        public var rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        public static let ok = Code(rawValue: 0)
        public static let internalError = Code(rawValue: 1)
        public static let noMemory = Code(rawValue: 2)
        public static let noSupport = Code(rawValue: 3)
        public static let noConnect = Code(rawValue: 5)
        public static let invalidConn = Code(rawValue: 6)
        public static let invalidDomain = Code(rawValue: 7)
        public static let invalidArg = Code(rawValue: 8)
        public static let operationFailed = Code(rawValue: 9)
        public static let xmlError = Code(rawValue: 27)
        public static let domExist = Code(rawValue: 28)
        public static let operationDenied = Code(rawValue: 29)
        public static let openFailed = Code(rawValue: 30)
        public static let readFailed = Code(rawValue: 31)
        public static let parseFailed = Code(rawValue: 32)
        public static let confSyntax = Code(rawValue: 33)
        public static let writeFailed = Code(rawValue: 34)
        public static let invalidNetwork = Code(rawValue: 36)
        public static let networkExist = Code(rawValue: 37)
        public static let systemError = Code(rawValue: 38)
        public static let rpc = Code(rawValue: 39)
        public static let noDomain = Code(rawValue: 42)
        public static let noNetwork = Code(rawValue: 43)
        public static let invalidMAC = Code(rawValue: 44)
        public static let authFailed = Code(rawValue: 45)
        public static let operationInvalid = Code(rawValue: 55)
        public static let configUnsupported = Code(rawValue: 67)
        public static let operationTimeout = Code(rawValue: 68)
        public static let noDomainSnapshot = Code(rawValue: 72)
        public static let invalidStream = Code(rawValue: 73)
        public static let argumentUnsupported = Code(rawValue: 74)
        public static let operationAborted = Code(rawValue: 78)
        public static let noDomainMetadata = Code(rawValue: 80)
        public static let operationUnsupported = Code(rawValue: 84)
        public static let resourceBusy = Code(rawValue: 87)
        public static let accessDenied = Code(rawValue: 88)
        public static let xmlInvalidSchema = Code(rawValue: 92)
        public static let deviceMissing = Code(rawValue: 99)

        /// libvirt's message for the code, with the detail after its colon.
        public func format(_ detail: String?) -> String {
            let (bare, withDetail) = Self.messages[self] ?? ("unknown error", "unknown error: %s")
            guard let detail, !detail.isEmpty else { return bare }
            return withDetail.replacingOccurrences(of: "%s", with: detail)
        }

        /// (message without detail, message with detail) — virerror.c's table, in our words
        /// where it has none and in its words where clients match on them.
        static let messages: [Code: (String, String)] = [
            .internalError: ("internal error", "internal error: %s"),
            .noMemory: ("out of memory", "out of memory: %s"),
            .noSupport: ("this function is not supported by the connection driver",
                "this function is not supported by the connection driver: %s"),
            .noConnect: ("no connection driver available", "no connection driver available for %s"),
            .invalidConn: ("invalid connection pointer in", "invalid connection pointer in %s"),
            .invalidDomain: ("invalid domain pointer in", "invalid domain pointer in %s"),
            .invalidArg: ("invalid argument", "invalid argument: %s"),
            .operationFailed: ("operation failed", "operation failed: %s"),
            .xmlError: ("XML description is invalid or not well formed", "XML error: %s"),
            .domExist: ("this domain exists already", "domain %s exists already"),
            .operationDenied: ("operation forbidden for read only access",
                "operation forbidden: %s"),
            .openFailed: ("failed to open configuration file", "failed to open configuration file %s"),
            .readFailed: ("failed to read configuration file", "failed to read configuration file %s"),
            .parseFailed: ("failed to parse configuration file", "failed to parse configuration file %s"),
            .confSyntax: ("configuration file syntax error", "configuration file syntax error: %s"),
            .writeFailed: ("failed to write configuration file", "failed to write configuration file: %s"),
            .invalidNetwork: ("invalid network pointer in", "invalid network pointer in %s"),
            .networkExist: ("this network exists already", "network %s exists already"),
            .systemError: ("system call error", "%s"),
            .rpc: ("RPC error", "RPC error: %s"),
            .noDomain: ("Domain not found", "Domain not found: %s"),
            .noNetwork: ("Network not found", "Network not found: %s"),
            .invalidMAC: ("invalid MAC address", "invalid MAC address: %s"),
            .authFailed: ("authentication failed", "authentication failed: %s"),
            .operationInvalid: ("Requested operation is not valid", "Requested operation is not valid: %s"),
            .configUnsupported: ("unsupported configuration", "unsupported configuration: %s"),
            .operationTimeout: ("Timed out during operation", "Timed out during operation: %s"),
            .noDomainSnapshot: ("Domain snapshot not found", "Domain snapshot not found: %s"),
            .invalidStream: ("invalid stream pointer", "invalid stream pointer in %s"),
            .argumentUnsupported: ("argument unsupported", "argument unsupported: %s"),
            .operationAborted: ("operation aborted", "operation aborted: %s"),
            .noDomainMetadata: ("metadata not found", "metadata not found: %s"),
            .operationUnsupported: ("Operation not supported", "Operation not supported: %s"),
            .resourceBusy: ("resource busy", "resource busy: %s"),
            .accessDenied: ("access denied", "access denied: %s"),
            .xmlInvalidSchema: ("XML document failed to validate against schema",
                "XML document failed to validate against schema: %s"),
            .deviceMissing: ("device not found", "device not found: %s"),
        ]
    }

    /// `virErrorDomain`: which part raised the error.
    public struct Origin: RawRepresentable, Hashable, Sendable {
        public var rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        public static let none = Origin(rawValue: 0)
        public static let xml = Origin(rawValue: 5)
        public static let dom = Origin(rawValue: 6)
        public static let rpc = Origin(rawValue: 7)
        public static let conf = Origin(rawValue: 9)
        public static let qemu = Origin(rawValue: 10)
        public static let net = Origin(rawValue: 11)
        public static let test = Origin(rawValue: 12)
        public static let remote = Origin(rawValue: 13)
        public static let network = Origin(rawValue: 19)
        public static let domain = Origin(rawValue: 20)
        public static let stream = Origin(rawValue: 38)
    }
}

extension VirtError {
    /// The error every driver gives for an operation it does not implement.
    public static func notSupported(_ api: String) -> VirtError { VirtError(.noSupport, api) }

    public static func noDomain(name: String) -> VirtError {
        VirtError(.noDomain, "no domain with matching name '\(name)'")
    }

    public static func noDomain(uuid: String) -> VirtError {
        VirtError(.noDomain, "no domain with matching uuid '\(uuid)'")
    }

    public static func noDomain(id: Int) -> VirtError {
        VirtError(.noDomain, "no domain with matching id \(id)")
    }

    public static func noNetwork(name: String) -> VirtError {
        VirtError(.noNetwork, "no network with matching name '\(name)'")
    }

    /// `unsupported flags (0x…) in function NAME`, as libvirt's flag checks say it (with no
    /// "invalid argument" prefix, as theirs).
    public static func unsupportedFlags(_ flags: UInt32, _ function: String) -> VirtError {
        VirtError(
            code: .invalidArg, domain: .none,
            message: "unsupported flags (0x\(String(flags, radix: 16))) in function \(function)")
    }

    public static var notRunning: VirtError { VirtError(.operationInvalid, "domain is not running") }

    public static var alreadyRunning: VirtError { VirtError(.operationInvalid, "domain is already running") }
}
