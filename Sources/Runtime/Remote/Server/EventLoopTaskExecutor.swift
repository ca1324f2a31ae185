import NIOCore

/// Runs a task's jobs on one NIO event loop. A quick query started from a frame the loop
/// just read runs right there and writes its reply without leaving the loop's thread;
/// anything it awaits that another thread completes comes back through `execute`.
final class EventLoopTaskExecutor: TaskExecutor, @unchecked Sendable {
    let loop: any EventLoop

    init(_ loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
