import MetaExploreRandom

/// A goal position in the plane: the task of the 2-D point navigation families (`PointGoal`, `PointCorner`).
public struct PlanarGoal: Sendable, Hashable, CustomStringConvertible {
    public var x: Double
    public var y: Double

    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }

    /// Euclidean distance from the point (px, py) to the goal: `‖s − g‖`, computed as `√(dx² + dy²)` as the
    /// anchors do (`(x ** 2 + y ** 2) ** 0.5` in MAML, `np.linalg.norm` in exp_maml).
    @inline(__always)
    public func distance(fromX px: Double, y py: Double) -> Double {
        let dx = px - x, dy = py - y
        return (dx * dx + dy * dy).squareRoot()
    }

    public var description: String { "(\(x), \(y))" }
}

/// `min(max(x, −limit), limit)` for one value (NumPy's `np.clip` with symmetric bounds).
@inline(__always)
func clipSymmetric(_ x: Double, _ limit: Double) -> Double { Swift.min(Swift.max(x, -limit), limit) }
