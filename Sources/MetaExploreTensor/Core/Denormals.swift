import CMetaExploreKernels

/// How the engine treats denormal (subnormal) floats: flushed to zero by default.
///
/// When a thread creates its first tensor (or runs its first kernel), the engine sets the x86 MXCSR flags FTZ (denormal results become zero)
/// and DAZ (denormal inputs read as zero) for that thread. Intel cores pay a microcode assist of about a hundred
/// cycles per operation that meets a denormal; in training, Adam's moments of parameters whose gradient stays zero
/// decay into the denormal range and stay there, so whole runs slowed down by 2× on Intel parts. Setting the
/// environment variable `METAEXPLORE_DENORMALS=keep` turns the flush off (IEEE gradual underflow everywhere).
///
/// The flags are per thread. The engine sets them where it computes; threads that do other floating-point work
/// for a run (environments, data preparation) can call `flushOnCurrentThread()` to agree with it. On CPUs without
/// MXCSR (non-x86) every call here is a no-op and `isFlushingOnCurrentThread` is false.
public enum Denormals {
    /// False when `METAEXPLORE_DENORMALS=keep` was set at startup.
    public static var policyFlushes: Bool { me_denormals_policy_flush() != 0 }

    /// Applies the engine's policy to the calling thread now (flushes unless `METAEXPLORE_DENORMALS=keep`).
    public static func applyPolicyOnCurrentThread() { me_engine_thread_setup() }

    /// Sets FTZ and DAZ on the calling thread, whatever the policy; false where the CPU has no such flags.
    @discardableResult
    public static func flushOnCurrentThread() -> Bool { me_denormals_flush_current_thread() != 0 }

    /// Clears FTZ and DAZ on the calling thread (gradual underflow); false where the CPU has no such flags.
    @discardableResult
    public static func keepOnCurrentThread() -> Bool { me_denormals_keep_current_thread() != 0 }

    /// True when both FTZ and DAZ are set on the calling thread.
    public static var isFlushingOnCurrentThread: Bool { me_denormals_flushed_on_current_thread() != 0 }
}
