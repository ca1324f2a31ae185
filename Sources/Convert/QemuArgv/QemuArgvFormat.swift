import Foundation
import Schema

/// `qemu-argv`: one line of environment assignments, the emulator, and its arguments.
public struct QemuArgvFormat: NativeFormat {
    public static let name = "qemu-argv"

    public init() {}

    public nonisolated(nonsending) func read(_ text: String, fileName: String, options: ConversionOptions) async throws -> Conversion {
        var parser = QemuArgvParser(fileName: fileName)
        parser.startTime = options.startTime ?? RTCBase.now()
        return try parser.parse(text)
    }

    public nonisolated(nonsending) func write(_ domain: Domain, fileName: String, options: ConversionOptions) async throws -> NativeConfig {
        let caps = try await capabilities(for: domain, options: options, fileName: fileName)
        let launch = options.qmpSocket.map { LaunchSettings(qmpSocket: $0, startPaused: options.startPaused) }
        var builder = QemuArgvBuilder(
            capabilities: caps, environment: options.environment, launch: launch, fileName: fileName)
        builder.networkBridge = { $0 == "default" ? "virbr0" : nil }
        builder.startTime = options.startTime ?? RTCBase.now()
        let line = try builder.build(domain)
        return NativeConfig(text: line.rendered(), warnings: line.warnings)
    }

    /// A built-in profile when `--emulator-version` is given; else a probe of the domain's
    /// emulator (cached); else the profile of the newest QEMU virtkit knows.
    public nonisolated(nonsending) func capabilities(for domain: Domain, options: ConversionOptions, fileName: String) async throws
        -> EmulatorCapabilities
    {
        if let text = options.emulatorVersion {
            guard let version = QemuVersion(text) else {
                throw Diagnostic(file: fileName, line: 0, message: "cannot read emulator version '\(text)' (want X.Y.Z)")
            }
            return EmulatorCapabilities.profile(for: version)
        }
        let emulator = domain.devices?.emulator ?? EmulatorArch.defaultEmulator(forArch: domain.os?.type?.arch)
        guard FileManager.default.isExecutableFile(atPath: emulator) else {
            throw Diagnostic(
                file: fileName, line: domain.devices?.line ?? 0, element: "emulator",
                message: "emulator \(emulator) is not on this host; pass --emulator-version to pick a built-in profile")
        }
        let cache = options.cacheDirectory ?? EmulatorProbe.defaultCacheDirectory(environment: options.environment)
        return try await EmulatorProbe.capabilities(of: emulator, cacheDirectory: cache)
    }
}
