// An 8-bit RGBA raster with simple drawing primitives; the canvas every plot is drawn on.

/// A straight (non-premultiplied) 8-bit RGBA colour.
public struct Color: Sendable, Equatable, Hashable {
    public var r: UInt8, g: UInt8, b: UInt8, a: UInt8

    public init(r: UInt8, g: UInt8, b: UInt8, a: UInt8 = 255) {
        self.r = r
        self.g = g
        self.b = b
        self.a = a
    }

    /// From a 0xRRGGBB literal.
    public init(hex: UInt32, alpha: UInt8 = 255) {
        self.init(r: UInt8((hex >> 16) & 0xFF), g: UInt8((hex >> 8) & 0xFF), b: UInt8(hex & 0xFF), a: alpha)
    }

    /// The same colour with another alpha; `opacity` in 0...1.
    public func withOpacity(_ opacity: Double) -> Color {
        Color(r: r, g: g, b: b, a: UInt8((max(0, min(1, opacity)) * 255).rounded()))
    }

    public static let white = Color(r: 255, g: 255, b: 255)
    public static let black = Color(r: 0, g: 0, b: 0)
    public static let clear = Color(r: 0, g: 0, b: 0, a: 0)
    public static let gray = Color(r: 128, g: 128, b: 128)
    public static let lightGray = Color(r: 225, g: 225, b: 225)

    /// Ten well separated series colours, cycled by `series(_:)`.
    public static let palette: [Color] = [
        Color(hex: 0x1F5FBF), Color(hex: 0xE0701A), Color(hex: 0x2E9A3A), Color(hex: 0xCC2B2B),
        Color(hex: 0x8052B8), Color(hex: 0x8C5A3C), Color(hex: 0xD45FB0), Color(hex: 0x5F5F5F),
        Color(hex: 0xA8A81E), Color(hex: 0x18A8BA),
    ]

    /// The `index`-th series colour.
    public static func series(_ index: Int) -> Color { palette[((index % palette.count) + palette.count) % palette.count] }
}

