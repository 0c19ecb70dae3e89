// Line charts: one line per series with an optional shaded band, nice ticks, labels, title and legend.
import Foundation

/// A rectangle in pixel coordinates.
public struct PixelRect: Sendable, Equatable {
    public var x: Int, y: Int, width: Int, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }
}

/// Maps data coordinates into a pixel rectangle (y grows upward in data, downward in pixels).
public struct AxisMapping: Sendable {
    public let rect: PixelRect
    public let xRange: ClosedRange<Double>, yRange: ClosedRange<Double>

    public func px(_ x: Double) -> Double {
        Double(rect.x) + (x - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * Double(rect.width - 1)
    }

    public func py(_ y: Double) -> Double {
        Double(rect.y + rect.height - 1)
            - (y - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound) * Double(rect.height - 1)
    }

    /// Data x at pixel column `px`.
    public func dataX(_ px: Int) -> Double {
        xRange.lowerBound + Double(px - rect.x) / Double(max(1, rect.width - 1)) * (xRange.upperBound - xRange.lowerBound)
    }
}

extension Image {
    /// Composites `layer` (same size as `rect`) over this image at `rect`'s origin.
    mutating func composite(_ layer: Image, at rect: PixelRect) {
        for y in 0..<layer.height {
            for x in 0..<layer.width {
                let i = 4 * (y * layer.width + x)
                if layer.pixels[i + 3] != 0 {
                    blend(x: rect.x + x, y: rect.y + y,
                          Color(r: layer.pixels[i], g: layer.pixels[i + 1], b: layer.pixels[i + 2], a: layer.pixels[i + 3]))
                }
            }
        }
    }

    /// Draws a frame, grid lines, tick marks and tick labels for `map`; `showX`/`showY` control the labels.
    mutating func drawAxes(_ map: AxisMapping, xTicks: AxisTicks, yTicks: AxisTicks, scale: Int,
                           grid: Bool = true, showXLabels: Bool = true, showYLabels: Bool = true) {
        let r = map.rect
        for v in xTicks.values where v >= map.xRange.lowerBound - 1e-12 && v <= map.xRange.upperBound + 1e-12 {
            let x = Int(map.px(v).rounded())
            if grid { fillRect(x: x, y: r.y, width: 1, height: r.height, Color.lightGray) }
            fillRect(x: x, y: r.y + r.height, width: 1, height: 5, .black)
            if showXLabels { drawText(xTicks.label(v), x: x, y: r.y + r.height + 8, scale: scale, anchor: .topCenter) }
        }
        for v in yTicks.values where v >= map.yRange.lowerBound - 1e-12 && v <= map.yRange.upperBound + 1e-12 {
            let y = Int(map.py(v).rounded())
            if grid { fillRect(x: r.x, y: y, width: r.width, height: 1, Color.lightGray) }
            fillRect(x: r.x - 5, y: y, width: 5, height: 1, .black)
            if showYLabels { drawText(yTicks.label(v), x: r.x - 8, y: y, scale: scale, anchor: .centerRight) }
        }
        strokeRect(x: r.x - 1, y: r.y - 1, width: r.width + 2, height: r.height + 2, .black)
    }
}

/// Where the legend box goes inside the plot area.
public enum LegendPosition: Sendable { case topLeft, topRight, bottomLeft, bottomRight, none }

/// One line of a chart with an optional band (e.g. mean ± std or a confidence interval).
public struct ChartSeries: Sendable {
    public var name: String
    public var x: [Double]
    public var y: [Double]
    public var band: (lower: [Double], upper: [Double])?
    /// Defaults to the palette colour of the series' index.
    public var color: Color?

    public init(name: String, x: [Double], y: [Double], band: (lower: [Double], upper: [Double])? = nil,
                color: Color? = nil) {
        precondition(x.count == y.count, "series '\(name)': x and y differ in length")
        if let band { precondition(band.lower.count == x.count && band.upper.count == x.count, "band length") }
        self.name = name
        self.x = x
        self.y = y
        self.band = band
        self.color = color
    }

