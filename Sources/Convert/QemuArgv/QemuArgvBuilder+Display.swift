import Schema

/// Input devices, graphics, video cards and sound.
extension ArgvBuild {
    mutating func addInputs() throws(Diagnostic) {
        var n = 0
        for input in devices.inputs {
            if (input.bus ?? .ps2) == .ps2 { continue }  // the i8042 controller is part of every PC
            let id: (String, DeviceValue) = ("id", .string("input\(n)"))
            n += 1
            switch (input.bus ?? .ps2, input.type) {
            case (.usb, .tablet?): device("usb-tablet", [id, ("bus", .string("usb.0"))])
            case (.usb, .mouse?): device("usb-mouse", [id, ("bus", .string("usb.0"))])
            case (.usb, .keyboard?): device("usb-kbd", [id, ("bus", .string("usb.0"))])
            case (.virtio, .tablet?): device(virtio("virtio-tablet"), [id] + (try pciPlacement(input.address, line: input.line)))
            case (.virtio, .mouse?): device(virtio("virtio-mouse"), [id] + (try pciPlacement(input.address, line: input.line)))
            case (.virtio, .keyboard?):
                device(virtio("virtio-keyboard"), [id] + (try pciPlacement(input.address, line: input.line)))
            case (_, .passthrough?):
                guard let evdev = input.source?.unknown.attributes.first(where: { $0.name == "evdev" })?.value else {
                    throw fail("passthrough input without a source evdev", line: input.line, element: "input")
                }
                device(
                    "virtio-input-host-pci",
                    [id, ("evdev", .string(try checked(evdev, "evdev path", line: input.line)))]
                        + (try pciPlacement(input.address, line: input.line)))
            default:
                throw fail(
                    "input \(input.type?.xmlValue ?? "?") on bus \(input.bus?.xmlValue ?? "?") is not supported by QEMU",
                    line: input.line, element: "input")
            }
        }
    }

    /// The audio backend devices attach to; created once on first use.
    mutating func audiodev() -> String? {
        guard caps.has(.audiodev) else { return nil }
        if let id = audiodevID { return id }
        let driver = devices.graphics.contains { $0.type == .spice } ? "spice" : "none"
        args.append("-audiodev")
        args.append(caps.has(.json) ? "{\"id\":\"audio1\",\"driver\":\"\(driver)\"}" : "id=audio1,driver=\(driver)")
        audiodevID = "audio1"
        return audiodevID
    }

    mutating func addGraphics() throws(Diagnostic) {
        if devices.graphics.isEmpty {
            add(caps.has(.display) ? "-display" : "-nographic", caps.has(.display) ? "none" : "")
            if !caps.has(.display) { args.removeLast() }
            return
        }
        let needsAudio = !devices.sounds.isEmpty
        for g in devices.graphics {
            switch g.type {
            case .vnc?:
                var o = QemuOptionList()
                if let socket = g.socket ?? g.listens.lazy.compactMap(\.socketPath).first {
                    o.append(nil, "unix:" + (try checked(socket, "VNC socket", line: g.line)))
                } else {
                    let listen = try checked(g.listenAddress ?? "127.0.0.1", "VNC listen address", line: g.line)
                    let auto = g.autoport == .yes || g.port == nil || (g.port ?? -1) < 5900
                    let display = auto ? 0 : (g.port! - 5900)
                    o.append(nil, vncHost(listen) + ":" + String(display))
                    // autoport means "any free port": QEMU searches upwards with to=.
                    if auto && syntax.vncPortSearch { o.append("to", "99") }
                    if let ws = g.websocket { o.append("websocket", String(ws)) }
                }
                if let share = g.sharePolicy { o.append("share", try checked(share, "share policy", line: g.line)) }
                if g.passwd != nil {
                    o.append("password", "on")
                    if !(launch?.setsPasswords ?? false) {
                        warnings.append("the VNC password must be set through the monitor (set_password)")
                    }
                }
                if needsAudio, syntax.displayAudiodev, let a = audiodev() { o.append("audiodev", a) }
                add("-vnc", o.rendered)
                if let k = g.keymap { add("-k", try checked(k, "keymap", line: g.line)) }
            case .sdl?:
                if caps.has(.display) { add("-display", "sdl") }
            case .spice?:
                var o = QemuOptionList()
                if let port = g.port, port > 0 { o.append("port", String(port)) }
                if let tls = g.tlsPort, tls > 0 { o.append("tls-port", String(tls)) }
                // SPICE cannot search for a free port as VNC can; autoport takes the first.
                if (g.port ?? -1) <= 0 && (g.tlsPort ?? -1) <= 0 { o.append("port", "5900") }
                if let listen = g.listenAddress { o.append("addr", try checked(listen, "SPICE listen address", line: g.line)) }
                if g.passwd == nil {
                    o.append("disable-ticketing", "on")
                } else if !(launch?.setsPasswords ?? false) {
                    warnings.append("the SPICE password must be set through the monitor (set_password)")
                }
                o.append("seamless-migration", "on")
                add("-spice", o.rendered)
            case .eglHeadless?:
                add("-display", "egl-headless")
            default:
                throw fail("graphics type '\(g.type?.xmlValue ?? "")' is not supported by QEMU", line: g.line, element: "graphics")
            }
        }
    }

