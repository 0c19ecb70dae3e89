import Foundation
import Testing
import MetaExploreAnalysis
import MetaExploreRandom

@Suite struct StatisticsTests {
    @Test func meanAndSampleStd() {
        #expect(Statistics.mean([1, 2, 3, 4]) == 2.5)
        #expect(abs(Statistics.sampleStd([2, 4, 4, 4, 5, 5, 7, 9]) - 2.138089935299395) < 1e-12)
        #expect(Statistics.sampleStd([3]) == 0)
        #expect(Statistics.mean([]).isNaN)
    }

    @Test func bootstrapContainsMeanIsSeededAndShrinks() {
        var rng = RandomStream(seed: 11)
        let big = (0..<200).map { _ in rng.normal(mean: -150, std: 20) }
        let small = Array(big.prefix(8))
        for xs in [small, big] {
            let ci = Statistics.bootstrapMeanCI(xs, resamples: 2000, seed: 3)
            let m = Statistics.mean(xs)
            #expect(ci.lower < m && m < ci.upper)
        }
        let a = Statistics.bootstrapMeanCI(small, seed: 5), b = Statistics.bootstrapMeanCI(small, seed: 5)
        #expect(a == b)
        #expect(Statistics.bootstrapMeanCI(small, seed: 6) != a)
        let wSmall = a.upper - a.lower
        let ciBig = Statistics.bootstrapMeanCI(big, seed: 5)
        #expect(ciBig.upper - ciBig.lower < wSmall / 2)
        // For many samples the width is close to the normal-theory 2 × 1.96 × std / sqrt(n).
        let theory = 2 * 1.96 * Statistics.sampleStd(big) / Double(big.count).squareRoot()
        #expect(abs((ciBig.upper - ciBig.lower) / theory - 1) < 0.1)
        #expect(Statistics.bootstrapMeanCI([4.0]) == (4.0, 4.0))
    }

    @Test func quantileAndMovingWindows() {
        #expect(Statistics.quantile(sorted: [1, 2, 3, 4, 5], 0.5) == 3)
        #expect(Statistics.quantile(sorted: [0, 10], 0.25) == 2.5)
        #expect(Statistics.movingSum([1, 2, 3, 4, 5], window: 2) == [1, 3, 5, 7, 9])
        #expect(Statistics.movingAverage([2, 4, 6, 8], window: 3) == [2, 3, 4, 6])
        #expect(Statistics.linspace(0, 1, count: 5) == [0, 0.25, 0.5, 0.75, 1])
    }

    @Test func learningCurvesInterpolateOntoACommonGrid() {
        let a = LearningCurve(steps: [0, 100, 200], values: [0, 10, 30])
        let b = LearningCurve(steps: [0, 50, 150, 250], values: [5, 5, 15, 25])
        #expect(a.value(at: 50) == 5)
        #expect(a.value(at: 200) == 30)
        #expect(a.value(at: 201) == nil)
        #expect(a.interpolated(onto: [-1, 0, 150]) == [nil, 0, 20])
        let al = AlignedCurves([a, b], points: 3)
        #expect(al.grid == [0, 100, 200])
        #expect(al.mean == [2.5, 10, 25])
        #expect(al.count == [2, 2, 2])
        #expect(abs(al.std[2] - (50.0).squareRoot()) < 1e-12)
        let wide = AlignedCurves([a, b], grid: [100, 250])
        #expect(wide.count == [2, 1] && wide.mean == [10, 25] && wide.std == [0, 0])
        #expect(AlignedCurves([]).grid.isEmpty)
    }

    @Test func thresholdCrossingsOfRunsAndOfTheirMean() {
        let a = LearningCurve(steps: [0, 10, 20, 30], values: [0, 5, 2, 9])
        let b = LearningCurve(steps: [0, 10, 20, 30, 40], values: [0, 1, 7, 3, 8])
        #expect(a.firstStep(reaching: 5) == 10 && b.firstStep(reaching: 5) == 20 && a.firstStep(reaching: 10) == nil)
        let c = ThresholdCrossing(curves: [a, b], threshold: 5)
        #expect(c.runSteps == [10, 20] && c.runsReaching == 2)
        // Means at the common steps 0, 10, 20, 30: 0, 3, 4.5, 6; step 40 is b's alone.
        #expect(c.meanCurveStep == 30)
        let never = ThresholdCrossing(curves: [a, b], threshold: 8.5)
        #expect(never.runSteps == [30, nil] && never.runsReaching == 1 && never.meanCurveStep == nil)
        #expect(ThresholdCrossing(curves: [], threshold: 1).meanCurveStep == nil)
    }

    @Test func pcaRecoversTheMainAxisOfAnElongatedCloud() {
        var rng = RandomStream(seed: 1)
        let axis = [1.0, 2.0, -2.0].map { $0 / 3 }  // unit length
        let other = [2.0, 1.0, 2.0].map { $0 / 3 }  // orthogonal to axis
        let points = (0..<2000).map { _ -> [Double] in
            let t = rng.normal() * 10, u = rng.normal() * 1, w = rng.normal() * 0.1
            return (0..<3).map { 5 + t * axis[$0] + u * other[$0] + w * [2.0, -2.0, -1.0][$0] / 3 }
        }
        let pca = PCA(fitting: points)
        #expect(pca.components.count == 2)
        let dot1 = zip(pca.components[0], axis).reduce(0) { $0 + $1.0 * $1.1 }
        let dot2 = zip(pca.components[1], other).reduce(0) { $0 + $1.0 * $1.1 }
        #expect(abs(abs(dot1) - 1) < 1e-3)
        #expect(abs(abs(dot2) - 1) < 1e-2)
        // Sign convention: largest-magnitude entry positive.
        for c in pca.components { #expect(c.max(by: { abs($0) < abs($1) })! > 0) }
        #expect(abs(pca.variances[0] / 100 - 1) < 0.1 && abs(pca.variances[1] - 1) < 0.15)
        #expect(pca.mean.allSatisfy { abs($0 - 5) < 1 })
        // Deterministic, and the projections are centred.
        let again = PCA(fitting: points)
        #expect(again.components == pca.components)
        let proj = pca.project2D(points)
        #expect(abs(proj.map(\.x).reduce(0, +) / 2000) < 1e-9)
    }

    @Test func jacobiDiagonalisesASymmetricMatrix() {
        let m: [[Double]] = [[4, 1, 2], [1, 3, 0], [2, 0, 5]]
        let (vals, vecs) = PCA.jacobiEigen(m)
        for k in 0..<3 {
            for i in 0..<3 {
                let mv = (0..<3).reduce(0.0) { $0 + m[i][$1] * vecs[$1][k] }
                #expect(abs(mv - vals[k] * vecs[i][k]) < 1e-10)
            }
        }
        #expect(abs(vals.reduce(0, +) - 12) < 1e-10)
    }
}
