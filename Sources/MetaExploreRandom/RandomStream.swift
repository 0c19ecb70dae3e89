/// A seeded, portable pseudo-random generator: xoshiro256** seeded through SplitMix64.
///
/// Every random draw in MetaExplore comes from a `RandomStream`, so a run is fully determined by its seed. The
/// algorithm uses only integer arithmetic, so the same seed yields the same `UInt64` sequence on every machine;
/// floating-point draws are derived from those bits with exactly specified arithmetic (see `uniform()` and
/// `normal()`), using only correctly rounded operations and the platform's `log`/`cos`, which glibc computes
/// identically on every x86-64 and AArch64 machine we target.
///
/// Independent streams: `derived(_:)` gives a child stream for a named component ("env", "replay", "actor-init",
/// ...). Children are seeded from the parent's *seed* and the label, not from its current position, so adding a
/// draw in one component never shifts the numbers another component sees.
///
/// The full state is four words (`state`), saved in checkpoints so that resuming continues the exact sequence.
public struct RandomStream: RandomNumberGenerator, Sendable, Equatable {
    /// The seed this stream (or its root) was created from, combined with the labels of `derived(_:)` calls.
    public let seed: UInt64
    @usableFromInline internal var s0: UInt64
    @usableFromInline internal var s1: UInt64
    @usableFromInline internal var s2: UInt64
    @usableFromInline internal var s3: UInt64

    /// Creates a stream from a 64-bit seed.
    public init(seed: UInt64) {
        self.seed = seed
        var sm = seed
        s0 = RandomStream.splitMix(&sm)
        s1 = RandomStream.splitMix(&sm)
        s2 = RandomStream.splitMix(&sm)
        s3 = RandomStream.splitMix(&sm)
        if s0 | s1 | s2 | s3 == 0 { s0 = 0x9E37_79B9_7F4A_7C15 }  // the all-zero state is a fixed point
    }

    /// Creates the stream a root seed gives to the component named `label`; equal to
    /// `RandomStream(seed: seed).derived(label)`.
    public init(seed: UInt64, stream label: String) {
        self.init(seed: RandomStream.mix(seed, label))
    }

    /// Restores a stream from its saved `seed` and `state` (four words).
    public init(seed: UInt64, state: [UInt64]) {
        precondition(state.count == 4, "RandomStream state has four words, got \(state.count)")
        self.seed = seed
        (s0, s1, s2, s3) = (state[0], state[1], state[2], state[3])
    }

    /// The four state words, for checkpoints.
    public var state: [UInt64] { [s0, s1, s2, s3] }

    /// An independent child stream for the component named `label` (depends only on `seed` and `label`).
    public func derived(_ label: String) -> RandomStream {
        RandomStream(seed: RandomStream.mix(seed, label))
    }

    /// An independent child stream numbered `index` (e.g. one per vectorized environment copy).
    public func derived(_ label: String, index: Int) -> RandomStream {
        RandomStream(seed: RandomStream.mix(seed, "\(label)#\(index)"))
    }

    /// The next 64 random bits (xoshiro256**).
    @inlinable
    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    /// A double uniform in [0, 1): the top 53 bits scaled by 2⁻⁵³.
    @inlinable
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A double uniform in [low, high).
    @inlinable
    public mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * uniform()
    }

    /// A float uniform in [0, 1): the top 24 bits scaled by 2⁻²⁴.
    @inlinable
    public mutating func uniformFloat() -> Float {
        Float(next() >> 40) * 0x1.0p-24
    }

    /// A standard normal draw by the Box–Muller transform (one value per two uniforms; no cached second value,
    /// so the state stays four words).
    @inlinable
    public mutating func normal() -> Double {
        let u1 = 1.0 - uniform()  // (0, 1]: log is finite
        let u2 = uniform()
        return (-2.0 * _log(u1)).squareRoot() * _cos(2.0 * Double.pi * u2)
    }

    /// A normal draw with the given mean and standard deviation.
    @inlinable
    public mutating func normal(mean: Double, std: Double) -> Double {
        mean + std * normal()
    }

    /// An integer uniform in `0..<n` (Lemire's multiply-shift with rejection; unbiased).
    @inlinable
    public mutating func int(below n: Int) -> Int {
        precondition(n > 0, "int(below:) needs a positive bound, got \(n)")
        let bound = UInt64(n)
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold { m = next().multipliedFullWidth(by: bound) }
        }
        return Int(m.high)
    }

    /// A random permutation of `0..<n` (Fisher–Yates).
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        if n > 1 {
            for i in stride(from: n - 1, to: 0, by: -1) { p.swapAt(i, int(below: i + 1)) }
        }
        return p
    }

    @usableFromInline internal static func splitMix(_ x: inout UInt64) -> UInt64 {
        x = x &+ 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Combines a seed and a label into a new seed: FNV-1a over the label's UTF-8 bytes, then SplitMix64.
    @usableFromInline internal static func mix(_ seed: UInt64, _ label: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in label.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01B3
        }
        var x = seed ^ h
        return splitMix(&x)
    }
}

@inlinable @inline(__always)
internal func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

@inlinable @inline(__always) internal func _log(_ x: Double) -> Double { log(x) }
@inlinable @inline(__always) internal func _cos(_ x: Double) -> Double { cos(x) }
