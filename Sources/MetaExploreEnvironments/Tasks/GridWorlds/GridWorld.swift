import MetaExploreRandom

// The grid worlds of DREAM (Liu, Raghunathan, Liang & Finn, ICML 2021): distracting bus, map and cooking.
//
// Anchor: the authors' code, `ezliu/dream` (commit d52204c): `envs/grid.py` (actions, objects, stepping),
// `envs/city.py` (buses, goals, splits, the map), `envs/cooking.py` (kitchen, recipes, subgoal rewards),
// `meta_exploration.py` (instruction wrapper: rewards computed after every step, episode end), `main.py` and
// `wrappers.py` (how the trial's two episodes are run). Facts files: `/work/shared/docs/reference-facts.md`
// ("DREAM") and `/work/shared/docs/meta-rl-facts.md` (§1 "Grid rules as coded"). Each rule below names its line.

/// The nine grid actions, in the authors' order (`grid.py`, `class Action`: left 0, up 1, right 2, down 3, noop 4,
/// ride_bus 5, end_episode 6, pickup 7, drop 8; reference-facts "Grid actions (9)").
public enum GridAction: Int, CaseIterable, Sendable {
    case left = 0, up, right, down, noop, rideBus, endEpisode, pickUp, drop
}

/// A cell of the grid (x, y), x to the right, y up (`grid.py`: `up` is y + 1, `down` is y − 1).
public struct GridPoint: Hashable, Sendable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public init(_ x: Int, _ y: Int) { self.x = x; self.y = y }
    public var description: String { "(\(x), \(y))" }
    /// Manhattan distance.
    public func distance(to p: GridPoint) -> Int { abs(x - p.x) + abs(y - p.y) }
}

/// What can stand on a cell (`grid.py`: `Bus`, `Bowl`, `Drawer`, registered in that order in `all_objects`).
public enum GridCell: Equatable, Sendable {
    /// `ride bus` moves the agent to `destination` (every stop of a two-way line is itself a bus back).
    case bus(destination: GridPoint)
    /// The cooking bowl: 3 slots, filled in order, never emptied within an episode.
    case bowl
    /// A drawer (the paper's fridge) holding an endless supply of one ingredient.
    case drawer(ingredient: Int)

    /// The observed status: 1 + the object's index in `all_objects` (`grid.py`, `_gen_obs`): bus 1, bowl 2,
    /// drawer 3; an empty cell is 0. (`cooking.py`'s docstring says drawer 2 and bowl 3; the code gives bowl 2 and
    /// drawer 3, which is what is implemented.) Every stop shows the same status 1 (meta-rl-facts §1).
    public var status: Int {
        switch self {
        case .bus: return 1
        case .bowl: return 2
        case .drawer: return 3
        }
    }
}

/// The three DREAM grid worlds.
public enum GridWorldKind: String, CaseIterable, Sendable, Codable {
    /// `city.DistractionGridEnv`: 9×9, 4 helpful + 4 distracting two-way buses, 576 problems.
    case distractingBus
    /// `city.MapGridEnv`: the 4-bus city (24 problems) plus a map cell at (7, 3) that shows the problem.
    case map
    /// `cooking.CookingGridEnv`: 3×3 kitchen, 3 drawers with one of 4 ingredients each, 64 problems.
    case cooking
}

/// The full state of a grid episode (what the planner and `setStateUnchecked` work with).
///
/// `inventory` and the bowl slots use −1 for "nothing"; `stage` is the cooking recipe's progress (0: pick the
/// first ingredient, 1: place it, 2: pick the second, 3: place it; `cooking.py`'s wrapper counter `_step`);
/// `steps` counts the steps taken in this episode.
public struct GridState: Hashable, Sendable {
    public var x: Int
    public var y: Int
    public var inventory: Int
    public var bowl: (Int, Int, Int)
    public var stage: Int
    public var steps: Int

    public init(x: Int, y: Int, inventory: Int = -1, bowl: (Int, Int, Int) = (-1, -1, -1), stage: Int = 0,
                steps: Int = 0) {
        self.x = x
        self.y = y
        self.inventory = inventory
        self.bowl = bowl
        self.stage = stage
        self.steps = steps
    }

    public var position: GridPoint { GridPoint(x, y) }
    public var bowlSlots: [Int] { [bowl.0, bowl.1, bowl.2] }