/// A `width × height` RGBA8 image, rows top to bottom, stored as `[r, g, b, a]` per pixel.
public struct Image: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// Pixel bytes, `4 * width * height`, row-major from the top-left corner.
    public var pixels: [UInt8]

    /// A new image filled with `color` (transparent black by default).
    public init(width: Int, height: Int, color: Color = .clear) {
        precondition(width > 0 && height > 0, "image size must be positive, got \(width)x\(height)")
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: 4 * width * height)
        if color != .clear { fill(color) }
    }

    public func contains(x: Int, y: Int) -> Bool { x >= 0 && y >= 0 && x < width && y < height }

    /// The pixel at (x, y); (0, 0) is the top-left corner.
    public subscript(x: Int, y: Int) -> Color {
        get {
            precondition(contains(x: x, y: y), "pixel (\(x), \(y)) outside \(width)x\(height)")
            let i = 4 * (y * width + x)
            return Color(r: pixels[i], g: pixels[i + 1], b: pixels[i + 2], a: pixels[i + 3])
        }
        set { set(x: x, y: y, newValue) }
    }

    /// Replaces a pixel (no blending); points outside the image are ignored.
    public mutating func set(x: Int, y: Int, _ c: Color) {
        guard contains(x: x, y: y) else { return }
        let i = 4 * (y * width + x)
        pixels[i] = c.r
        pixels[i + 1] = c.g
        pixels[i + 2] = c.b
        pixels[i + 3] = c.a
    }

    /// Composites `c` over the pixel with source-over alpha blending; points outside are ignored.
    public mutating func blend(x: Int, y: Int, _ c: Color) {
        guard contains(x: x, y: y), c.a > 0 else { return }
        if c.a == 255 { return set(x: x, y: y, c) }
        let i = 4 * (y * width + x)
        let sa = Double(c.a) / 255, da = Double(pixels[i + 3]) / 255
        let oa = sa + da * (1 - sa)
        func mix(_ s: UInt8, _ d: UInt8) -> UInt8 {
            UInt8(max(0, min(255, ((Double(s) * sa + Double(d) * da * (1 - sa)) / oa).rounded())))
        }
        pixels[i] = mix(c.r, pixels[i])
        pixels[i + 1] = mix(c.g, pixels[i + 1])
        pixels[i + 2] = mix(c.b, pixels[i + 2])
        pixels[i + 3] = UInt8((oa * 255).rounded())
    }

    /// Sets every pixel to `c`.
    public mutating func fill(_ c: Color) {
        for i in stride(from: 0, to: pixels.count, by: 4) {
            pixels[i] = c.r
            pixels[i + 1] = c.g
            pixels[i + 2] = c.b
            pixels[i + 3] = c.a
        }
    }

    /// Blends `c` over the rectangle `[x, x + w) × [y, y + h)` (clipped).
    public mutating func fillRect(x: Int, y: Int, width w: Int, height h: Int, _ c: Color) {
        let x0 = max(0, x), y0 = max(0, y), x1 = min(width, x + w), y1 = min(height, y + h)
        guard x0 < x1, y0 < y1 else { return }
        for yy in y0..<y1 { for xx in x0..<x1 { blend(x: xx, y: yy, c) } }
    }

    /// A one-pixel rectangle outline.
    public mutating func strokeRect(x: Int, y: Int, width w: Int, height h: Int, _ c: Color) {
        fillRect(x: x, y: y, width: w, height: 1, c)
        fillRect(x: x, y: y + h - 1, width: w, height: 1, c)
        fillRect(x: x, y: y + 1, width: 1, height: h - 2, c)
        fillRect(x: x + w - 1, y: y + 1, width: 1, height: h - 2, c)
    }

    /// A straight line (Bresenham) of the given thickness in pixels; each pixel is covered once,
    /// so translucent colours blend evenly.
    public mutating func drawLine(x0: Int, y0: Int, x1: Int, y1: Int, _ c: Color, thickness: Int = 1) {
        var covered = Set<Int>()
        let r = max(0, thickness - 1) / 2, extra = max(0, thickness - 1) - r
        var x = x0, y = y0
        let dx = abs(x1 - x0), dy = -abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var err = dx + dy
        while true {
            for oy in -r...extra {
                for ox in -r...extra {
                    let px = x + ox, py = y + oy
                    guard contains(x: px, y: py), covered.insert(py * width + px).inserted else { continue }
                    blend(x: px, y: py, c)
                }
            }
            if x == x1 && y == y1 { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
        }
    }

    /// A connected polyline through `points` (pixel coordinates), each pixel covered once.
    public mutating func drawPolyline(_ points: [(x: Double, y: Double)], _ c: Color, thickness: Int = 2) {
        guard !points.isEmpty else { return }
        if c.a == 255 {
            for i in 1..<max(1, points.count) {
                drawLine(x0: Int(points[i - 1].x.rounded()), y0: Int(points[i - 1].y.rounded()),
                         x1: Int(points[i].x.rounded()), y1: Int(points[i].y.rounded()), c, thickness: thickness)
            }
            if points.count == 1 {
                drawLine(x0: Int(points[0].x.rounded()), y0: Int(points[0].y.rounded()),
                         x1: Int(points[0].x.rounded()), y1: Int(points[0].y.rounded()), c, thickness: thickness)
            }
            return
        }
        // Translucent: draw opaque into a mask first so overlapping segments do not darken.
        var mask = Image(width: width, height: height)
        mask.drawPolyline(points, .white, thickness: thickness)
        for i in stride(from: 0, to: mask.pixels.count, by: 4) where mask.pixels[i + 3] != 0 {
            let p = i / 4
            blend(x: p % width, y: p / width, c)
        }
    }
}
