// Summary statistics, percentile-bootstrap confidence intervals, learning-curve alignment, moving windows.
import Foundation
import MetaExploreRandom

public enum Statistics {
    /// Arithmetic mean (NaN for an empty list).
    public static func mean(_ xs: [Double]) -> Double {
        xs.isEmpty ? .nan : xs.reduce(0, +) / Double(xs.count)
    }

    /// Sample standard deviation with Bessel's correction (0 for fewer than two values).
    public static func sampleStd(_ xs: [Double]) -> Double {
        guard xs.count > 1 else { return 0 }
        let m = mean(xs)
        return (xs.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(xs.count - 1)).squareRoot()
    }

    /// The `q`-quantile (0...1) of `sorted`, interpolating linearly between order statistics.
    public static func quantile(sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let pos = max(0, min(1, q)) * Double(sorted.count - 1)
        let i = Int(pos.rounded(.down)), f = pos - Double(i)
        return i + 1 < sorted.count ? sorted[i] + f * (sorted[i + 1] - sorted[i]) : sorted[i]
    }

    /// Percentile bootstrap confidence interval of the mean: `resamples` resamples with replacement drawn
    /// from `RandomStream(seed:)`, the interval between the (1 − level)/2 and (1 + level)/2 quantiles of the
    /// resampled means. Deterministic for a given seed. A single value gives a zero-width interval.
    public static func bootstrapMeanCI(_ xs: [Double], level: Double = 0.95, resamples: Int = 10_000,
                                       seed: UInt64 = 0) -> (lower: Double, upper: Double) {
        guard !xs.isEmpty else { return (.nan, .nan) }
        guard xs.count > 1 else { return (xs[0], xs[0]) }
        var rng = RandomStream(seed: seed)
        let n = xs.count
        var means = [Double](repeating: 0, count: max(1, resamples))
        for r in 0..<means.count {
            var s = 0.0
            for _ in 0..<n { s += xs[rng.int(below: n)] }
            means[r] = s / Double(n)
        }
        means.sort()
        let alpha = (1 - level) / 2
        return (quantile(sorted: means, alpha), quantile(sorted: means, 1 - alpha))
    }

    /// Trailing moving sums: element i is the sum of `xs[max(0, i - window + 1)...i]`.
    public static func movingSum(_ xs: [Double], window: Int) -> [Double] {
        precondition(window > 0, "window must be positive")
        var out = [Double](), s = 0.0
        out.reserveCapacity(xs.count)
        for i in xs.indices {
            s += xs[i]
            if i >= window { s -= xs[i - window] }
            out.append(s)
        }
        return out
    }

    /// Trailing moving averages over up to `window` values (fewer at the start).
    public static func movingAverage(_ xs: [Double], window: Int) -> [Double] {
        movingSum(xs, window: window).enumerated().map { $0.element / Double(min(window, $0.offset + 1)) }
    }

    /// `count` evenly spaced points from `lo` to `hi` inclusive.
    public static func linspace(_ lo: Double, _ hi: Double, count: Int) -> [Double] {
        guard count > 1 else { return count == 1 ? [lo] : [] }
        return (0..<count).map { lo + (hi - lo) * Double($0) / Double(count - 1) }
    }
}

/// One run's learning curve: values at increasing steps (e.g. evaluation return vs environment steps).
public struct LearningCurve: Sendable, Equatable {
    public var steps: [Double]
    public var values: [Double]

    public init(steps: [Double], values: [Double]) {
        precondition(steps.count == values.count, "steps and values differ in length")
        self.steps = steps
        self.values = values
    }

    /// The curve linearly interpolated at `step`; nil outside the recorded range.
    public func value(at step: Double) -> Double? {
        guard let first = steps.first, let last = steps.last, step >= first, step <= last else { return nil }
        var lo = 0, hi = steps.count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if steps[mid] <= step { lo = mid } else { hi = mid }
        }
        if steps[hi] == step { return values[hi] }
        let span = steps[hi] - steps[lo]
        guard span > 0 else { return values[lo] }
        return values[lo] + (step - steps[lo]) / span * (values[hi] - values[lo])
    }

    /// The curve resampled on `grid` (nil where the grid leaves the recorded range).
    public func interpolated(onto grid: [Double]) -> [Double?] { grid.map { value(at: $0) } }
}

extension LearningCurve {
    /// The first recorded step whose value is at least `threshold`; nil if the curve never gets there.
    public func firstStep(reaching threshold: Double) -> Double? {
        zip(steps, values).first { $0.1 >= threshold }?.0
    }
}

/// Sample efficiency as "steps until the return reaches a level" (e.g. the CMP paper, Sec. 4.2: "CMP achieved 1500
/// with only 0.4M samples which take MA2C about 1.5M samples"), for several runs of one method: the first step at
/// which the mean over runs reaches it, and each run's own first step. Both read recorded evaluations only (no
/// interpolation, no smoothing), so a single lucky evaluation counts.
public struct ThresholdCrossing: Sendable, Equatable {
    public var threshold: Double
    /// The first step recorded by every run at which the mean of the runs' values is ≥ `threshold` (nil: never).
    public var meanCurveStep: Double?
    /// Each run's first step with a value ≥ `threshold`, in the order of the curves (nil: never).
    public var runSteps: [Double?]

    public init(curves: [LearningCurve], threshold: Double) {
        self.threshold = threshold
        runSteps = curves.map { $0.firstStep(reaching: threshold) }
        let common = Self.sharedSteps(curves)
        let lookups = curves.map { c in Dictionary(zip(c.steps, c.values), uniquingKeysWith: { first, _ in first }) }
        meanCurveStep = common.sorted().first { step in
            Statistics.mean(lookups.map { $0[step]! }) >= threshold
        }
    }

    /// The steps every curve recorded (the mean over runs is defined at these only; none when, e.g., runs evaluate
    /// by episodes).
    public static func sharedSteps(_ curves: [LearningCurve]) -> Set<Double> {
        var common = Set(curves.first?.steps ?? [])
        for c in curves.dropFirst() { common.formIntersection(c.steps) }
        return common
    }

    /// How many runs reached the threshold.
    public var runsReaching: Int { runSteps.filter { $0 != nil }.count }
}

/// Several runs' curves on one step grid, with per-point mean, sample std and the number of runs covering it.
public struct AlignedCurves: Sendable {
    public let grid: [Double]
    public let mean: [Double]
    public let std: [Double]
    public let count: [Int]

    /// Aligns `curves` on `grid`; if no grid is given, `points` evenly spaced steps from the largest first
    /// step to the smallest last step, so every run covers every point.
    public init(_ curves: [LearningCurve], grid: [Double]? = nil, points: Int = 100) {
        let g: [Double]
        if let grid { g = grid } else {
            let lo = curves.compactMap { $0.steps.first }.max() ?? 0
            let hi = curves.compactMap { $0.steps.last }.min() ?? 0
            g = !curves.isEmpty && hi >= lo ? Statistics.linspace(lo, hi, count: points) : []
        }
        let columns = curves.map { $0.interpolated(onto: g) }
        var m = [Double](), s = [Double](), c = [Int]()
        for i in g.indices {
            let vs = columns.compactMap { $0[i] }
            m.append(Statistics.mean(vs))
            s.append(Statistics.sampleStd(vs))
            c.append(vs.count)
        }
        self.grid = g
        mean = m
        std = s
        count = c
    }
}