    public static func == (a: GridState, b: GridState) -> Bool { a.packed == b.packed }
    public func hash(into hasher: inout Hasher) { hasher.combine(packed) }

    /// The state in one integer (x, y < 16; inventory and bowl in −1...6; stage < 8; steps < 64).
    public var packed: UInt64 {
        var k = UInt64(x) | UInt64(y) << 4
        k |= UInt64(inventory + 1) << 8 | UInt64(bowl.0 + 1) << 12 | UInt64(bowl.1 + 1) << 16
        k |= UInt64(bowl.2 + 1) << 20 | UInt64(stage) << 24 | UInt64(steps) << 28
        return k
    }
}

/// The result of one step of the rules.
public struct GridOutcome: Sendable {
    public var state: GridState
    /// The instruction's reward for this step (exploitation reward; observed but not counted in exploration).
    public var reward: Double
    /// The episode ended by a rule: goal reached, recipe completed, or `end episode`.
    public var terminated: Bool
    /// The episode reached the 20-step horizon (the authors treat it as `done` too).
    public var truncated: Bool
    public var done: Bool { terminated || truncated }
}

/// The cells of one problem: a flat array indexed by x·height + y.
public struct GridLayout: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [GridCell?]

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        cells = Array(repeating: nil, count: width * height)
    }

    public subscript(_ p: GridPoint) -> GridCell? {
        get { cells[p.x * height + p.y] }
        set {
            precondition(cells[p.x * height + p.y] == nil, "two objects on \(p)")  // `grid.py` `place` refuses
            cells[p.x * height + p.y] = newValue
        }
    }
}

/// The definition of one DREAM grid world: geometry, problems and their splits, instructions, observation
/// encoding and the step rules, as pure functions (the environment, the trial runner and the planner share them).
public struct GridWorld: Sendable {
    public let kind: GridWorldKind

    public init(_ kind: GridWorldKind) { self.kind = kind }

    // MARK: Geometry and constants

    /// Episode length: `GridEnv(max_steps=20)` (reference-facts "each at most 20 steps").
    public static let horizon = 20
    /// Reward of every step that pays nothing else (`city.py` / `cooking.py` `_reward`: −0.1).
    public static let stepReward = -0.1
    /// Reaching the goal (`city.py`: reward 1, episode done).
    public static let goalReward = 1.0
    /// A completed cooking subgoal (`cooking.py`: reward 0.25).
    public static let subgoalReward = 0.25
    /// A wrong pickup or undoing a placed-ingredient stage (`cooking.py`: −0.1 − 0.25 = −0.35).
    public static let wrongPickupReward = -0.35
    /// Number of ingredients in cooking (`CookingGridEnv._num_ingredients = 4`).
    public static let ingredientCount = 4
    /// Bowl capacity (`Bowl(capacity=3)`).
    public static let bowlCapacity = 3

    public var width: Int { kind == .cooking ? 3 : 9 }
    public var height: Int { kind == .cooking ? 3 : 9 }

    /// Start cell: (4, 4) in the city (`CityGridEnv._place_objects`), (1, 1) in the kitchen (`GridEnv` default,
    /// which is also the bowl's cell).
    public var start: GridPoint { kind == .cooking ? GridPoint(1, 1) : GridPoint(4, 4) }

    /// Helpful bus stops in the authors' order (`CityGridEnv._bus_sources`).
    public static let busSources = [GridPoint(4, 5), GridPoint(5, 4), GridPoint(3, 4), GridPoint(4, 3)]
    /// Helpful destinations, one step from a corner (`CityGridEnv._destinations`).
    public static let busDestinations = [GridPoint(0, 1), GridPoint(0, 7), GridPoint(8, 1), GridPoint(8, 7)]
    /// Distracting stops (`DistractionGridEnv._useless_bus_sources`).
    public static let distractingSources = [GridPoint(5, 5), GridPoint(3, 3), GridPoint(3, 5), GridPoint(5, 3)]
    /// Distracting destinations, edge midpoints (`_useless_destinations`).
    public static let distractingDestinations = [GridPoint(0, 4), GridPoint(4, 0), GridPoint(8, 4), GridPoint(4, 8)]
    /// Goals in the authors' order (`city.InstructionWrapper._generate_instructions`).
    public static let goals = [GridPoint(0, 0), GridPoint(8, 8), GridPoint(0, 8), GridPoint(8, 0)]
    /// The map cell (`MapGridEnv._map_pos`).
    public static let mapCell = GridPoint(7, 3)
    /// The bowl (`CookingGridEnv._bowl_pos`).
    public static let bowlCell = GridPoint(1, 1)
    /// The drawers in the authors' order (`CookingGridEnv._drawers`).
    public static let drawers = [GridPoint(2, 0), GridPoint(2, 1), GridPoint(2, 2)]

