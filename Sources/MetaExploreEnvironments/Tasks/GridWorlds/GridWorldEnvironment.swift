import MetaExploreRandom

/// A DREAM grid world as a Gymnasium-style `TaskEnvironment`: `DistractingBus-v0`, `Map-v0`, `Cooking-v0`.
///
/// - Task: the problem id (`Int`), drawn uniformly from the world's *training* split by `sampleTasks`
///   (`MetaExplorationEnv.create_env`: `split[randint(len(split))]`); `testTasks` is the authors' test split.
/// - Actions: `Space.discrete(9)` (see `GridAction`). Observations: the authors' integer encoding as `Double`s
///   (`GridWorld.observation`): (x, y, status), + map value, or + inventory and bowl for cooking.
/// - Each episode carries an *instruction* (goal corner or recipe), drawn at `reset` from the environment's
///   stream as the authors' instruction wrapper does, or given by the reset options `instruction_0`,
///   `instruction_1`. It is not part of the observation (an exploration policy must not see it); an
///   exploitation policy reads `instruction` or the `info` keys `instruction_0`, `instruction_1`.
/// - Rewards are the instruction's rewards (`GridWorld.step`), computed in every episode: in a DREAM trial the
///   exploration episode's rewards are observed but do not count, and reaching the hidden goal (or finishing the
///   hidden recipe) still ends it, as in the authors' `main.py`, which runs the exploration episode inside the
///   instruction wrapper (meta-rl-facts §1, last rule). `GridTrial` runs the two episodes.
/// - `terminated`: goal reached, recipe completed, or `end episode`; `truncated`: the 20-step horizon (the
///   authors' `done` covers both; a learner that follows them treats both as terminal).
public final class GridWorldEnvironment: TaskEnvironment {
    public typealias Task = Int

    public static let distractingBusFamily = "DistractingBus-v0"
    public static let mapFamily = "Map-v0"
    public static let cookingFamily = "Cooking-v0"

    /// The family id of each world.
    public static func family(of kind: GridWorldKind) -> String {
        switch kind {
        case .distractingBus: return distractingBusFamily
        case .map: return mapFamily
        case .cooking: return cookingFamily
        }
    }

    public let world: GridWorld
    public let observationSpace: Box
    public let actionSpace = Space.discrete(Discrete(GridAction.allCases.count))
    public var taskFamily: String { Self.family(of: world.kind) }
    public private(set) var task: Int
    private var pendingTask: Int
    /// The current problem's cells.
    public private(set) var layout: GridLayout
    /// The current episode's instruction (goal (x, y) or recipe (first, second)).
    public private(set) var instruction: [Int]
    /// The current state.
    public private(set) var state: GridState
    /// Instruction draws; reseeded by `reset(seed:)`.
    public private(set) var random = RandomStream(seed: 0)
    private var hasReset = false
    private static let infoKeys = ["instruction_0", "instruction_1"]

    public init(_ kind: GridWorldKind) {
        world = GridWorld(kind)
        observationSpace = Box(low: Array(repeating: 0, count: world.observationCount),
                               high: world.observationHigh.map(Double.init))
        task = world.trainProblems[0]
        pendingTask = task
        layout = world.layout(problem: task)
        instruction = world.instructionDistribution(problem: task)[0].instruction
        state = world.initialState
    }

    /// `make` entry point: the worlds take no options.
    public convenience init(_ kind: GridWorldKind, options: [String: Double]) throws {
        try OptionReader(options).finish(Self.family(of: kind))
        self.init(kind)
    }

    // MARK: Tasks

    public func sampleTasks(_ count: Int, using rng: inout RandomStream) -> [Int] {
        let train = world.trainProblems
        return (0..<count).map { _ in train[rng.int(below: train.count)] }
    }

    /// The authors' test split (every id not in training; map: the same 24; cooking: id 10).
    public var testTasks: [Int] { world.testProblems }

    public func setTask(_ task: Int) throws {
        guard (0..<world.problemCount).contains(task) else {
            throw EnvironmentError.invalidConfiguration(
                "\(taskFamily) problem \(task) is outside 0..<\(world.problemCount)")
        }
        pendingTask = task
    }

    /// The problem id, then (cooking) the drawer contents or (bus worlds) the helpful and distracting permutation
    /// indices.
    public func descriptor(of task: Int) -> [Double] {
        switch world.kind {
        case .cooking: return [Double(task)] + GridWorld.drawerContents(problem: task).map(Double.init)
        default: return [Double(task), Double(task % 24), Double(task / 24)]
        }
    }

    // MARK: Episodes

    public func reset(seed: UInt64?, options: [String: Double]) throws -> (observation: [Double], info: Info) {
        if let seed { random = RandomStream(seed: seed) }
        var remaining = options
        let given = [remaining.removeValue(forKey: "instruction_0"), remaining.removeValue(forKey: "instruction_1")]
        if let unknown = remaining.keys.sorted().first {
            throw EnvironmentError.invalidConfiguration(
                "\(taskFamily) reset option \(unknown) is unknown (known: instruction_0, instruction_1)")
        }
        if task != pendingTask || !hasReset {
            task = pendingTask
            layout = world.layout(problem: task)
        }
        if given[0] != nil || given[1] != nil {
            guard let a = given[0], let b = given[1], let ia = Int(exactly: a), let ib = Int(exactly: b),
                  world.isValidInstruction([ia, ib], problem: task)
            else {
                let text = given.map { $0.map { String($0) } ?? "missing" }.joined(separator: ", ")
                throw EnvironmentError.invalidConfiguration(
                    "\(taskFamily): (\(text)) is not an instruction of problem \(task)")
            }
            instruction = [ia, ib]
        } else {
            instruction = world.sampleInstruction(problem: task, using: &random)
        }
        state = world.initialState
        hasReset = true
        return (world.observation(state, problem: task, layout: layout), instructionInfo)
    }

    public func step(_ action: [Double]) throws -> StepResult {
        guard hasReset else { throw EnvironmentError.needsReset("Call reset() before step().") }
        try actionSpace.validate(action)
        let outcome = world.step(state, GridAction(rawValue: Int(action[0]))!, layout: layout,
                                 instruction: instruction)
        state = outcome.state
        return StepResult(observation: world.observation(state, problem: task, layout: layout),
                          reward: outcome.reward, terminated: outcome.terminated, truncated: outcome.truncated,
                          info: instructionInfo)
    }

    /// Steps with a typed action.
    public func step(_ action: GridAction) throws -> StepResult { try step([Double(action.rawValue)]) }

    /// Puts the episode in `state` without checks (tests and analysis); counts as a reset. Returns the observation.
    @discardableResult
    public func setStateUnchecked(_ state: GridState, instruction: [Int]? = nil) -> [Double] {
        if !hasReset || task != pendingTask {
            task = pendingTask
            layout = world.layout(problem: task)
        }
        if let instruction { self.instruction = instruction }
        self.state = state
        hasReset = true
        return world.observation(state, problem: task, layout: layout)
    }

    private var instructionInfo: Info {
        Info(keys: Self.infoKeys, values: instruction.map(Double.init))
    }
}
