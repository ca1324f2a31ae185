import Convert
import Foundation
import Schema

/// `virConnectDomainXMLFromNative` / `ToNative` for drivers: the same converters and the
/// same promise as the CLI's `domxml-*` verbs (nothing printed that `validate` refuses).
public enum NativeConversions {
    static func format(_ name: String) throws(VirtError) -> any NativeFormat {
        guard let f = NativeFormats.named(name) else {
            throw VirtError(
                .invalidArg, "unsupported config type \(name) (supported: \(NativeFormats.names.joined(separator: ", ")))")
        }
        return f
    }

    public static func fromNative(format name: String, config: String) async throws -> String {
        let f = try format(name)
        let result: Conversion
        do {
            result = try await f.read(config, fileName: "-", options: ConversionOptions())
        } catch let d as Diagnostic {
            throw VirtError(.configUnsupported, d.lineAndMessage, diagnostics: [d])
        }
        do {
            return try ConversionGate.domainXML(result.domain, native: config, fileName: "-", validator: Validator()).xml
        } catch let list as DiagnosticList {
            throw VirtError(.configUnsupported, list.diagnostics.first?.lineAndMessage, diagnostics: list.diagnostics)
        } catch let d as Diagnostic {
            throw VirtError(.internalError, d.description)
        }
    }

    public static func toNative(format name: String, xml: String, checker: DefinitionChecker, cacheDirectory: String?)
        async throws -> String
    {
        let f = try format(name)
        let domain = try checker.domain(xml).domain
        var options = ConversionOptions(cacheDirectory: cacheDirectory, environment: ProcessInfo.processInfo.environment)
        options.cacheDirectory = cacheDirectory ?? EmulatorProbe.defaultCacheDirectory(environment: options.environment)
        do {
            return try await f.write(domain, fileName: "-", options: options).text
        } catch let d as Diagnostic {
            throw VirtError(.configUnsupported, d.lineAndMessage, diagnostics: [d])
        }
    }
}
