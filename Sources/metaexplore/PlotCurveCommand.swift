import ArgumentParser
import Foundation
import MetaExplore

/// `metaexplore plot-curve`: one column of a run's `progress.csv` against another as a PNG line chart (rows where
/// the column is empty are skipped, so `eval_return` gives the evaluation curve), with optional horizontal
/// reference lines (e.g. a world's optimum and uninformed value), and the plotted points as CSV beside it.
struct PlotCurve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot-curve",
        abstract: "Plot a column of a run's progress.csv (default: eval_return against step) as a PNG.")

    @Option(name: .customLong("run"), help: "A run folder.") var runFolder: String
    @Option(help: "Output PNG file (a CSV of the plotted points is written beside it).") var out: String
    @Option(help: "The y column.") var column = "eval_return"
    @Option(help: "The x column.") var xColumn = "step"
    @Option(help: "A horizontal reference line, NAME=VALUE (repeatable).") var reference: [String] = []
    @Option(help: "Chart title (default: the run folder's name and the column).") var title: String?

    func run() throws {
        let table = try CSVTable(contentsOf: URL(fileURLWithPath: runFolder).appendingPathComponent("progress.csv"))
        let xs = try table.numbers(xColumn), ys = try table.numbers(column)
        let points = zip(xs, ys).filter { $0.0.isFinite && $0.1.isFinite }
        guard !points.isEmpty else { throw ValidationError("no rows with both \(xColumn) and \(column) in \(runFolder)") }
        // The references first and the curve last, so that the curve is drawn over a line it reaches (a run at its
        // optimum would otherwise seem to stop where it meets the optimum's line).
        var series: [ChartSeries] = []
        for (i, text) in reference.enumerated() {
            let parts = text.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let value = Double(parts[1]) else {
                throw ValidationError("--reference takes NAME=VALUE, got '\(text)'")
            }
            series.append(ChartSeries(name: String(parts[0]), x: [points.first!.0, points.last!.0], y: [value, value],
                                      color: Color.series(i + 1)))
        }
        series.append(ChartSeries(name: column, x: points.map(\.0), y: points.map(\.1), color: Color.series(0)))
        let name = URL(fileURLWithPath: runFolder).lastPathComponent
        let url = URL(fileURLWithPath: out)
        try LineChart(title: title ?? "\(name): \(column)", xLabel: xColumn == "step" ? "environment steps" : xColumn,
                      yLabel: column, series: series).write(to: url)
        let csv = "\(xColumn),\(column)\n" + points.map { "\($0.0),\($0.1)" }.joined(separator: "\n") + "\n"
        try AtomicFile.write(csv, to: url.deletingPathExtension().appendingPathExtension("csv"))
        print("wrote \(url.path) (\(points.count) points)")
    }
}
