/// A moving sum over the last `window` values: the CMP paper's extra measurement, "Moving sum of training reward
/// collected in exploration over 25 iterations" (Fig. 2(c), Sec. 4.2), fed with each iteration's Σ of D0's rewards.
public struct MovingSum: Codable, Equatable, Sendable {
    public let window: Int
    /// The values inside the window, oldest first.
    public private(set) var values: [Double] = []
    /// Their sum.
    public private(set) var sum = 0.0

    public init(window: Int = 25) {
        precondition(window >= 1, "MovingSum: the window holds at least one value")
        self.window = window
    }

    /// Adds a value (dropping the oldest once the window is full) and returns the new moving sum.
    @discardableResult
    public mutating func add(_ value: Double) -> Double {
        values.append(value)
        if values.count > window { values.removeFirst(values.count - window) }
        // Recomputed rather than updated incrementally, so no rounding drift accumulates over long runs.
        sum = values.reduce(0, +)
        return sum
    }

    /// Whether `window` values have been seen.
    public var isFull: Bool { values.count == window }
}

extension MovingSum {
    /// A moving sum holding `values` (oldest first; at most `window` of them), as saved in a checkpoint.
    public init(window: Int, values: [Double]) {
        self.init(window: window)
        for v in values { add(v) }
    }
}
