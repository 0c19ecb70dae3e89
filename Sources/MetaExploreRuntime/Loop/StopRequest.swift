import Foundation
import Synchronization

/// A thread-safe "please stop" flag: the runner checks it between environment steps and stops at the end of the
/// current episode (so that the checkpoint it writes resumes exactly), then returns normally.
public final class StopRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var reason: String?
    /// Set by `SignalStopHandler`: a bit per signal number whose arrival also counts as a request.
    private var watchedSignals: UInt64 = 0

    func watch(signalBits bits: UInt64) {
        lock.lock()
        watchedSignals |= bits
        lock.unlock()
    }

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
        if reason == nil, watchedSignals != 0 {
            let pending = pendingSignals.load(ordering: .acquiring) & watchedSignals
            if pending != 0 { reason = "received \(signalName(Int32(pending.trailingZeroBitCount)))" }
        }
        return reason
    }
}

/// A bit per signal number that arrived since its handler was installed. The signal handler may only do
/// async-signal-safe work, so it sets a bit in a lock-free atomic and nothing else.
let pendingSignals = Atomic<UInt64>(0)

func signalName(_ sig: Int32) -> String {
    switch sig {
    case SIGINT: return "SIGINT"
    case SIGTERM: return "SIGTERM"
    default: return "signal \(sig)"
    }
}

/// Turns SIGINT and SIGTERM (or other signals below 64) into a `StopRequest`. The handler only records the
/// signal; the runner notices it at its next step. A second signal of the same kind restores the default action
/// and re-raises it, so a stuck run can still be killed with a second Ctrl-C. `cancel()` restores the defaults.
/// Installing the handler also unblocks the signals on the calling thread (see `init`).
public final class SignalStopHandler {
    private let signals: [Int32]

    public init(stop: StopRequest, signals: [Int32] = [SIGINT, SIGTERM]) {
        precondition(signals.allSatisfy { $0 > 0 && $0 < 64 }, "SignalStopHandler: signal numbers must lie in 1..<64")
        self.signals = signals
        let bits = signals.reduce(UInt64(0)) { $0 | (1 << UInt64($1)) }
        pendingSignals.bitwiseAnd(~bits, ordering: .acquiringAndReleasing)
        stop.watch(signalBits: bits)
        // A process started from a thread that blocks these signals (a libdispatch worker, e.g. a Swift
        // concurrency task calling `Foundation.Process.run`) inherits that mask, and a blocked signal is never
        // delivered: unblock them here, on the thread that installs the handler.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for sig in signals { sigaddset(&unblock, sig) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        for sig in signals {
            signal(sig) { s in
                let bit = UInt64(1) << UInt64(s)
                let before = pendingSignals.bitwiseOr(bit, ordering: .acquiringAndReleasing).oldValue
                if before & bit != 0 {
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
