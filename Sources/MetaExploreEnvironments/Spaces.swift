import MetaExploreRandom

/// The element type a Box declares (Gymnasium's `dtype`). Values are always carried as `Double`; a `.float32`
/// box holds values exactly representable as `Float`, and its samples are rounded to `Float`.
public enum ScalarType: String, Sendable, Equatable {
    case float32, float64
}

/// A box in ℝⁿ: `low[i] ≤ x[i] ≤ high[i]` for every component (bounds may be infinite).
public struct Box: Sendable, Equatable, CustomStringConvertible {
    public let low: [Double]
    public let high: [Double]
    public let dtype: ScalarType

    /// A box with per-component bounds.
    public init(low: [Double], high: [Double], dtype: ScalarType = .float64) {
        precondition(low.count == high.count, "Box bounds must have the same length")
        for i in low.indices { precondition(!(low[i] > high[i]), "Box low[\(i)] > high[\(i)]") }
        if dtype == .float32 {
            // Gymnasium stores float32 bounds; rounding here keeps sampling and containment consistent with it.
            self.low = low.map { Double(Float($0)) }
            self.high = high.map { Double(Float($0)) }
        } else {
            self.low = low
            self.high = high
        }
        self.dtype = dtype
    }

    /// A box with the same bounds in every component.
    public init(low: Double, high: Double, count: Int, dtype: ScalarType = .float64) {
        self.init(low: Array(repeating: low, count: count), high: Array(repeating: high, count: count), dtype: dtype)
    }

    /// An unbounded float64 box of the given dimension (MuJoCo observations).
    public static func unbounded(_ count: Int) -> Box {
        Box(low: -.infinity, high: .infinity, count: count)
    }

    /// The number of components.
    public var count: Int { low.count }
    public var shape: [Int] { [low.count] }

    /// True when every bound is finite.
    public var isBounded: Bool { low.allSatisfy(\.isFinite) && high.allSatisfy(\.isFinite) }

    /// A random element, following Gymnasium's rule per component: uniform on [low, high] when both bounds
    /// are finite, `low + Exp(1)` / `high − Exp(1)` when one is, a standard normal when neither is.
    public func sample(using rng: inout RandomStream) -> [Double] {
        var x = [Double](repeating: 0, count: count)
        for i in 0..<count {
            let lo = low[i], hi = high[i]
            var v: Double
            switch (lo.isFinite, hi.isFinite) {
            case (true, true): v = rng.uniform(lo, hi)
            case (true, false): v = lo - _log(1.0 - rng.uniform())
            case (false, true): v = hi + _log(1.0 - rng.uniform())
            case (false, false): v = rng.normal()
            }
            if dtype == .float32 { v = Double(Float(v)) }
            x[i] = Swift.min(Swift.max(v, lo), hi)
        }
        return x
    }

    /// True when `x` has the right length and every component lies within the bounds (NaN never does).
    public func contains(_ x: [Double]) -> Bool {
        guard x.count == count else { return false }
        for i in 0..<count {
            let v = dtype == .float32 ? Double(Float(x[i])) : x[i]
            if !(v >= low[i] && v <= high[i]) { return false }
        }
        return true
    }

    /// Clamps each component into the bounds.
    public func clip(_ x: [Double]) -> [Double] {
        var y = x
        for i in 0..<Swift.min(count, x.count) { y[i] = Swift.min(Swift.max(x[i], low[i]), high[i]) }
        return y
    }

    public var description: String { "Box(\(count), low: \(low), high: \(high), \(dtype.rawValue))" }

    /// Maps an action normalized to [−1, 1] onto the box — the one place the project does this (agents, replay
    /// buffers and exploration policies all work in [−1, 1]). For each bounded dimension i:
    /// `low[i] + (clip(a[i], −1, 1) + 1) / 2 · (high[i] − low[i])`, then clipped to [low[i], high[i]] (rounding can
    /// otherwise land one ulp past `high`). So the environment always receives an action inside its box; for
    /// Gymnasium's symmetric boxes this is a ↦ a·high, the rescaling of OpenAI baselines' DDPG. Unbounded
    /// dimensions pass `a[i]` through unchanged. NaN stays NaN (the environment then refuses the action).
    public func denormalize(_ a: [Double]) -> [Double] {
        var out = a
        for i in 0..<Swift.min(count, a.count) where low[i].isFinite && high[i].isFinite {
            let x = low[i] + (Swift.min(Swift.max(a[i], -1), 1) + 1) / 2 * (high[i] - low[i])
            out[i] = Swift.min(Swift.max(x, low[i]), high[i])
        }
        return out
    }
}

/// A finite set `{start, start+1, …, start+n−1}`. Discrete actions are passed as a one-component `[Double]`.
public struct Discrete: Sendable, Equatable, CustomStringConvertible {
    public let n: Int
    public let start: Int

    public init(_ n: Int, start: Int = 0) {
        precondition(n > 0, "Discrete needs n > 0")
        self.n = n
        self.start = start
    }

    /// A uniformly random element.
    public func sample(using rng: inout RandomStream) -> Int { start + rng.int(below: n) }

    public func contains(_ x: Int) -> Bool { x >= start && x < start + n }

    public var description: String { "Discrete(\(n)\(start == 0 ? "" : ", start: \(start)"))" }
}

/// An action or observation space.
public enum Space: Sendable, Equatable, CustomStringConvertible {
    case box(Box)
    case discrete(Discrete)

    /// The number of `Double` components an element has (1 for discrete).
    public var flatCount: Int {
        switch self {
        case let .box(b): return b.count
        case .discrete: return 1
        }
    }

    /// The box, if this is one.
    public var box: Box? {
        if case let .box(b) = self { return b }
        return nil
    }

    /// A random element as `[Double]` (a discrete element is a one-component array).
    public func sample(using rng: inout RandomStream) -> [Double] {
        switch self {
        case let .box(b): return b.sample(using: &rng)
        case let .discrete(d): return [Double(d.sample(using: &rng))]
        }
    }

    /// Throws the error an environment gives for a malformed action: wrong number of components, a non-finite
    /// value, or (discrete) a value that is not an integer in range. Box bounds are not enforced (see
    /// `MuJoCoEnvironment` for what out-of-range values do).
    public func validate(_ action: [Double]) throws {
        try checkAction(action, count: flatCount)
        if case let .discrete(d) = self {
            guard let v = Int(exactly: action[0]), d.contains(v) else {
                throw EnvironmentError.actionOutOfRange(value: action[0], n: d.n)
            }
        }
    }

    /// True when `x` is an element of the space.
    public func contains(_ x: [Double]) -> Bool {
        switch self {
        case let .box(b): return b.contains(x)
        case let .discrete(d):
            guard x.count == 1, let v = Int(exactly: x[0]) else { return false }
            return d.contains(v)
        }
    }

    public var description: String {
        switch self {
        case let .box(b): return b.description
        case let .discrete(d): return d.description
        }
    }
}
