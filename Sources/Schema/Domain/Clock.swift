/// `<clock offset='utc'/>`, or the legacy `<clock sync='localtime'/>` of early libvirt.
public struct Clock: XMLModel {
    public var offset: ClockOffset?
    /// The pre-0.4 spelling of `offset` (utc or localtime only); kept as written.
    public var sync: ClockOffset?
    public var timezone: String?
    public var adjustment: String?
    public var basis: String?
    public var start: String?
    public var timers: [Timer] = []
    public var unknown = XMLUnknown()
    public init() {}

    public init(offset: ClockOffset) { self.offset = offset }

    public static let xml = XMLMapping<Clock> {
        Field.attribute("offset", \.offset)
        Field.attribute("sync", \.sync)
        Field.attribute("timezone", \.timezone)
        Field.attribute("adjustment", \.adjustment)
        Field.attribute("basis", \.basis)
        Field.attribute("start", \.start)
        Field.elements("timer", \.timers)
    }

    /// The offset whichever spelling was used; for `variable`, the basis it is relative to.
    public var effectiveOffset: ClockOffset {
        let o = offset ?? sync ?? .utc
        if o == .variable, basis == "localtime" { return .localtime }
        if o == .variable { return .utc }
        return o
    }

    public func timer(_ name: String) -> Timer? { timers.first { $0.name == name } }

    /// `<timer name='hpet' present='no'/>` and friends.
    public struct Timer: XMLModel {
        public var name: String?
        public var present: YesNo?
        public var tickpolicy: String?
        public var track: String?
        public var frequency: UInt64?
        public var mode: String?
        public var catchup: OpaqueElement?
        public var unknown = XMLUnknown()
        public init() {}
        public init(name: String, present: Bool) {
            self.name = name
            self.present = YesNo(present)
        }
        public static let xml = XMLMapping<Timer> {
            Field.attribute("name", \.name)
            Field.attribute("present", \.present)
            Field.attribute("tickpolicy", \.tickpolicy)
            Field.attribute("track", \.track)
            Field.attribute("frequency", \.frequency)
            Field.attribute("mode", \.mode)
            Field.element("catchup", \.catchup)
        }
    }
}

public enum ClockOffset: XMLEnum {
    case utc, localtime, timezone, variable, absolute
    case other(String)
    public static let xmlNames: [(ClockOffset, String)] = [
        (.utc, "utc"), (.localtime, "localtime"), (.timezone, "timezone"),
        (.variable, "variable"), (.absolute, "absolute"),
    ]
}
