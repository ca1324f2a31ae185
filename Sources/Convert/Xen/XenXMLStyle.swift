import Schema

/// The details libvirt added to a converted domain changed over the years, and each native
/// format's reference data comes mostly from one period. A style says which of those details a
/// reader writes, so each reader can match what libvirt's driver for that format produced.
struct XenXMLStyle: Sendable {
    /// `<vcpu placement='static'>`.
    var vcpuPlacement = false
    /// A keyboard next to the implicit mouse of a guest with graphics.
    var implicitKeyboard = false
    /// HVM clocks as `offset='variable' adjustment='N' basis='utc|localtime'` rather than
    /// `offset='utc|localtime' adjustment='reset'`.
    var variableHVMClock = false
    /// The driver type of a blktap `aio` disk: early libvirt kept `aio`, later `raw`.
    var blktapAioType = "raw"

    /// Adds the mouse (and keyboard) libvirt implies for a guest with a display.
    func addImplicitInputs(_ devices: inout Devices, hvm: Bool) {
        let bus: InputBus = hvm ? .ps2 : .xen
        if !devices.inputs.contains(where: { $0.type == .mouse && $0.bus == bus }) {
            devices.inputs.append(Input(type: .mouse, bus: bus))
        }
        if implicitKeyboard,
            !devices.inputs.contains(where: { $0.type == .keyboard && $0.bus == bus })
        {
            devices.inputs.append(Input(type: .keyboard, bus: bus))
        }
    }

    func vcpu(max: UInt, current: UInt?, cpuset: String?) -> VCPUs {
        var v = VCPUs(max)
        if vcpuPlacement { v.placement = "static" }
        v.cpuset = cpuset
        if let current, current < max { v.current = current }
        return v
    }

    /// The clock of a guest whose native config says `localtime` and, for HVM, an RTC offset.
    func clock(hvm: Bool, localtime: Bool, rtcOffset: Int) -> Clock {
        var c = Clock()
        if hvm && variableHVMClock {
            c.offset = .variable
            c.adjustment = String(rtcOffset)
            c.basis = localtime ? "localtime" : "utc"
        } else {
            c.offset = localtime ? .localtime : .utc
            c.adjustment = "reset"
        }
        return c
    }
}
