import Foundation
import MetaExploreAnalysis
import MetaExploreEnvironments

/// Why episode pictures cannot be drawn.
public struct EpisodePictureError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = "episode pictures: " + description }
}

/// Pictures of grid-world episodes: one frame per time step (the grid, its objects, the instruction's goal, the
/// agent and the path it took so far), written as numbered PNGs and as an animated GIF.
///
/// - Bus worlds: each helpful line in its own colour at both of its stops (the four colours of `Color.palette`),
///   distracting lines grey, the goal corner (when the instruction is shown) with a green frame, the map cell
///   (map world) dark yellow. Cooking: the bowl grey, each drawer in its ingredient's colour, the recipe named in
///   the caption.
/// - y grows upward, as in the worlds' coordinates (row 0 of the image is the top row y = height − 1).
/// - The caption names the phase, the step, the last reward and the return so far.
public enum GridEpisodePictures {
    public static let goalColor = Color(r: 40, g: 170, b: 60)
    public static let distractingColor = Color(r: 150, g: 150, b: 150)
    public static let mapColor = Color(r: 200, g: 170, b: 40)
    public static let agentColor = Color(r: 20, g: 20, b: 20)
    public static let pathColor = Color(r: 230, g: 60, b: 60)

    /// The frames of one episode: `positions` has one entry more than `actions` and `rewards` (the start, then the
    /// position after each step).
    public static func frames(world: GridWorld, problem: Int, instruction: [Int]?, positions: [GridPoint],
                              actions: [GridAction], rewards: [Double], phase: String, cell: Int = 28) throws -> [Image] {
        guard !positions.isEmpty, positions.count == actions.count + 1, rewards.count == actions.count, cell >= 8,
              (0..<world.problemCount).contains(problem),
              positions.allSatisfy({ (0..<world.width).contains($0.x) && (0..<world.height).contains($0.y) })
        else {
            throw EpisodePictureError("\(positions.count) positions, \(actions.count) actions, \(rewards.count) rewards, "
                                      + "problem \(problem), cell \(cell) px: not an episode of this world")
        }
        let layout = world.layout(problem: problem)
        let caption = 22, margin = 4
        let width = world.width * cell + 2 * margin, height = world.height * cell + 2 * margin + 2 * caption
        func origin(_ p: GridPoint) -> (x: Int, y: Int) {
            (margin + p.x * cell, margin + 2 * caption + (world.height - 1 - p.y) * cell)
        }
        var base = Image(width: width, height: height, color: .white)
        // Line colours: helpful lines in palette colours, keyed by their source stop; distracting lines grey.
        var lineColor: [GridPoint: Color] = [:]
        if world.kind != .cooking {
            for (i, source) in GridWorld.busSources.enumerated() {
                lineColor[source] = Color.palette[i]
                if case .bus(let destination)? = layout[source] { lineColor[destination] = Color.palette[i] }
            }
            if world.kind == .distractingBus {
                for source in GridWorld.distractingSources {
                    lineColor[source] = distractingColor
                    if case .bus(let destination)? = layout[source] { lineColor[destination] = distractingColor }
                }
            }
        }
        for x in 0..<world.width {
            for y in 0..<world.height {
                let p = GridPoint(x, y), o = origin(p)
                base.strokeRect(x: o.x, y: o.y, width: cell + 1, height: cell + 1, .lightGray)
                switch layout[p] {
                case .bus?:
                    let c = lineColor[p] ?? distractingColor
                    base.fillRect(x: o.x + 3, y: o.y + 3, width: cell - 5, height: cell - 5, c)
                case .bowl?:
                    base.fillRect(x: o.x + 3, y: o.y + 3, width: cell - 5, height: cell - 5, distractingColor)
                case .drawer(let ingredient)?:
                    base.fillRect(x: o.x + 3, y: o.y + 3, width: cell - 5, height: cell - 5, Color.palette[ingredient % Color.palette.count])
                case nil:
                    break
                }
            }
        }
        if world.kind == .map {
            let o = origin(GridWorld.mapCell)
            base.fillRect(x: o.x + 3, y: o.y + 3, width: cell - 5, height: cell - 5, mapColor)
        }
        var recipe = ""
        if let instruction, instruction.count == 2 {
            if world.kind == .cooking {
                recipe = " recipe \(instruction[0]),\(instruction[1])"
            } else {
                let o = origin(GridPoint(instruction[0], instruction[1]))
                for k in 0..<3 { base.strokeRect(x: o.x + k, y: o.y + k, width: cell + 1 - 2 * k, height: cell + 1 - 2 * k, goalColor) }
            }
        }
        var frames: [Image] = []
        var total = 0.0
        for t in 0..<positions.count {
            var image = base
            for s in 0..<t {
                let a = origin(positions[s]), b = origin(positions[s + 1])
                image.drawLine(x0: a.x + cell / 2, y0: a.y + cell / 2, x1: b.x + cell / 2, y1: b.y + cell / 2, pathColor,
                               thickness: 2)
            }
            let o = origin(positions[t])
            image.fillRect(x: o.x + cell / 4, y: o.y + cell / 4, width: cell / 2 + 1, height: cell / 2 + 1, agentColor)
            if t > 0 { total += rewards[t - 1] }
            image.drawText("\(phase.uppercased()) \(t)/\(actions.count)\(recipe)", x: margin, y: 3)
            let last = t > 0 ? String(format: "%@ r=%.2f", "\(actions[t - 1])", rewards[t - 1]) : "start"
            image.drawText("\(last) sum=\(String(format: "%.2f", total))", x: margin, y: 3 + caption / 2 + 2)
            frames.append(image)
        }
        return frames
    }

    /// Writes `<name>-NNN.png` per frame and `<name>.gif` (0.5 s per frame) into `folder`.
    public static func write(_ frames: [Image], name: String, to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (k, frame) in frames.enumerated() {
            try PNG.write(frame, to: folder.appendingPathComponent(String(format: "%@-%03d.png", name, k)))
        }
        try GIF.write(frames, to: folder.appendingPathComponent("\(name).gif"), delay: 50)
    }
}
