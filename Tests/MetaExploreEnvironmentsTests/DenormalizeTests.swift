import MetaExploreEnvironments
import Testing

/// `Box.denormalize`, the one map from normalized actions in [−1, 1] to an action box.
@Suite("Normalized actions") struct DenormalizeTests {
    @Test func mapsTheUnitIntervalOntoTheBoxAffinely() {
        let box = Box(low: [-2, 0, -0.4], high: [2, 1, 0.4])
        #expect(box.denormalize([-1, -1, -1]) == [-2, 0, -0.4])
        #expect(box.denormalize([1, 1, 1]) == [2, 1, 0.4])
        #expect(box.denormalize([0, 0, 0]) == [0, 0.5, 0])
        // low + (a + 1)/2 · (high − low), evaluated in that order (what the golden runs were recorded with).
        #expect(box.denormalize([0.5, -0.5, 0.25]) == [1, 0.25, -0.4 + 1.25 / 2 * 0.8])
        #expect(abs(box.denormalize([0.25, 0.25, 0.25])[2] - 0.1) < 1e-15)
    }

    /// Values outside [−1, 1] are clipped first, so the environment always gets an action inside its box.
    @Test func clipsToTheBox() {
        let box = Box(low: [-3, 0.1], high: [3, 0.7])
        #expect(box.denormalize([5, -7]) == [3, 0.1])
        for a in stride(from: -1.0, through: 1.0, by: 0.001) {
            let x = box.denormalize([a, a])
            #expect(box.contains(x), "\(a) → \(x)")
        }
    }

    /// Unbounded dimensions pass through; NaN stays NaN for the environment to refuse.
    @Test func unboundedDimensionsPassThrough() {
        let box = Box(low: [-.infinity, -1], high: [.infinity, 1])
        #expect(box.denormalize([7.5, 0.5]) == [7.5, 0.5])
        #expect(box.denormalize([.nan, 0])[0].isNaN)
    }
}
