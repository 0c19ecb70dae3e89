import Foundation
import MetaExploreRuntime

/// Paths of a meta-RL agent on a planar task family as a grid of panels: one row per snapshot (e.g. early and late
/// in training), one column per phase of `PlanarPaths` (e.g. exploration, adapted exploitation). In each panel the
/// family's landmarks are grey circles (PointCorner: the four corners' reward regions), each task's paths are drawn
/// in the task's colour (translucent), its goal as a filled square of the same colour and each path's start as a dot.
/// All panels share one square data range, so positions compare across panels.
public struct PlanarPathsFigure: Sendable {
    public struct Row: Sendable {
        public var title: String
        public var paths: PlanarPaths
        public init(title: String, paths: PlanarPaths) {
            self.title = title
            self.paths = paths
        }
    }

    public var title: String
    public var rows: [Row]
    public var panelSize: Int

    public init(title: String = "", rows: [Row], panelSize: Int = 300) {
        precondition(!rows.isEmpty && panelSize >= 80, "PlanarPathsFigure: no row or panel too small")
        self.title = title
        self.rows = rows
        self.panelSize = panelSize
    }

    /// The square data range covering every path point, goal and landmark region (with 5% padding).
    public var range: (low: Double, high: Double) {
        var low = Double.infinity, high = -Double.infinity
        func cover(_ v: Double) { low = Swift.min(low, v); high = Swift.max(high, v) }
        for row in rows {
            let p = row.paths
            for g in p.goals { cover(g.x); cover(g.y) }
            for l in p.landmarks { for v in [l.x - p.landmarkRadius, l.x + p.landmarkRadius, l.y - p.landmarkRadius,
                                              l.y + p.landmarkRadius] { cover(v) } }
            for phase in p.phases { for task in phase.paths { for path in task { for q in path { cover(q.x); cover(q.y) } } } }
        }
        if !low.isFinite || !high.isFinite { return (-1, 1) }
        if high - low < 1e-9 { return (low - 1, high + 1) }
        let pad = 0.05 * (high - low)
        return (low - pad, high + pad)
    }

    public func render() -> Image {
        let columns = rows.map { $0.paths.phases.count }.max() ?? 1
        let margin = 12, header = 22, titleHeight = title.isEmpty ? 0 : 26, rowHeader = 18
        let width = margin + columns * (panelSize + margin)
        let height = titleHeight + rows.count * (rowHeader + header + panelSize + margin) + margin
        var img = Image(width: width, height: height, color: .white)
        if !title.isEmpty { img.drawText(title, x: width / 2, y: 6, color: .black, scale: 2, anchor: .topCenter) }
        let (low, high) = range
        var top = titleHeight
        for row in rows {
            img.drawText(row.title, x: margin, y: top + 4, color: .black, scale: 1)
            top += rowHeader
            for (c, phase) in row.paths.phases.enumerated() {
                let x0 = margin + c * (panelSize + margin), y0 = top + header
                let mean = c < row.paths.meanReturns.count ? String(format: "  return %.1f", row.paths.meanReturns[c]) : ""
                let label = phase.name + mean
                img.drawText(label, x: x0 + panelSize / 2, y: top + 6, color: .black,
                             scale: BitmapFont.scale(for: label, preferred: 1, fittingWidth: panelSize), anchor: .topCenter)
                img.strokeRect(x: x0, y: y0, width: panelSize, height: panelSize, Color(hex: 0x808080))
                func px(_ v: Double) -> Double { Double(x0) + (v - low) / (high - low) * Double(panelSize - 1) }
                func py(_ v: Double) -> Double { Double(y0 + panelSize - 1) - (v - low) / (high - low) * Double(panelSize - 1) }
                // Landmark regions.
                let p = row.paths
                for l in p.landmarks where p.landmarkRadius > 0 {
                    let n = 96
                    let circle = (0...n).map { k -> (x: Double, y: Double) in
                        let a = 2 * Double.pi * Double(k) / Double(n)
                        return (x: px(l.x + p.landmarkRadius * cos(a)), y: py(l.y + p.landmarkRadius * sin(a)))
                    }
                    img.drawPolyline(circle, Color(hex: 0xB0B0B0), thickness: 1)
                }
                // Paths, then starts, then goals on top.
                for (i, task) in phase.paths.enumerated() {
                    let color = Color.series(i)
                    for path in task { img.drawPolyline(path.map { (x: px($0.x), y: py($0.y)) }, color.withOpacity(0.55), thickness: 2) }
                    for path in task {
                        if let s = path.first { img.fillRect(x: Int(px(s.x)) - 1, y: Int(py(s.y)) - 1, width: 3, height: 3, .black) }
                    }
                }
                for (i, g) in p.goals.enumerated() {
                    let gx = Int(px(g.x).rounded()), gy = Int(py(g.y).rounded())
                    img.fillRect(x: gx - 5, y: gy - 5, width: 11, height: 11, .black)
                    img.fillRect(x: gx - 4, y: gy - 4, width: 9, height: 9, Color.series(i))
                }
            }
            top += header + panelSize + margin
        }
        return img
    }

    public func write(to url: URL) throws { try PNG.write(render(), to: url) }
}

extension PlanarPathsFigure {
    /// The earliest and the latest checkpoint of a run folder (`checkpoints/step-*.safetensors`, ordered by step;
    /// one URL when the run has a single checkpoint).
    public static func earlyAndLateCheckpoints(run: URL) throws -> [URL] {
        let folder = run.appendingPathComponent("checkpoints")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        let steps = names.compactMap { name -> (Int, String)? in
            guard name.hasPrefix("step-"), name.hasSuffix(".safetensors"),
                  let step = Int(name.dropFirst(5).dropLast(12)) else { return nil }
            return (step, name)
        }.sorted { $0.0 < $1.0 }
        guard let first = steps.first, let last = steps.last else {
            throw ExperimentError.conflictingOptions("\(folder.path) holds no step-*.safetensors checkpoint")
        }
        return (first.1 == last.1 ? [first.1] : [first.1, last.1]).map { folder.appendingPathComponent($0) }
    }

    /// One row per checkpoint (titled with its step), each with the agent's planar paths on the same held-out tasks
    /// and samples (`FamilyRegistry.planarPaths`).
    public static func fromCheckpoints(_ urls: [URL], registry: FamilyRegistry, tasks: Int, trajectories: Int,
                                       seed: UInt64) throws -> PlanarPathsFigure {
        var rows: [Row] = [], label = ""
        for url in urls {
            let (paths, config, step) = try registry.planarPaths(checkpoint: url, tasks: tasks, trajectories: trajectories,
                                                                 seed: seed)
            label = "\(config.label) on \(config.environment)"
            rows.append(Row(title: "after \(step) environment steps", paths: paths))
        }
        return PlanarPathsFigure(title: label, rows: rows)
    }
}
