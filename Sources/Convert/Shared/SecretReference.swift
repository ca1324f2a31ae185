import Schema

/// A command line can carry a storage password or key; domain XML never does: it names a
/// libvirt secret instead. Readers give such a disk the usage name libvirt's own argv reader
/// gives it, so the domain is valid and says which secret the user must define.
enum SecretReference {
    static let placeholderUsage = "qemuargv2xml_usage"

    static func auth(username: String?, type: String) -> DiskAuth {
        var auth = DiskAuth()
        auth.username = username
        var secret = DiskAuth.Secret()
        secret.type = type
        secret.usage = placeholderUsage
        auth.secret = secret
        return auth
    }

    static func warning(disk: String, type: String) -> String {
        "disk \(disk): the credentials on the command line are not kept; define a secret of type "
            + "'\(type)' with usage '\(placeholderUsage)' holding them"
    }
}
