import Testing

@testable import Runtime

@Suite struct ConnectURITests {
    @Test func fullGrammar() throws {
        let u = try ConnectURI("qemu+ssh://root@example.com:2222/system?socket=/run/x%20y/sock&no_tty=1")
        #expect(u.driver == "qemu")
        #expect(u.transport == "ssh")
        #expect(u.user == "root")
        #expect(u.host == "example.com")
        #expect(u.port == 2222)
        #expect(u.path == "/system")
        #expect(u.parameter("socket") == "/run/x y/sock")
        #expect(u.parameter("no_tty") == "1")
        #expect(!u.isLocal)
    }

    @Test func localURIs() throws {
        for text in ["qemu:///system", "qemu:///session", "test:///default", "test:///tmp/node.xml"] {
            let u = try ConnectURI(text)
            #expect(u.isLocal, "\(text)")
            #expect(u.host == nil && u.transport == nil)
        }
        let embed = try ConnectURI("qemu:///embed?root=%2Fvar%2Flib%2Fvk")
        #expect(embed.parameter("root") == "/var/lib/vk")
        #expect(try ConnectURI("test:///tmp/node.xml").path == "/tmp/node.xml")
    }

    @Test func ipv6HostsAndTransportsWithoutHost() throws {
        let u = try ConnectURI("qemu+tcp://[::1]:16509/system")
        #expect(u.host == "::1" && u.port == 16509)
        let unix = try ConnectURI("qemu+unix:///system?socket=/tmp/s")
        #expect(!unix.isLocal && unix.host == nil && unix.transport == "unix")
    }

    @Test(arguments: [
        ("qemu", "expected driver"),
        ("qemu+carrier-pigeon:///system", "unknown transport"),
        ("qemu+tcp://host:99999/system", "port"),
        ("qemu+tcp://host:12ab/system", "port"),
        ("qemu:///embed?root=%zz", "bad %-escape"),
        ("9emu:///system", "must start with a letter"),
        ("qemu:///system#frag", "fragments"),
        ("qemu+tcp://[::1/system", "unclosed"),
        ("qemu:///embed?root=%ff%fe", "not UTF-8"),
    ])
    func badURIsAreRefusedWithTheReason(_ text: String, _ reason: String) {
        do {
            _ = try ConnectURI(text)
            Issue.record("\(text) was accepted")
        } catch {
            #expect(error.code == .invalidArg)
            #expect(error.message.contains(reason), "\(error.message)")
            #expect(error.message.contains(text))
        }
    }

    @Test func defaultURIFollowsTheDocumentedOrder() {
        #expect(ConnectURI.choose(explicit: "test:///default", environment: ["VIRTKIT_DEFAULT_URI": "a"], isRoot: true) == "test:///default")
        #expect(ConnectURI.choose(explicit: nil, environment: ["VIRTKIT_DEFAULT_URI": "a", "VIRSH_DEFAULT_CONNECT_URI": "b"], isRoot: true) == "a")
        #expect(ConnectURI.choose(explicit: nil, environment: ["VIRSH_DEFAULT_CONNECT_URI": "b"], isRoot: true) == "b")
        #expect(ConnectURI.choose(explicit: nil, environment: [:], isRoot: true) == "qemu:///system")
        #expect(ConnectURI.choose(explicit: nil, environment: [:], isRoot: false) == "qemu:///session")
    }

    @Test func qemuPathsPerURI() throws {
        let system = try QemuPaths.forURI(ConnectURI("qemu:///system"), environment: [:], uid: 0)
        #expect(system.config == "/etc/virtkit" && system.state == "/var/lib/virtkit" && system.run == "/run/virtkit")
        #expect(throws: VirtError.self) { try QemuPaths.forURI(ConnectURI("qemu:///system"), environment: [:], uid: 1000) }
        let session = try QemuPaths.forURI(
            ConnectURI("qemu:///session"), environment: ["HOME": "/home/u", "XDG_RUNTIME_DIR": "/run/user/1000"], uid: 1000)
        #expect(session.config == "/home/u/.config/virtkit")
        #expect(session.run == "/run/user/1000/virtkit")
        #expect(session.cache == "/home/u/.cache/virtkit")
        let xdg = try QemuPaths.forURI(
            ConnectURI("qemu:///session"),
            environment: ["HOME": "/home/u", "XDG_CONFIG_HOME": "/cfg", "XDG_STATE_HOME": "/st", "XDG_CACHE_HOME": "/c"],
            uid: 1000)
        #expect(xdg.config == "/cfg/virtkit" && xdg.state == "/st/virtkit" && xdg.cache == "/c/virtkit")
        #expect(xdg.run == "/tmp/virtkit-runtime-1000")
        let embed = try QemuPaths.forURI(ConnectURI("qemu:///embed?root=/srv/vk/"), environment: [:], uid: 1000)
        #expect(embed.config == "/srv/vk/config" && embed.run == "/srv/vk/run" && embed.log == "/srv/vk/log")
        #expect(throws: VirtError.self) { try QemuPaths.forURI(ConnectURI("qemu:///embed"), environment: [:], uid: 0) }
        #expect(throws: VirtError.self) { try QemuPaths.forURI(ConnectURI("qemu:///embed?root=rel"), environment: [:], uid: 0) }
        #expect(throws: VirtError.self) { try QemuPaths.forURI(ConnectURI("qemu:///elsewhere"), environment: [:], uid: 0) }
    }
}
