import Convert
import Foundation
import Schema
import TestSupport
import Testing

/// Reading command lines of every era; malformed input fails with the line.
@Suite struct QemuArgvParserTests {
    func read(_ text: String) async throws -> Conversion {
        try await QemuArgvFormat().read(text, fileName: "t.args", options: ConversionOptions())
    }

    /// What our builder writes for <memoryBacking><locked/> reads back, in both spellings;
    /// firmware config blobs are kept, with a warning, rather than dropped.
    @Test func memoryLockingAndFirmwareConfigAreNotDropped() async throws {
        for option in ["-overcommit mem-lock=on", "-realtime mlock=on"] {
            let r = try await read("/usr/bin/qemu-system-x86_64 -m 64 \(option)")
            #expect(r.domain.memoryBacking?.locked == true, "\(option)")
            #expect(r.warnings.isEmpty, "\(option): \(r.warnings)")
        }
        let off = try await read("/usr/bin/qemu-system-x86_64 -m 64 -overcommit mem-lock=off")
        #expect(off.domain.memoryBacking?.locked != true)
        let cpuPM = try await read("/usr/bin/qemu-system-x86_64 -m 64 -overcommit mem-lock=on,cpu-pm=on")
        #expect(cpuPM.domain.memoryBacking?.locked == true)
        #expect(cpuPM.domain.qemuCommandline?.args.map(\.value) == ["-overcommit", "mem-lock=on,cpu-pm=on"])
        let fw = try await read("/usr/bin/qemu-system-x86_64 -m 64 -fw_cfg name=opt/com.example/x,string=1")
        #expect(fw.domain.qemuCommandline?.args.map(\.value) == ["-fw_cfg", "name=opt/com.example/x,string=1"])
        #expect(fw.warnings.contains { $0.contains("-fw_cfg") }, "\(fw.warnings)")
    }

    /// A clock that starts from a chosen moment: `-rtc base=DATE` is an adjustment from the
    /// moment the guest starts, and the builder writes it back to the same date.
    @Test func rtcBaseBecomesAnAdjustmentAndBack() async throws {
        var options = ConversionOptions(emulatorVersion: "7.2.0")
        options.startTime = 1_700_000_000  // 2023-11-14T22:13:20Z
        let text = "/usr/bin/qemu-system-x86_64 -m 64 -rtc base=2023-11-16T08:30:56"
        let r = try await QemuArgvFormat().read(text, fileName: "t.args", options: options)
        #expect(r.domain.clock?.offset == .variable)
        #expect(r.domain.clock?.adjustment == "123456")
        #expect(r.warnings.isEmpty, "\(r.warnings)")
        let back = try await QemuArgvFormat().write(r.domain, fileName: "-", options: options)
        #expect(back.text.contains("-rtc base=2023-11-16T08:30:56"), "\(back.text)")
    }

