import NIOCore
import Synchronization

/// A stream a call opened (a screenshot's image, a console), keyed like libvirt's by the
/// call's procedure and serial. Data goes out as STREAM/CONTINUE frames after the call's
/// reply, the end of it as an empty CONTINUE frame; the client ends the stream with
/// STREAM/OK (finish) or STREAM/ERROR (abort), each confirmed with an empty STREAM/OK.
final class ServerStream: Sendable {
    enum Source: Sendable {
        case bytes([UInt8])
        case console(any ConsoleStream)
    }

    let session: ClientSession
    let procedure: Int32
    let serial: UInt32
    let source: Source
    private let tasks = Mutex<(pump: Task<Void, Never>?, writer: Task<Void, Never>?)>((nil, nil))
    /// Keystrokes in arrival order, written to the console by one task.
    private let input: (stream: AsyncStream<[UInt8]>, continuation: AsyncStream<[UInt8]>.Continuation)

    init(session: ClientSession, call: RemoteMessage, source: Source) {
        self.session = session
        procedure = call.procedure
        serial = call.serial
        self.source = source
        input = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    private func frame(_ status: RemoteMessage.Status, _ body: [UInt8] = []) -> RemoteMessage {
        RemoteMessage(procedure: procedure, kind: .stream, serial: serial, status: status, body: body)
    }

    private func sendData(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + RemoteLimits.streamChunk)
            session.send(frame(.continue, Array(bytes[offset..<end])))
            offset = end
        }
    }

    func start() {
        switch source {
        case .bytes(let bytes):
            sendData(bytes)
            session.send(frame(.continue))
        case .console(let console):
            let pump = Task { [self] in
                do {
                    while let chunk = try await console.read() {
                        if !chunk.isEmpty { sendData(chunk) }
                    }
                    session.send(frame(.continue))
                } catch is CancellationError {
                } catch {
                    var w = XDRWriter()
                    RemoteErrorBody(VirtError(code: .rpc, domain: .stream, message: "stream had I/O failure: \(error)"))
                        .encode(to: &w)
                    session.send(frame(.error, w.bytes))
                    session.removeStream(serial)
                }
            }
            let stream = input.stream
            let writer = Task {
                for await bytes in stream {
                    do { try await console.write(bytes) } catch { break }
                }
            }
            tasks.withLock { $0 = (pump, writer) }
        }
    }

    func clientFrame(_ m: RemoteMessage) {
        switch m.status {
        case .continue:
            if case .console = source, !m.body.isEmpty { input.continuation.yield(m.body) }
        case .ok, .error:
            // Finish or abort: both are confirmed with an empty STREAM/OK once the source
            // is shut.
            session.removeStream(serial)
            Task {
                await self.abort()
                self.session.send(self.frame(.ok))
            }
        }
    }

    /// Shuts the source (the connection went away, or the client ended the stream).
    func abort() async {
        input.continuation.finish()
        let (pump, writer) = tasks.withLock { t in
            defer { t = (nil, nil) }
            return t
        }
        pump?.cancel()
        writer?.cancel()
        if case .console(let console) = source { await console.close() }
    }
}