    /// The 24 permutations of 0..<4 in `itertools.permutations` order (lexicographic).
    public static let permutations: [[Int]] = {
        var result: [[Int]] = []
        func extend(_ prefix: [Int]) {
            if prefix.count == 4 { result.append(prefix); return }
            for i in 0..<4 where !prefix.contains(i) { extend(prefix + [i]) }
        }
        extend([])
        return result
    }()

    // MARK: Problems and splits

    /// Number of problems: 24 × 24 = 576 (distracting bus), 24 (map: `MapGridEnv` is a `CityGridEnv`, whose ids
    /// are the 24 bus permutations), 4³ = 64 (cooking).
    public var problemCount: Int {
        switch kind {
        case .distractingBus: return 576
        case .map: return 24
        case .cooking: return 64
        }
    }

    /// Training problems: every 11th id, 0, 11, …, 572 (53 ids; `DistractionGridEnv.env_ids`); map: all 24
    /// (`CityGridEnv.env_ids` returns the same ids twice); cooking: every id but 10 (`CookingGridEnv.env_ids`).
    public var trainProblems: [Int] {
        switch kind {
        case .distractingBus: return Array(stride(from: 0, to: 576, by: 11))
        case .map: return Array(0..<24)
        case .cooking: return (0..<64).filter { $0 != 10 }
        }
    }

    /// Test problems: the other 523 ids (distracting bus), the same 24 (map), the single id 10 (cooking).
    public var testProblems: [Int] {
        switch kind {
        case .distractingBus: return (0..<576).filter { $0 % 11 != 0 }
        case .map: return Array(0..<24)
        case .cooking: return [10]
        }
    }

    /// The ingredient in each drawer: the id's base-4 digits, least significant first (`drawer_contents`).
    public static func drawerContents(problem: Int) -> [Int] {
        [problem % 4, (problem / 4) % 4, (problem / 16) % 4]
    }

    /// The cells of `problem`.
    ///
    /// City (`CityGridEnv._place_objects`): helpful permutation `problem % 24`; helpful stop i goes to
    /// destination `perm[i]` and a bus at that destination comes back (two-way). Distracting bus
    /// (`DistractionGridEnv._place_objects`): distracting permutation `problem / 24`, two-way likewise.
    /// Kitchen: the bowl at (1, 1) and drawer i holding `drawerContents[i]`.
    public func layout(problem: Int) -> GridLayout {
        precondition((0..<problemCount).contains(problem), "problem \(problem) outside 0..<\(problemCount)")
        var layout = GridLayout(width: width, height: height)
        switch kind {
        case .distractingBus, .map:
            let helpful = Self.permutations[problem % 24]
            for (i, source) in Self.busSources.enumerated() {
                let destination = Self.busDestinations[helpful[i]]
                layout[source] = .bus(destination: destination)
                layout[destination] = .bus(destination: source)
            }
            if kind == .distractingBus {
                let distracting = Self.permutations[problem / 24]
                for (i, source) in Self.distractingSources.enumerated() {
                    let destination = Self.distractingDestinations[distracting[i]]
                    layout[source] = .bus(destination: destination)
                    layout[destination] = .bus(destination: source)
                }
            }
        case .cooking:
            layout[Self.bowlCell] = .bowl
            for (i, ingredient) in Self.drawerContents(problem: problem).enumerated() {
                layout[Self.drawers[i]] = .drawer(ingredient: ingredient)
            }
        }
        return layout
    }

    // MARK: Instructions

    /// Number of instruction components: a goal (x, y) or a recipe (first, second).
    public static let instructionCount = 2

