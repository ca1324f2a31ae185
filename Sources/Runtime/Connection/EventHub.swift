import Foundation

/// Hands every event to every current listener. Each listener gets a bounded buffer (the
/// newest 256 events): a listener that stops reading loses old events, never stalls the
/// driver.
public final class EventHub<Event: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var listeners: [UInt64: AsyncStream<Event>.Continuation] = [:]
    private var next: UInt64 = 0

    public init() {}

    public func subscribe() -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream<Event>.makeStream(bufferingPolicy: .bufferingNewest(256))
        lock.lock()
        let key = next
        next += 1
        listeners[key] = continuation
        lock.unlock()
        continuation.onTermination = { [weak self] _ in
            guard let self else { return }
            self.lock.lock()
            self.listeners[key] = nil
            self.lock.unlock()
        }
        return stream
    }

    public func publish(_ event: Event) {
        lock.lock()
        let targets = Array(listeners.values)
        lock.unlock()
        for c in targets { c.yield(event) }
    }

    public var hasListeners: Bool {
        lock.lock()
        defer { lock.unlock() }
        return !listeners.isEmpty
    }

    public func finish() {
        lock.lock()
        let targets = Array(listeners.values)
        listeners = [:]
        lock.unlock()
        for c in targets { c.finish() }
    }
}
