// 2-D visitation-density heatmaps: histograms of points on a shared grid, drawn as a grid of panels
// with a shared colour scale and a colour bar.
import Foundation

/// A histogram of 2-D points over `bins.x × bins.y` equal cells of a rectangle.
public struct DensityGrid: Sendable, Equatable {
    public let xRange: ClosedRange<Double>, yRange: ClosedRange<Double>
    public let nx: Int, ny: Int
    /// Counts, row-major with row 0 at the bottom (smallest y).
    public private(set) var counts: [Int]
    public private(set) var total: Int = 0

    public init(points: [(x: Double, y: Double)], xRange: ClosedRange<Double>, yRange: ClosedRange<Double>,
                nx: Int = 60, ny: Int = 60) {
        precondition(nx > 0 && ny > 0, "bins must be positive")
        self.xRange = xRange
        self.yRange = yRange
        self.nx = nx
        self.ny = ny
        counts = [Int](repeating: 0, count: nx * ny)
        let wx = xRange.upperBound - xRange.lowerBound, wy = yRange.upperBound - yRange.lowerBound
        for p in points where p.x.isFinite && p.y.isFinite && xRange.contains(p.x) && yRange.contains(p.y) {
            let i = min(nx - 1, Int(wx > 0 ? (p.x - xRange.lowerBound) / wx * Double(nx) : 0))
            let j = min(ny - 1, Int(wy > 0 ? (p.y - yRange.lowerBound) / wy * Double(ny) : 0))
            counts[j * nx + i] += 1
            total += 1
        }
    }

    public func count(x i: Int, y j: Int) -> Int { counts[j * nx + i] }

    /// Fraction of this grid's points in cell (i, j) (0 if the grid is empty).
    public func fraction(x i: Int, y j: Int) -> Double { total == 0 ? 0 : Double(count(x: i, y: j)) / Double(total) }

    /// The bounding box of all point sets, padded by `padding` of its size on each side.
    public static func bounds(of sets: [[(x: Double, y: Double)]], padding: Double = 0.03)
        -> (x: ClosedRange<Double>, y: ClosedRange<Double>) {
        let all = sets.joined().filter { $0.x.isFinite && $0.y.isFinite }
        guard let first = all.first else { return (0...1, 0...1) }
        var x0 = first.x, x1 = first.x, y0 = first.y, y1 = first.y
        for p in all { x0 = min(x0, p.x); x1 = max(x1, p.x); y0 = min(y0, p.y); y1 = max(y1, p.y) }
        let px = max(x1 - x0, 1e-9) * padding, py = max(y1 - y0, 1e-9) * padding
        return ((x0 - px)...(x1 + px), (y0 - py)...(y1 + py))
    }
}

/// A sequential colour map from white (nothing) through yellow and orange to dark red-purple.
public enum DensityColorMap {
    static let anchors: [(Double, Double, Double)] = [
        (255, 255, 255), (250, 232, 150), (246, 172, 72), (226, 84, 42), (160, 22, 52), (72, 12, 62),
    ]

    /// The colour at `t` in 0...1.
    public static func color(_ t: Double) -> Color {
        let t = max(0, min(1, t.isFinite ? t : 0)) * Double(anchors.count - 1)
        let i = min(anchors.count - 2, Int(t)), f = t - Double(i)
        let a = anchors[i], b = anchors[i + 1]
        func mix(_ u: Double, _ v: Double) -> UInt8 { UInt8((u + (v - u) * f).rounded()) }
        return Color(r: mix(a.0, b.0), g: mix(a.1, b.1), b: mix(a.2, b.2))
    }
}

/// How cell fractions become colours.
public enum DensityScale: Sendable {
    case linear
    /// Logarithmic over `decades` powers of ten below the largest cell; empty cells stay white and
    /// occupied cells below that span get the faintest tint.
    case log(decades: Double = 3)
}

/// One panel: a title and its 2-D points (e.g. PCA-projected visited states).
public struct DensityPanel: Sendable {
    public var title: String
    public var points: [(x: Double, y: Double)]
    public init(title: String, points: [(x: Double, y: Double)]) {
        self.title = title
        self.points = points
    }
}

/// Panels in a `rows × columns` grid sharing axes and one colour scale (fractions of each panel's points,
/// so panels with different sample counts compare), with a colour bar on the right.
public struct DensityFigure: Sendable {
    public var title: String
    public var panels: [DensityPanel]
    public var columns: Int
    public var xLabel: String, yLabel: String
    public var bins: Int
    public var scale: DensityScale
    /// Side of each square panel in pixels.
    public var panelSize: Int
    public var textScale: Int
    /// Shared axis ranges; by default the padded bounding box of all panels' points.
    public var xRange: ClosedRange<Double>?, yRange: ClosedRange<Double>?

    public init(title: String = "", panels: [DensityPanel], columns: Int = 3, xLabel: String = "PC 1",
                yLabel: String = "PC 2", bins: Int = 60, scale: DensityScale = .log(), panelSize: Int = 240,
                textScale: Int = 2, xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil) {
        self.title = title
        self.panels = panels
        self.columns = max(1, columns)
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.bins = bins
        self.scale = scale
        self.panelSize = panelSize
        self.textScale = textScale
        self.xRange = xRange
        self.yRange = yRange
    }

    public var rows: Int { (panels.count + columns - 1) / columns }