    /// The instructions of `problem` with their probabilities.
    ///
    /// Bus worlds: one of the four corner goals uniformly, independent of the problem (`randint(4)`). Cooking:
    /// `random.choice(drawer_contents, size=(2,))`, two independent uniform draws over the three *drawers*, so an
    /// ingredient in two drawers is twice as likely (meta-rl-facts §1: "a cooking recipe is two draws from the
    /// drawers' contents"); the two may be equal.
    public func instructionDistribution(problem: Int) -> [(instruction: [Int], probability: Double)] {
        switch kind {
        case .distractingBus, .map:
            return Self.goals.map { ([$0.x, $0.y], 0.25) }
        case .cooking:
            let contents = Self.drawerContents(problem: problem)
            var result: [(instruction: [Int], probability: Double)] = []
            for a in contents {
                for b in contents {
                    if let i = result.firstIndex(where: { $0.instruction == [a, b] }) {
                        result[i].probability += 1.0 / 9
                    } else {
                        result.append(([a, b], 1.0 / 9))
                    }
                }
            }
            return result
        }
    }

    /// Draws an instruction as the authors' wrapper does (bus: a goal index; cooking: two drawer indices).
    public func sampleInstruction(problem: Int, using rng: inout RandomStream) -> [Int] {
        switch kind {
        case .distractingBus, .map:
            let g = Self.goals[rng.int(below: 4)]
            return [g.x, g.y]
        case .cooking:
            let contents = Self.drawerContents(problem: problem)
            let a = contents[rng.int(below: 3)]
            return [a, contents[rng.int(below: 3)]]
        }
    }

    /// True when `instruction` can be drawn for `problem`.
    public func isValidInstruction(_ instruction: [Int], problem: Int) -> Bool {
        instructionDistribution(problem: problem).contains { $0.instruction == instruction }
    }

    /// Upper bounds (inclusive) of the instruction components: goal (8, 8); recipe (3, 3).
    public var instructionHigh: [Int] { kind == .cooking ? [3, 3] : [8, 8] }

    // MARK: Observations

    /// Observation components: (x, y, status) in the city (`GridEnv._gen_obs`); map adds one (0, or problem + 1
    /// on the map cell: `MapGridEnv._gen_obs`); cooking adds the inventory and the 3 bowl slots, 4 meaning empty
    /// (`CookingGridEnv._gen_obs`: [x, y, status, inventory, bowl₁, bowl₂, bowl₃]).
    public var observationCount: Int {
        switch kind {
        case .distractingBus: return 3
        case .map: return 4
        case .cooking: return 7
        }
    }

    /// Inclusive upper bounds of the observation components (the authors' exclusive `high` minus 1).
    public var observationHigh: [Int] {
        switch kind {
        case .distractingBus: return [8, 8, 3]
        case .map: return [8, 8, 3, 24]
        case .cooking: return [2, 2, 3, 4, 4, 4, 4]
        }
    }

    public var initialState: GridState {
        GridState(x: start.x, y: start.y)
    }

    /// The observation of `state` in `problem`.
    public func observation(_ state: GridState, problem: Int, layout: GridLayout) -> [Double] {
        let status = layout[state.position]?.status ?? 0
        switch kind {
        case .distractingBus:
            return [Double(state.x), Double(state.y), Double(status)]
        case .map:
            let map = state.position == Self.mapCell ? problem + 1 : 0
            return [Double(state.x), Double(state.y), Double(status), Double(map)]
        case .cooking:
            func code(_ v: Int) -> Double { Double(v < 0 ? Self.ingredientCount : v) }
            return [Double(state.x), Double(state.y), Double(status), code(state.inventory), code(state.bowl.0),
                    code(state.bowl.1), code(state.bowl.2)]
        }
    }

    // MARK: Rules