    /// The mean of aligned runs, shaded by ± `stds` sample standard deviations (0: no band).
    public init(name: String, aligned: AlignedCurves, stds: Double = 1, color: Color? = nil) {
        let band = stds > 0
            ? (aligned.mean.indices.map { aligned.mean[$0] - stds * aligned.std[$0] },
               aligned.mean.indices.map { aligned.mean[$0] + stds * aligned.std[$0] }) : nil
        self.init(name: name, x: aligned.grid, y: aligned.mean, band: band, color: color)
    }
}

/// A line chart rendered to an `Image`.
public struct LineChart: Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [ChartSeries]
    public var width: Int
    public var height: Int
    /// Font scale for all text (the title is drawn one step larger).
    public var textScale: Int
    public var legend: LegendPosition
    /// Fixed axis ranges; by default the data range widened to whole tick steps.
    public var xRange: ClosedRange<Double>?
    public var yRange: ClosedRange<Double>?
    /// Opacity of the shaded bands.
    public var bandOpacity: Double
    public var lineThickness: Int

    public init(title: String = "", xLabel: String = "", yLabel: String = "", series: [ChartSeries] = [],
                width: Int = 800, height: Int = 500, textScale: Int = 2, legend: LegendPosition = .bottomRight,
                xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil, bandOpacity: Double = 0.2,
                lineThickness: Int = 2) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.width = width
        self.height = height
        self.textScale = textScale
        self.legend = legend
        self.xRange = xRange
        self.yRange = yRange
        self.bandOpacity = bandOpacity
        self.lineThickness = lineThickness
    }

    public func render() -> Image {
        var img = Image(width: width, height: height, color: .white)
        let s = textScale, charH = BitmapFont.glyphHeight * s
        // Data extent.
        var xs = [Double](), ys = [Double]()
        for se in series {
            for i in se.x.indices where se.x[i].isFinite && se.y[i].isFinite {
                xs.append(se.x[i])
                ys.append(se.y[i])
                if let b = se.band, b.lower[i].isFinite, b.upper[i].isFinite { ys += [b.lower[i], b.upper[i]] }
            }
        }
        // The x axis spans the data exactly; the y axis gets a small margin. Ticks are nice values inside.
        let xr = xRange ?? LineChart.span(xs, padding: 0), yr = yRange ?? LineChart.span(ys, padding: 0.04)
        let xt = AxisTicks.within(lo: xr.lowerBound, hi: xr.upperBound, target: 6)
        let yt = AxisTicks.within(lo: yr.lowerBound, hi: yr.upperBound, target: 6)
        // Layout.
        let yLabelWidth = yt.values.map { BitmapFont.size(of: yt.label($0), scale: s).width }.max() ?? 0
        let top = title.isEmpty ? 15 : 20 + charH + charH / 2
        let left = 14 + yLabelWidth + (yLabel.isEmpty ? 0 : charH + 14)
        let bottom = 14 + charH + (xLabel.isEmpty ? 0 : charH + 14)
        let rightEdge = BitmapFont.size(of: xt.label(xt.upper), scale: s).width / 2 + 14
        let rect = PixelRect(x: left, y: top, width: max(10, width - left - rightEdge), height: max(10, height - top - bottom))
        let map = AxisMapping(rect: rect, xRange: xr, yRange: yr)
        img.drawAxes(map, xTicks: xt, yTicks: yt, scale: s)
        // Data layer, clipped to the plot area.
        var layer = Image(width: rect.width, height: rect.height)
        let local = AxisMapping(rect: PixelRect(x: 0, y: 0, width: rect.width, height: rect.height), xRange: xr, yRange: yr)
        for (k, se) in series.enumerated() {
            guard let band = se.band else { continue }
            let color = (se.color ?? Color.series(k)).withOpacity(bandOpacity)
            let lo = LearningCurve(steps: se.x, values: band.lower), hi = LearningCurve(steps: se.x, values: band.upper)
            for px in 0..<rect.width {
                let dx = local.dataX(px)
                guard let l = lo.value(at: dx), let u = hi.value(at: dx), l.isFinite, u.isFinite else { continue }
                let y0 = Int(local.py(max(l, u)).rounded()), y1 = Int(local.py(min(l, u)).rounded())
                for py in max(0, y0)...max(max(0, y0), min(rect.height - 1, y1)) { layer.blend(x: px, y: py, color) }
            }
        }
        for (k, se) in series.enumerated() {
            let pts = se.x.indices.filter { se.x[$0].isFinite && se.y[$0].isFinite }.map { (x: local.px(se.x[$0]), y: local.py(se.y[$0])) }
            layer.drawPolyline(pts, se.color ?? Color.series(k), thickness: lineThickness)
        }
        img.composite(layer, at: rect)
        // Text.
        if !title.isEmpty {
            // One step larger than the other text, smaller (down to the font's native size) if it would not fit.
            let titleScale = BitmapFont.scale(for: title, preferred: s + 1, fittingWidth: width - 8)
            img.drawText(title, x: width / 2, y: 12, scale: titleScale, anchor: .topCenter)
        }
        if !xLabel.isEmpty {
            img.drawText(xLabel, x: rect.x + rect.width / 2, y: rect.y + rect.height + 14 + charH + 10, scale: s, anchor: .topCenter)
        }
        if !yLabel.isEmpty { img.drawTextVertical(yLabel, x: 10 + charH / 2, y: rect.y + rect.height / 2, scale: s) }
        if legend != .none && !series.isEmpty { drawLegend(&img, rect: rect) }
        return img
    }

    /// `min...max` of finite values widened by `padding` of the span on each side (a unit range if empty
    /// or a small symmetric one if all values are equal).
    static func span(_ vs: [Double], padding: Double) -> ClosedRange<Double> {
        guard let lo = vs.min(), let hi = vs.max() else { return 0...1 }
        if hi - lo < 1e-12 * max(1, abs(lo)) { let d = lo == 0 ? 1 : abs(lo) * 0.1; return (lo - d)...(hi + d) }
        let p = (hi - lo) * padding
        return (lo - p)...(hi + p)
    }

    func drawLegend(_ img: inout Image, rect: PixelRect) {
        let s = textScale, charH = BitmapFont.glyphHeight * s, line = charH + 8, swatch = 24
        let textW = series.map { BitmapFont.size(of: $0.name, scale: s).width }.max() ?? 0
        let w = 10 + swatch + 8 + textW + 10, h = 8 + line * series.count
        let x: Int, y: Int
        switch legend {
        case .topLeft: x = rect.x + 10; y = rect.y + 10
        case .topRight: x = rect.x + rect.width - w - 10; y = rect.y + 10
        case .bottomLeft: x = rect.x + 10; y = rect.y + rect.height - h - 10
        default: x = rect.x + rect.width - w - 10; y = rect.y + rect.height - h - 10
        }
        img.fillRect(x: x, y: y, width: w, height: h, Color.white.withOpacity(0.9))
        img.strokeRect(x: x, y: y, width: w, height: h, .gray)
        for (k, se) in series.enumerated() {
            let cy = y + 8 + k * line + charH / 2
            let c = se.color ?? Color.series(k)
            if se.band != nil { img.fillRect(x: x + 10, y: cy - charH / 2, width: swatch, height: charH, c.withOpacity(bandOpacity)) }
            img.fillRect(x: x + 10, y: cy - lineThickness / 2, width: swatch, height: max(1, lineThickness), c)
            img.drawText(se.name, x: x + 10 + swatch + 8, y: cy, scale: s, anchor: .centerLeft)
        }
    }

    /// Renders and writes a PNG atomically.
    public func write(to url: URL) throws { try PNG.write(render(), to: url) }
}
