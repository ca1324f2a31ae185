import Schema

/// What `dumpxml` leaves out unless asked for security information (`--security-info`), as
/// libvirt does: graphics passwords.
public enum SecretFields {
    public static func hidden(_ domain: Domain) -> Domain {
        guard let graphics = domain.devices?.graphics, graphics.contains(where: { $0.passwd != nil }) else {
            return domain
        }
        var copy = domain
        copy.devices?.graphics = graphics.map {
            var g = $0
            g.passwd = nil
            return g
        }
        return copy
    }
}
