#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether ops record the graph needed for gradients, per thread.
///
/// Recording is on by default. `withoutGradients { ... }` turns it off for a block (acting, evaluation, target
/// networks), which makes ops cheaper: no graph nodes, no saved inputs. The flag is thread-local so that rollout
/// threads acting without gradients never disturb a learner thread that records.
public enum GradMode {
    private static let key: pthread_key_t = {
        var k = pthread_key_t()
        let rc = pthread_key_create(&k, nil)
        precondition(rc == 0, "pthread_key_create failed")
        return k
    }()

    /// True when ops on tensors that require gradients record graph nodes on this thread.
    public static var isEnabled: Bool {
        // The stored pointer value is the count of enclosing `withoutGradients` blocks (nil = 0).
        pthread_getspecific(key) == nil
    }

    @usableFromInline
    static func setDisabledDepth(_ depth: Int) {
        pthread_setspecific(key, depth == 0 ? nil : UnsafeRawPointer(bitPattern: depth))
    }

    @usableFromInline
    static var disabledDepth: Int {
        guard let p = pthread_getspecific(key) else { return 0 }
        return Int(bitPattern: p)
    }

    /// Runs `body` with graph recording turned off on this thread.
    @inlinable
    public static func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
        let depth = disabledDepth
        setDisabledDepth(depth + 1)
        defer { setDisabledDepth(depth) }
        return try body()
    }

    /// Runs `body` with graph recording turned on, even inside a `withoutGradients` block (used by the backward pass
    /// when a differentiable gradient graph is requested).
    @inlinable
    public static func withGradients<R>(_ body: () throws -> R) rethrows -> R {
        let depth = disabledDepth
        setDisabledDepth(0)
        defer { setDisabledDepth(depth) }
        return try body()
    }
}

/// Runs `body` with graph recording turned off on this thread (see `GradMode`).
@inlinable
public func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.withoutGradients(body)
}
