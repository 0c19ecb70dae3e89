import Foundation
import Synchronization

/// A thread-safe "please stop" flag: the runner checks it between environment steps, so a stop request finishes
/// the current step (and its updates), writes a checkpoint and returns normally.
public final class StopRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var reason: String?
    /// Set by `SignalStopHandler`: SIGINT/SIGTERM received since then also count as a request.
    var watchesSignals = false

    public init() {}

    /// Asks the run to stop; the first reason is kept.
    public func request(reason: String = "stop requested") {
        lock.lock()
        if self.reason == nil { self.reason = reason }
        lock.unlock()
    }

    public var isRequested: Bool { requestReason != nil }

    public var requestReason: String? {
        lock.lock()
        defer { lock.unlock() }
        if reason == nil, watchesSignals {
            let sig = receivedSignal.load(ordering: .relaxed)
            if sig != 0 { reason = "received \(signalName(sig))" }
        }
        return reason
    }
}

/// The last stop signal received (0: none); written by the signal handler, which may only do async-signal-safe
/// work, so it stores a lock-free atomic and nothing else.
let receivedSignal = Atomic<Int32>(0)
/// How many stop signals arrived.
let receivedSignalCount = Atomic<Int32>(0)

func signalName(_ sig: Int32) -> String {
    switch sig {
    case SIGINT: return "SIGINT"
    case SIGTERM: return "SIGTERM"
    default: return "signal \(sig)"
    }
}

/// Turns SIGINT and SIGTERM into a `StopRequest`. The handler only records the signal in an atomic; the runner
/// notices it at its next step. A second signal while stopping restores the default action and re-raises it, so
/// a stuck run can still be killed with a second Ctrl-C. `cancel()` restores the default actions.
public final class SignalStopHandler {
    private let signals: [Int32]

    public init(stop: StopRequest, signals: [Int32] = [SIGINT, SIGTERM]) {
        self.signals = signals
        receivedSignal.store(0, ordering: .relaxed)
        receivedSignalCount.store(0, ordering: .relaxed)
        stop.watchesSignals = true
        for sig in signals {
            signal(sig) { s in
                receivedSignal.store(s, ordering: .relaxed)
                if receivedSignalCount.add(1, ordering: .relaxed).newValue >= 2 {
                    signal(s, SIG_DFL)
                    raise(s)
                }
            }
        }
    }

    public func cancel() {
        for sig in signals { signal(sig, SIG_DFL) }
    }
}
