// "Nice" axis ticks by the 1-2-5 rule, and their labels.
import Foundation

/// Evenly spaced round tick values covering a data range.
public struct AxisTicks: Sendable, Equatable {
    /// Tick values, ascending; the first and last are the expanded axis limits.
    public let values: [Double]
    /// Distance between ticks: 1, 2 or 5 times a power of ten.
    public let step: Double
    /// Decimal places needed to print every tick exactly.
    public let decimals: Int

    public var lower: Double { values.first ?? 0 }
    public var upper: Double { values.last ?? 1 }

    /// Ticks for `lo...hi` with about `target` intervals (the step is the smallest 1-2-5 value at least
    /// `(hi - lo) / target`); the axis is widened outward to whole steps. A degenerate range is widened first.
    public init(lo: Double, hi: Double, target: Int = 5) {
        var lo = lo, hi = hi
        if !lo.isFinite || !hi.isFinite { lo = 0; hi = 1 }
        if lo > hi { swap(&lo, &hi) }
        if hi - lo < 1e-12 * max(1, abs(lo), abs(hi)) {
            let pad = lo == 0 ? 1 : abs(lo) * 0.1
            lo -= pad
            hi += pad
        }
        let raw = (hi - lo) / Double(max(1, target))
        var exponent = Int(floor(log10(raw)))
        let scaled = raw / pow(10, Double(exponent))
        var mantissa: Int
        if scaled <= 1 + 1e-9 { mantissa = 1 }
        else if scaled <= 2 + 1e-9 { mantissa = 2 }
        else if scaled <= 5 + 1e-9 { mantissa = 5 }
        else { mantissa = 1; exponent += 1 }
        // value(k) = k * mantissa * 10^exponent, computed so that e.g. 0.6 is the literal 0.6.
        func value(_ k: Int) -> Double {
            exponent >= 0 ? Double(k * mantissa) * pow(10, Double(exponent))
                : Double(k * mantissa) / pow(10, Double(-exponent))
        }
        let step = value(1)
        let kLo = Int(floor(lo / step + 1e-9)), kHi = Int(ceil(hi / step - 1e-9))
        values = (kLo...kHi).map(value)
        self.step = step
        decimals = max(0, -exponent)
    }

    init(values: [Double], step: Double, decimals: Int) {
        self.values = values
        self.step = step
        self.decimals = decimals
    }

    /// Ticks that lie inside `lo...hi` (the axis is not widened), at least `minCount` of them when a finer
    /// 1-2-5 step allows it: the target number of intervals is raised until enough ticks fall inside.
    public static func within(lo: Double, hi: Double, target: Int = 5, minCount: Int = 3) -> AxisTicks {
        let a = min(lo, hi), b = max(lo, hi)
        var t = max(1, target), best = AxisTicks(lo: a, hi: b, target: t)
        func inside(_ x: AxisTicks) -> [Double] {
            let eps = 1e-9 * max(x.step, b - a)
            return x.values.filter { $0 >= a - eps && $0 <= b + eps }
        }
        while inside(best).count < minCount && t < 4 * max(1, target) {
            t += 1
            best = AxisTicks(lo: a, hi: b, target: t)
        }
        return AxisTicks(values: inside(best), step: best.step, decimals: best.decimals)
    }

    /// The label of a tick value: fixed decimals for ordinary magnitudes, a k/M suffix for large
    /// round values (e.g. 250000 → "250k", 1500000 → "1.5M"), and never "-0".
    public func label(_ v: Double) -> String { AxisTicks.format(v, decimals: decimals, step: step) }

    public static func format(_ v: Double, decimals: Int, step: Double) -> String {
        if abs(v) < step * 1e-6 { return "0" }
        let a = abs(v)
        if a >= 1_000_000 && step >= 100_000 { return trimmed(v / 1_000_000) + "M" }
        if a >= 10_000 && step >= 1_000 { return trimmed(v / 1_000) + "k" }
        return String(format: "%.\(decimals)f", v)
    }

    /// Up to three decimals, trailing zeros removed.
    static func trimmed(_ v: Double) -> String {
        var s = String(format: "%.3f", v)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }
}
