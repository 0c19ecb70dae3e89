import Foundation
import Testing
import MetaExploreAnalysis
import MetaExploreRandom

/// Renders one line chart and one density figure (written under the temporary directory, for looking at).
@Suite struct ExampleFiguresTests {
    static let outDir = FileManager.default.temporaryDirectory.appendingPathComponent("metaexplore-analysis-examples")

    @Test func lineChartWithBands() throws {
        var rng = RandomStream(seed: 2)
        func runs(final: Double, speed: Double) -> [LearningCurve] {
            (0..<5).map { _ in
                let steps = stride(from: 0.0, through: 100_000, by: 2_500).map { $0 + Double(rng.int(below: 300)) }
                let vals = steps.map { s in final + (-1400 - final) * exp(-s / speed) + rng.normal() * 60 }
                return LearningCurve(steps: steps, values: vals)
            }
        }
        let chart = LineChart(
            title: "Pendulum-v1: evaluation return", xLabel: "environment steps", yLabel: "return",
            series: [
                ChartSeries(name: "DDPG", aligned: AlignedCurves(runs(final: -180, speed: 30_000), points: 80)),
                ChartSeries(name: "teacher (learned)", aligned: AlignedCurves(runs(final: -150, speed: 12_000), points: 80)),
                ChartSeries(name: "student", aligned: AlignedCurves(runs(final: -160, speed: 18_000), points: 80)),
            ])
        let img = chart.render()
        #expect(img.width == 800 && img.height == 500)
        // The three line colours all appear.
        for k in 0..<3 { #expect(stride(from: 0, to: img.pixels.count, by: 4).contains { i in
            Color(r: img.pixels[i], g: img.pixels[i + 1], b: img.pixels[i + 2], a: img.pixels[i + 3]) == Color.series(k) }) }
        try chart.write(to: Self.outDir.appendingPathComponent("line-chart.png"))
    }

    @Test func densityPanelsOfProjectedStates() throws {
        var rng = RandomStream(seed: 9)
        // Three-dimensional "states": a narrow cluster early, a wider ring later, per method.
        func states(_ n: Int, radius: Double, spread: Double) -> [[Double]] {
            (0..<n).map { _ in
                let a = rng.uniform(0, 2 * .pi), r = radius + rng.normal() * spread
                return [r * cos(a), r * sin(a) * 0.6, rng.normal() * 0.2]
            }
        }
        let sets: [(String, [[Double]])] = [
            ("teacher, early", states(4000, radius: 0.5, spread: 0.5)),
            ("student, early", states(4000, radius: 0.2, spread: 0.3)),
            ("DDPG, early", states(4000, radius: 0.1, spread: 0.15)),
            ("teacher, late", states(8000, radius: 2.0, spread: 0.6)),
            ("student, late", states(8000, radius: 1.6, spread: 0.4)),
            ("DDPG, late", states(8000, radius: 0.8, spread: 0.3)),
        ]
        let pca = PCA(fitting: sets.flatMap(\.1))
        let figure = DensityFigure(title: "State-visitation density",
                                   panels: sets.map { DensityPanel(title: $0.0, points: pca.project2D($0.1)) }, columns: 3)
        let img = figure.render()
        #expect(img.width > 700 && img.height > 500)
        try figure.write(to: Self.outDir.appendingPathComponent("density.png"))
        var linear = figure
        linear.scale = .linear
        try linear.write(to: Self.outDir.appendingPathComponent("density-linear.png"))
        // Histogram counts add up to the points inside the range.
        let g = DensityGrid(points: [(0.1, 0.1), (0.9, 0.9), (0.95, 0.2), (2, 2)], xRange: 0...1, yRange: 0...1, nx: 2, ny: 2)
        #expect(g.counts == [1, 1, 0, 1] && g.total == 3)
    }
}