    mutating func addVideos() throws(Diagnostic) {
        var videos = devices.videos
        if videos.isEmpty && !devices.graphics.isEmpty {
            var v = Video()
            var m = Video.Model()
            m.type = devices.graphics.contains { $0.type == .spice } ? .qxl : syntax.defaultVideoModel
            v.model = m
            videos = [v]
        }
        for (i, v) in videos.enumerated() {
            let type = v.model?.type ?? .cirrus
            if type == .none { continue }
            let primary = i == 0
            var props: [(String, DeviceValue)] = [("id", .string("video\(i)"))]
            guard
                let driver = QemuVocabulary.videoDriver(type, primary: primary, x86: isX86, virtio: virtio)
            else {
                throw fail("video model '\(type.xmlValue)' is not supported by QEMU", line: v.line, element: "model")
            }
            if let m = v.model {
                switch type {
                case .qxl:
                    if let ram = m.ram { props.append(("ram_size", .int(Int(ram) * 1024))) }
                    if let vram = m.vram { props.append(("vram_size", .int(Int(vram) * 1024))) }
                    if let vgamem = m.vgamem { props.append(("vgamem_mb", .int(Int(vgamem) / 1024))) }
                case .vga, .cirrus, .vmvga:
                    if let vram = m.vgamem ?? m.vram, vram >= 1024, syntax.vgaMemoryProperty {
                        props.append(("vgamem_mb", .int(Int(vram) / 1024)))
                    }
                default: break
                }
                if let heads = m.heads, heads > 1, type == .qxl || type == .virtio {
                    props.append(("max_outputs", .int(Int(heads))))
                }
            }
            if driver == "ramfb" {
                device(driver, props)
                continue
            }
            let placement: [(String, DeviceValue)]
            if primary && v.address == nil && isX86 {
                placement = [("bus", .string(rootBus)), ("addr", .string(PCIAllocator.addr(isQ35 ? 1 : 2)))]
            } else {
                placement = try pciPlacement(v.address, line: v.line)
            }
            device(driver, props + placement)
        }
    }

    mutating func addSounds() throws(Diagnostic) {
        guard !devices.sounds.isEmpty else { return }
        if caps.has(.soundhw) && !caps.has(.audiodev) {
            add("-soundhw", devices.sounds.compactMap(\.model?.xmlValue).joined(separator: ","))
            return
        }
        let audio = audiodev()
        func withAudio(_ p: [(String, DeviceValue)]) -> [(String, DeviceValue)] {
            audio.map { p + [("audiodev", .string($0))] } ?? p
        }
        for (i, s) in devices.sounds.enumerated() {
            let id: (String, DeviceValue) = ("id", .string("sound\(i)"))
            guard let model = s.model, let driver = QemuVocabulary.soundDriver(model) else {
                if s.model == .pcspk { continue }  // wired up by -machine pcspk-audiodev
                throw fail("sound model '\(s.model?.xmlValue ?? "")' is not supported by QEMU", line: s.line, element: "sound")
            }
            if QemuVocabulary.isHDA(model) {
                device(driver, [id] + (try pciPlacement(s.address, line: s.line)))
                device("hda-duplex", withAudio([("id", .string("sound\(i)-codec0")), ("bus", .string("sound\(i).0")), ("cad", .int(0))]))
            } else if model == .sb16 || model == .usb {
                device(driver, withAudio([id] + (model == .usb ? [("bus", .string("usb.0"))] : [])))
            } else {
                device(driver, withAudio([id] + (try pciPlacement(s.address, line: s.line))))
            }
        }
    }
}