    public func render() -> Image {
        let s = textScale, charH = BitmapFont.glyphHeight * s
        let box = DensityGrid.bounds(of: panels.map(\.points))
        let xr = xRange ?? box.x, yr = yRange ?? box.y
        let xt = AxisTicks.within(lo: xr.lowerBound, hi: xr.upperBound, target: 4)
        let yt = AxisTicks.within(lo: yr.lowerBound, hi: yr.upperBound, target: 4)
        let grids = panels.map { DensityGrid(points: $0.points, xRange: xr, yRange: yr, nx: bins, ny: bins) }
        let fmax = grids.flatMap { g in g.counts.map { g.total == 0 ? 0 : Double($0) / Double(g.total) } }.max() ?? 0
        func level(_ f: Double) -> Double? {
            guard f > 0, fmax > 0 else { return nil }
            switch scale {
            case .linear: return f / fmax
            // Occupied cells below the shown decades keep a faint tint, distinct from empty (white) cells.
            case let .log(decades): return max(0.04, 1 + log10(f / fmax) / decades)
            }
        }
        // Layout.
        let yLabelW = yt.values.map { BitmapFont.size(of: yt.label($0), scale: s).width }.max() ?? 0
        let left = 14 + charH + 12 + yLabelW + 10, gap = 34
        let top = (title.isEmpty ? 10 : 20 + charH + 8) + charH + 10
        let panelStride = panelSize + charH + 10 + gap
        let barX = left + columns * panelSize + (columns - 1) * gap + 30
        let width = barX + 20 + 12 + 8 * BitmapFont.advance * s
        let height = top + rows * panelSize + (rows - 1) * (charH + 10 + gap) + 14 + charH + 14 + charH + 14
        var img = Image(width: width, height: height, color: .white)
        for (k, grid) in grids.enumerated() {
            let row = k / columns, col = k % columns
            let rect = PixelRect(x: left + col * (panelSize + gap), y: top + row * panelStride, width: panelSize, height: panelSize)
            for py in 0..<panelSize {
                let j = (panelSize - 1 - py) * bins / panelSize
                for px in 0..<panelSize {
                    let i = px * bins / panelSize
                    if let t = level(grid.fraction(x: i, y: j)) { img.set(x: rect.x + px, y: rect.y + py, DensityColorMap.color(t)) }
                }
            }
            let map = AxisMapping(rect: rect, xRange: xr, yRange: yr)
            img.drawAxes(map, xTicks: xt, yTicks: yt, scale: s, grid: false,
                         showXLabels: row == rows - 1 || k + columns >= panels.count, showYLabels: col == 0)
            // Titles wider than a panel and its gap are drawn smaller (down to the font's native size) so that
            // neighbours never overlap.
            let titleScale = BitmapFont.scale(for: panels[k].title, preferred: s, fittingWidth: panelSize + gap - 6)
            img.drawText(panels[k].title, x: rect.x + rect.width / 2, y: rect.y - 8, scale: titleScale, anchor: .bottomCenter)
        }
        if !title.isEmpty { img.drawText(title, x: (left + barX) / 2, y: 12, scale: s + 1, anchor: .topCenter) }
        let plotsBottom = top + rows * panelSize + (rows - 1) * (charH + 10 + gap)
        if !xLabel.isEmpty {
            img.drawText(xLabel, x: left + (barX - 30 - left) / 2, y: plotsBottom + 14 + charH + 10, scale: s, anchor: .topCenter)
        }
        if !yLabel.isEmpty { img.drawTextVertical(yLabel, x: 12 + charH / 2, y: (top + plotsBottom) / 2, scale: s) }
        drawColorBar(&img, x: barX, top: top, bottom: plotsBottom, fmax: fmax)
        return img
    }

    func drawColorBar(_ img: inout Image, x: Int, top: Int, bottom: Int, fmax: Double) {
        let s = textScale, h = bottom - top
        for py in 0..<h {
            let t = 1 - Double(py) / Double(max(1, h - 1))
            img.fillRect(x: x, y: top + py, width: 20, height: 1, DensityColorMap.color(t))
        }
        img.strokeRect(x: x - 1, y: top - 1, width: 22, height: h + 2, .black)
        guard fmax > 0 else { return }
        func mark(_ t: Double, _ label: String) {
            let y = top + Int(((1 - t) * Double(h - 1)).rounded())
            img.fillRect(x: x + 20, y: y, width: 5, height: 1, .black)
            img.drawText(label, x: x + 28, y: y, scale: s, anchor: .centerLeft)
        }
        switch scale {
        case .linear:
            let ticks = AxisTicks(lo: 0, hi: fmax, target: 4)
            for v in ticks.values where v <= fmax * (1 + 1e-9) { mark(v / fmax, String(format: "%.3g", v)) }
        case let .log(decades):
            let hiExp = Int(floor(log10(fmax))), loExp = Int(ceil(log10(fmax) - decades))
            for e in loExp...max(loExp, hiExp) { mark(1 + (Double(e) - log10(fmax)) / decades, "1e\(e)") }
        }
        img.drawText("frac", x: x + 10, y: top - 8, scale: s, anchor: .bottomCenter)
    }

    /// Renders and writes a PNG atomically.
    public func write(to url: URL) throws { try PNG.write(render(), to: url) }
}
