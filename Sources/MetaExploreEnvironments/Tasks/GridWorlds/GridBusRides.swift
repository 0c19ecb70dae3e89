/// What an episode on a bus world (distracting bus, map) did with the buses and the map cell: DREAM's claim about its
/// explorer is that it rides the helpful lines and ignores the distracting (grey) ones, and on the map world that it
/// reads the map.
///
/// A `rideBus` counts by the cell it is taken on: a stop of a helpful line (`GridWorld.busSources` and
/// `busDestinations`, the same cells in every problem: only which source joins which destination changes), a stop of a
/// distracting line (`distractingSources`, `distractingDestinations`; distracting-bus world only), or any other cell,
/// where the action does nothing but cost a step.
public struct GridBusRides: Equatable, Sendable, CustomStringConvertible {
    public var helpful = 0
    public var distracting = 0
    public var offStop = 0
    /// Steps that end on the map cell (map world only).
    public var mapCellVisits = 0

    public init(helpful: Int = 0, distracting: Int = 0, offStop: Int = 0, mapCellVisits: Int = 0) {
        self.helpful = helpful
        self.distracting = distracting
        self.offStop = offStop
        self.mapCellVisits = mapCellVisits
    }

    /// Counts an episode given as `positions` (the start, then the position after each step: one more entry than
    /// `actions`). Cooking has no buses: everything counts zero.
    public init(world: GridWorld, positions: [GridPoint], actions: [GridAction]) {
        guard world.kind != .cooking else { return }
        let helpfulStops = Set(GridWorld.busSources + GridWorld.busDestinations)
        let distractingStops = world.kind == .distractingBus
            ? Set(GridWorld.distractingSources + GridWorld.distractingDestinations) : []
        for (i, action) in actions.enumerated() where i < positions.count {
            if action == .rideBus {
                if helpfulStops.contains(positions[i]) { helpful += 1 }
                else if distractingStops.contains(positions[i]) { distracting += 1 }
                else { offStop += 1 }
            }
            if world.kind == .map, i + 1 < positions.count, positions[i + 1] == GridWorld.mapCell { mapCellVisits += 1 }
        }
    }

    public static func + (a: GridBusRides, b: GridBusRides) -> GridBusRides {
        GridBusRides(helpful: a.helpful + b.helpful, distracting: a.distracting + b.distracting,
                     offStop: a.offStop + b.offStop, mapCellVisits: a.mapCellVisits + b.mapCellVisits)
    }

    public var description: String {
        "rides: helpful \(helpful), distracting \(distracting), off-stop \(offStop); map cell \(mapCellVisits)"
    }
}