    /// One step of the rules (`GridEnv._step`, then the instruction wrapper's `_reward`).
    ///
    /// Dynamics (`grid.py`): the object is the one under the agent *before* the action. Moves change x or y and
    /// are clamped to the grid. `ride bus` on a stop moves to its destination; anywhere else (an empty cell, the
    /// bowl, a drawer) it does nothing but costs the step (meta-rl-facts §1). `pick up` on a drawer replaces
    /// whatever is held by its ingredient; on the bowl or a stop it empties the hand (the item is lost); on an
    /// empty cell nothing changes. `drop` always empties the hand; on the bowl the item goes to the first empty slot
    /// and into a full bowl it is lost; elsewhere it is lost. `end episode` ends at once.
    ///
    /// Rewards (`city.py`): −0.1 per step; +1 when the agent stands on the goal after the step (episode done);
    /// otherwise `end episode` costs −0.1 − 0.1 × (steps remaining), which equals idling to the horizon
    /// (meta-rl-facts §1). Cooking (`cooking.py`), stage machine evaluated after the step:
    /// - stage 0 (pick first): holding the first ingredient → +0.25, stage 1; else a `pick up` → −0.35 (even on an
    ///   empty cell, or a drawer of another ingredient); else −0.1.
    /// - stage 1 (place first): bowl slot 1 holds the first ingredient → +0.25, stage 2; else no longer holding it
    ///   (dropped outside, or lost on the bowl/stop by a pickup, or replaced) → −0.35, back to stage 0; else −0.1.
    /// - stage 2 / 3: the same with the second ingredient and bowl slots 1–2 (stage 3's success ends the episode).
    /// - `end episode` adds −0.1 × (steps remaining) in every world.
    /// The horizon: the episode is done when 20 steps have been taken (`done = steps == max_steps`).
    public func step(_ state: GridState, _ action: GridAction, layout: GridLayout,
                     instruction: [Int]) -> GridOutcome {
        var s = state
        s.steps += 1
        let object = layout[state.position]
        var endedByAction = false
        switch action {
        case .left: s.x -= 1
        case .up: s.y += 1
        case .right: s.x += 1
        case .down: s.y -= 1
        case .noop: break
        case .endEpisode: endedByAction = true
        case .rideBus:
            if case let .bus(destination)? = object { s.x = destination.x; s.y = destination.y }
        case .pickUp:
            if let object {
                if case let .drawer(ingredient) = object { s.inventory = ingredient } else { s.inventory = -1 }
            }
        case .drop:
            if object == .bowl, s.inventory >= 0 {
                if s.bowl.0 < 0 { s.bowl.0 = s.inventory }
                else if s.bowl.1 < 0 { s.bowl.1 = s.inventory }
                else if s.bowl.2 < 0 { s.bowl.2 = s.inventory }
            }
            s.inventory = -1
        }
        s.x = Swift.max(0, Swift.min(s.x, width - 1))
        s.y = Swift.max(0, Swift.min(s.y, height - 1))
        let remaining = Self.horizon - s.steps

        var reward = Self.stepReward
        var completed = false
        switch kind {
        case .distractingBus, .map:
            if s.x == instruction[0] && s.y == instruction[1] {
                reward = Self.goalReward
                completed = true
            } else if action == .endEpisode {
                reward -= Double(remaining) * 0.1
            }
        case .cooking:
            let first = instruction[0], second = instruction[1]
            switch s.stage {
            case 0:
                if s.inventory == first { s.stage = 1; reward = Self.subgoalReward }
                else if action == .pickUp { reward = Self.wrongPickupReward }
            case 1:
                if s.bowl.0 == first { s.stage = 2; reward = Self.subgoalReward }
                else if s.inventory != first { s.stage = 0; reward = Self.wrongPickupReward }
            case 2:
                if s.inventory == second { s.stage = 3; reward = Self.subgoalReward }
                else if action == .pickUp { reward = Self.wrongPickupReward }
            default:
                if s.bowl.0 == first && s.bowl.1 == second { reward = Self.subgoalReward; completed = true }
                else if s.inventory != second { s.stage = 2; reward = Self.wrongPickupReward }
            }
            if action == .endEpisode { reward -= Double(remaining) * 0.1 }
        }
        return GridOutcome(state: s, reward: reward, terminated: completed || endedByAction,
                           truncated: !(completed || endedByAction) && s.steps >= Self.horizon)
    }

    /// True when the outcome of `action` from `state` can depend on the problem (the planner's shortcut): riding
    /// or picking up on an occupied cell, or (map) arriving on the map cell. Everything else is the same in
    /// every problem of the world.
    public func outcomeDependsOnProblem(_ state: GridState, _ action: GridAction) -> Bool {
        switch kind {
        case .distractingBus:
            return action == .rideBus
        case .map:
            if action == .rideBus { return true }
            var p = state.position
            switch action {
            case .left: p.x -= 1
            case .right: p.x += 1
            case .up: p.y += 1
            case .down: p.y -= 1
            default: break
            }
            p.x = Swift.max(0, Swift.min(p.x, width - 1))
            p.y = Swift.max(0, Swift.min(p.y, height - 1))
            return p == Self.mapCell
        case .cooking:
            return action == .pickUp
        }
    }
}