    @Test func unbalancedQuoteNamesItsLine() async throws {
        let error = await #expect(throws: Diagnostic.self) {
            try await read("/usr/bin/qemu-system-x86_64 \\\n -m 128 \\\n -name 'oops\n")
        }
        #expect(error?.line == 3)
        #expect(error?.description.hasPrefix("t.args:3:") == true)
    }

    @Test func optionMissingItsValue() async throws {
        let error = await #expect(throws: Diagnostic.self) { try await read("/usr/bin/qemu-system-x86_64 -m 64 -smp") }
        #expect(error?.message.contains("-smp") == true)
    }

    @Test func unknownBinaryIsRefused() async throws {
        let error = await #expect(throws: Diagnostic.self) { try await read("LC_ALL=C /usr/bin/vim -m 64") }
        #expect(error?.message.contains("vim") == true)
    }

    @Test func unknownOptionsAreKeptAndReported() async throws {
        let r = try await read("/usr/bin/qemu-system-x86_64 -m 64 -frobnicate on -weird")
        #expect(r.domain.qemuCommandline?.args.compactMap(\.value) == ["-frobnicate", "on", "-weird"])
        #expect(r.warnings.count == 2)
        #expect(r.domain.formatted().contains("xmlns:qemu="))
    }

    @Test func legacyDialect() async throws {
        let r = try await read(
            """
            /usr/bin/qemu -M pc -m 256 -smp 2 -name legacy -hda /var/lib/a.img -cdrom /tmp/b.iso \
            -boot dc -net nic,macaddr=52:54:00:aa:bb:cc,vlan=0,model=e1000 -net user,vlan=0 \
            -net nic,vlan=1 -net tap,vlan=1,ifname=tap7,script=/etc/qemu-ifup \
            -net nic,vlan=2 -net socket,vlan=2,mcast=230.0.0.1:1234 \
            -serial pty -serial file:/tmp/s.log -parallel none -usb -usbdevice tablet \
            -vnc 127.0.0.1:3 -k de -soundhw es1370,ac97 -no-acpi -localtime -no-reboot \
            -kernel /boot/vmlinuz -initrd /boot/initrd -append 'root=/dev/sda1 ro'
            """)
        let d = r.domain
        #expect(d.name == "legacy")
        #expect(d.memory?.kibibytes == 262144)
        #expect(d.vcpu?.count == 2)
        #expect(d.os?.bootDevices == [.cdrom, .hd])
        #expect(d.os?.kernel == "/boot/vmlinuz")
        #expect(d.os?.cmdline == "root=/dev/sda1 ro")
        #expect(d.features?.acpi == nil)
        #expect(d.clock?.offset == .localtime)
        #expect(d.onReboot == .destroy)
        let disks = try #require(d.devices?.disks)
        #expect(disks.map { $0.targetDev } == ["hda", "hdc"])
        #expect(disks[1].effectiveDevice == .cdrom)
        #expect(disks[1].readonly)
        let nics = try #require(d.devices?.interfaces)
        #expect(nics.count == 3)
        #expect(nics[0].source?.tag == "user")
        #expect(nics[0].macAddress == "52:54:00:aa:bb:cc")
        #expect(nics[0].modelType == "e1000")
        #expect(nics[1].source?.tag == "ethernet")
        #expect(nics[1].target?.dev == "tap7")
        #expect(nics[1].script?.path == "/etc/qemu-ifup")
        guard case .mcast(let m)? = nics[2].source else {
            Issue.record("expected mcast")
            return
        }
        #expect(m?.address == "230.0.0.1" && m?.port == 1234)
        #expect(d.devices?.serials.map(\.endpoint) == [.pty(path: nil), .file(path: "/tmp/s.log", append: nil)])
        #expect(d.devices?.graphics.first?.type == .vnc)
        #expect(d.devices?.graphics.first?.port == 5903)
        #expect(d.devices?.graphics.first?.keymap == "de")
        #expect(d.devices?.sounds.compactMap(\.model) == [.es1370, .ac97])
        #expect(d.devices?.inputs.contains { $0.type == .tablet && $0.bus == .usb } == true)
    }

    @Test func deviceDialect() async throws {
        let r = try await read(
            """
            LC_ALL=C /usr/bin/qemu-system-x86_64 -machine pc-i440fx-2.1,accel=kvm,usb=off -m 1024 \
            -smp 2,sockets=2,cores=1,threads=1 -uuid 3e9d5b4a-8c1f-4d6e-a7b2-0f1e2d3c4b5a \
            -drive file=/var/lib/libvirt/images/g.qcow2,if=none,id=drive-virtio-disk0,format=qcow2,cache=none \
            -device virtio-blk-pci,scsi=off,bus=pci.0,addr=0x5,drive=drive-virtio-disk0,id=virtio-disk0,bootindex=1 \
            -drive if=none,media=cdrom,id=drive-ide0-1-0,readonly=on,format=raw \
            -device ide-drive,bus=ide.1,unit=0,drive=drive-ide0-1-0,id=ide0-1-0 \
            -netdev tap,id=hostnet0,ifname=vnet0,script=no \
            -device virtio-net-pci,netdev=hostnet0,id=net0,mac=52:54:00:12:34:56,bus=pci.0,addr=0x3 \
            -chardev pty,id=charserial0 -device isa-serial,chardev=charserial0,id=serial0 \
            -chardev socket,id=charchannel0,path=/var/lib/libvirt/qemu/g.agent,server,nowait \
            -device virtio-serial-pci,id=virtio-serial0,bus=pci.0,addr=0x6 \
            -device virtserialport,bus=virtio-serial0.0,nr=1,chardev=charchannel0,id=channel0,name=org.qemu.guest_agent.0 \
            -vnc 127.0.0.1:0 -vga cirrus -device virtio-balloon-pci,id=balloon0,bus=pci.0,addr=0x4
            """)
        let d = r.domain
        #expect(d.type == .kvm)
        #expect(d.os?.type?.machine == "pc-i440fx-2.1")
        let disks = try #require(d.devices?.disks)
        #expect(disks.count == 2)
        #expect(disks[0].targetDev == "vda")
        #expect(disks[0].driver?.type == "qcow2")
        #expect(disks[0].driver?.cache == "none")
        #expect(disks[0].boot?.order == 1)
        #expect(disks[0].address?.pci?.slotNumber == 5)
        #expect(disks[1].targetDev == "hdc")
        #expect(disks[1].effectiveDevice == .cdrom)
        #expect(d.devices?.interfaces.first?.target?.dev == "vnet0")
        #expect(d.devices?.interfaces.first?.address?.pci?.slotNumber == 3)
        #expect(d.devices?.channels.first?.target?.name == "org.qemu.guest_agent.0")
        #expect(d.devices?.channels.first?.endpoint == .unix(path: "/var/lib/libvirt/qemu/g.agent", listen: true))
        #expect(d.devices?.memballoon?.model == "virtio")
        #expect(d.devices?.videos.first?.model?.type == .cirrus)
    }

    /// A command line as libvirt 9 writes for QEMU 7.2 (the `ps` output of a managed guest).
    @Test func modernDialect() async throws {
        let r = try await read(
            """
            LC_ALL=C PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin HOME=/var/lib/libvirt/qemu/domain-3-web \
            XDG_DATA_HOME=/var/lib/libvirt/qemu/domain-3-web/.local/share /usr/bin/qemu-system-x86_64 \
            -name guest=web,debug-threads=on -S \
            -object '{"qom-type":"secret","id":"masterKey0","format":"raw","file":"/var/lib/libvirt/qemu/domain-3-web/master-key.aes"}' \
            -machine pc-q35-7.2,usb=off,vmport=off,dump-guest-core=off,memory-backend=pc.ram -accel kvm \
            -cpu host,migratable=on -m size=2097152k \
            -object '{"qom-type":"memory-backend-ram","id":"pc.ram","size":2147483648}' \
            -overcommit mem-lock=off -smp 2,sockets=2,cores=1,threads=1 -uuid 8e0e3b6e-5c1d-4f7a-9c2b-1d2e3f4a5b6c \
            -no-user-config -nodefaults -chardev socket,id=charmonitor,fd=31,server=on,wait=off \
            -mon chardev=charmonitor,id=monitor,mode=control -rtc base=utc,driftfix=slew \
            -global kvm-pit.lost_tick_policy=delay -no-hpet -no-shutdown -global ICH9-LPC.disable_s3=1 \
            -global ICH9-LPC.disable_s4=1 -boot strict=on \
            -device '{"driver":"pcie-root-port","port":16,"chassis":1,"id":"pci.1","bus":"pcie.0","multifunction":true,"addr":"0x2"}' \
            -device '{"driver":"qemu-xhci","p2":15,"p3":15,"id":"usb","bus":"pci.2","addr":"0x0"}' \
            -blockdev '{"driver":"file","filename":"/var/lib/libvirt/images/web.qcow2","node-name":"libvirt-2-storage","auto-read-only":true,"discard":"unmap"}' \
            -blockdev '{"node-name":"libvirt-2-format","read-only":false,"discard":"unmap","driver":"qcow2","file":"libvirt-2-storage","backing":null}' \
            -device '{"driver":"virtio-blk-pci","bus":"pci.4","addr":"0x0","drive":"libvirt-2-format","id":"virtio-disk0","bootindex":1}' \
            -device '{"driver":"ide-cd","bus":"ide.0","id":"sata0-0-0"}' \
            -netdev '{"type":"tap","fd":"33","vhost":true,"vhostfd":"35","id":"hostnet0"}' \
            -device '{"driver":"virtio-net-pci","netdev":"hostnet0","id":"net0","mac":"52:54:00:5a:6b:7c","bus":"pci.1","addr":"0x0"}' \
            -chardev pty,id=charserial0 -device '{"driver":"isa-serial","chardev":"charserial0","id":"serial0","index":0}' \
            -audiodev '{"id":"audio1","driver":"none"}' -vnc 127.0.0.1:0,audiodev=audio1 \
            -device '{"driver":"virtio-vga","id":"video0","max_outputs":1,"bus":"pcie.0","addr":"0x1"}' \
            -device '{"driver":"virtio-balloon-pci","id":"balloon0","bus":"pci.5","addr":"0x0"}' \
            -sandbox on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny -msg timestamp=on
            """)
        let d = r.domain
        #expect(d.name == "web")
        #expect(d.type == .kvm)
        #expect(d.memory?.kibibytes == 2_097_152)
        #expect(d.cpu?.mode == .hostPassthrough)
        #expect(d.os?.type?.machine == "pc-q35-7.2")
        #expect(d.memory?.dumpCore == .off)
        #expect(d.clock?.timer("hpet")?.present == .no)
        #expect(d.pm?.suspendToMem?.enabled == .no)
        let disks = try #require(d.devices?.disks)
        #expect(disks.first?.sourcePath == "/var/lib/libvirt/images/web.qcow2")
        #expect(disks.first?.driver?.type == "qcow2")
        #expect(disks.first?.targetDev == "vda")
        #expect(disks.last?.effectiveDevice == .cdrom)
        #expect(disks.last?.sourcePath == nil)
        #expect(d.devices?.interfaces.first?.macAddress == "52:54:00:5a:6b:7c")
        #expect(d.devices?.interfaces.first?.modelType == "virtio")
        #expect(d.devices?.graphics.first?.type == .vnc)
        #expect(d.devices?.videos.first?.model?.type == .virtio)
        #expect(d.devices?.serials.count == 1)
        // Nothing of this libvirt-generated line needs <qemu:commandline> but the tick policy.
        #expect(d.qemuCommandline?.args.compactMap(\.value) == ["-global", "kvm-pit.lost_tick_policy=delay"])
    }

    @Test func commaEscapesAreUndone() async throws {
        let r = try await read("/usr/bin/qemu-system-x86_64 -drive file=/a,,b.img,if=virtio,format=raw")
        #expect(r.domain.devices?.disks.first?.sourcePath == "/a,b.img")
    }
}
