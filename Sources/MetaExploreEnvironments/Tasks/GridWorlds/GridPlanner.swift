/// Exact planning in the DREAM grid worlds: the references that learning curves are read against.
///
/// - `informedOptimum`: the best expected exploitation return when the problem *and* the instruction are known
///   (the ceiling a perfect explorer + exploiter reaches), averaged uniformly over the split's problems and over
///   each problem's instruction distribution.
/// - `uninformedOptimum`: the best expected exploitation return of a policy that sees the instruction and its own
///   observations but not the problem, knowing only the split's prior (uniform over its ids, as the authors'
///   `create_env` draws). It is the Bayes-optimal policy without an exploration episode: it may still gather
///   information *during* the exploitation episode (ride a bus to see where it goes, open a drawer, read the map)
///   when that pays. The exploration episode is worth the gap between the two.
///
/// Both are computed by exhaustive search over the deterministic rules of `GridWorld.step` (expectimax over the
/// belief: the set of problems consistent with what has been observed, weighted by prior × probability of the
/// instruction), with memoization; nothing is hard-coded. Cooking problems are first merged into classes that the
/// rules cannot tell apart once the recipe is fixed (every ingredient not in the recipe behaves alike), which is
/// exact and keeps the search small.
public enum GridPlanner {
    /// Best exploitation return for a known problem and instruction.
    public static func informedValue(_ world: GridWorld, problem: Int, instruction: [Int]) -> Double {
        if world.kind == .cooking {
            let (layout, canonical) = canonicalKitchen(problem: problem, instruction: instruction)
            var solver = BeliefSolver(world: world, layouts: [layout], tags: [problem], weights: [1],
                                      instruction: canonical)
            return solver.value(world.initialState, belief: solver.fullBelief)
        }
        return informedBusValue(world, layout: world.layout(problem: problem), instruction: instruction)
    }

    /// `informedValue` averaged over `problems` (uniformly) and each problem's instructions.
    public static func informedOptimum(_ world: GridWorld, problems: [Int]) -> Double {
        var total = 0.0
        for p in problems {
            for (instruction, probability) in world.instructionDistribution(problem: p) {
                total += probability * informedValue(world, problem: p, instruction: instruction)
            }
        }
        return total / Double(problems.count)
    }

    /// The Bayes-optimal exploitation return without exploration, under the uniform prior over `problems`.
    public static func uninformedOptimum(_ world: GridWorld, problems: [Int]) -> Double {
        precondition(!problems.isEmpty, "uninformedOptimum needs problems")
        // Joint weights of (instruction, problem): prior 1/|split| × P(instruction | problem).
        var byInstruction: [[Int]: [(problem: Int, weight: Double)]] = [:]
        for p in problems {
            for (instruction, probability) in world.instructionDistribution(problem: p) {
                byInstruction[instruction, default: []].append((p, probability / Double(problems.count)))
            }
        }
        var total = 0.0
        for instruction in byInstruction.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let members = byInstruction[instruction]!
            let mass = members.reduce(0) { $0 + $1.weight }
            var layouts: [GridLayout] = [], tags: [Int] = [], weights: [Double] = []
            var canonicalInstruction = instruction
            if world.kind == .cooking {
                // Merge problems that the rules cannot distinguish under this recipe.
                var index: [GridLayout: Int] = [:]
                for (p, w) in members {
                    let (layout, canonical) = canonicalKitchen(problem: p, instruction: instruction)
                    canonicalInstruction = canonical
                    if let i = index[layout] { weights[i] += w } else {
                        index[layout] = layouts.count
                        layouts.append(layout); tags.append(p); weights.append(w)
                    }
                }
            } else {
                for (p, w) in members {
                    layouts.append(world.layout(problem: p)); tags.append(p); weights.append(w)
                }
            }
            var solver = BeliefSolver(world: world, layouts: layouts, tags: tags, weights: weights,
                                      instruction: canonicalInstruction)
            total += mass * solver.value(world.initialState, belief: solver.fullBelief)
        }
        return total
    }

    // MARK: Informed bus worlds: backward induction over (x, y, steps)

    static func informedBusValue(_ world: GridWorld, layout: GridLayout, instruction: [Int]) -> Double {
        let w = world.width, h = world.height, horizon = GridWorld.horizon
        // value[steps][x·h + y]: best return from a state with `steps` taken; value[horizon] = 0.
        var next = [Double](repeating: 0, count: w * h)
        var current = next
        for steps in stride(from: horizon - 1, through: 0, by: -1) {
            for x in 0..<w {
                for y in 0..<h {
                    let s = GridState(x: x, y: y, steps: steps)
                    var best = -Double.infinity
                    for a in GridAction.allCases {
                        let o = world.step(s, a, layout: layout, instruction: instruction)
                        let v = o.reward + (o.done ? 0 : next[o.state.x * h + o.state.y])
                        best = Swift.max(best, v)
                    }
                    current[x * h + y] = best
                }
            }
            swap(&current, &next)
        }
        return next[world.start.x * h + world.start.y]
    }

    // MARK: Cooking classes

    /// The kitchen of `problem` relabelled for `instruction`: the first ingredient becomes 0, the second 1 (0 if
    /// the same), every other ingredient 2. Rewards only compare held and placed items with the recipe, so the
    /// relabelled kitchen has exactly the same returns.
    static func canonicalKitchen(problem: Int, instruction: [Int]) -> (GridLayout, [Int]) {
        func label(_ ingredient: Int) -> Int {
            ingredient == instruction[0] ? 0 : ingredient == instruction[1] ? 1 : 2
        }
        var layout = GridLayout(width: 3, height: 3)
        layout[GridWorld.bowlCell] = .bowl
        for (i, ingredient) in GridWorld.drawerContents(problem: problem).enumerated() {
            layout[GridWorld.drawers[i]] = .drawer(ingredient: label(ingredient))
        }
        return (layout, [0, label(instruction[1])])
    }
}

extension GridLayout: Hashable {
    public func hash(into hasher: inout Hasher) {
        for cell in cells {
            switch cell {
            case nil: hasher.combine(0)
            case let .bus(d)?: hasher.combine(1); hasher.combine(d)
            case .bowl?: hasher.combine(2)
            case let .drawer(i)?: hasher.combine(3); hasher.combine(i)
            }
        }
    }
}

/// Expectimax over beliefs (sets of candidate problems) for a fixed instruction.
///
/// Beliefs are interned (a bit set ↦ a small id), the memo is keyed by (packed state, belief id), and the split of
/// a belief by a problem-dependent action is cached per (state without its step count, action, belief), since it
/// does not depend on the time.
struct BeliefSolver {
    let world: GridWorld
    let layouts: [GridLayout]
    /// Problem ids (what the map cell shows); for merged cooking classes, one representative.
    let tags: [Int]
    let weights: [Double]
    let instruction: [Int]
    private var memo: [UInt64: Double] = [:]
    private var beliefIDs: [[UInt64]: Int] = [:]
    private var beliefMembers: [[Int]] = []
    private var splits: [SplitKey: [(representative: Int, belief: Int, fraction: Double)]] = [:]

    private struct SplitKey: Hashable {
        var state: UInt64
        var action: Int
        var belief: Int
    }

    init(world: GridWorld, layouts: [GridLayout], tags: [Int], weights: [Double], instruction: [Int]) {
        self.world = world
        self.layouts = layouts
        self.tags = tags
        self.weights = weights
        self.instruction = instruction
    }

    /// The id of the belief holding every candidate.
    var fullBelief: Int {
        mutating get {
            var bits = [UInt64](repeating: 0, count: (layouts.count + 63) / 64)
            for i in layouts.indices { bits[i >> 6] |= 1 << UInt64(i & 63) }
            return intern(bits)
        }
    }

    private mutating func intern(_ bits: [UInt64]) -> Int {
        if let id = beliefIDs[bits] { return id }
        var list: [Int] = []
        for (w, word) in bits.enumerated() {
            var b = word
            while b != 0 {
                list.append(w * 64 + b.trailingZeroBitCount)
                b &= b - 1
            }
        }
        beliefIDs[bits] = beliefMembers.count
        beliefMembers.append(list)
        return beliefMembers.count - 1
    }

    /// A lower bound on the steps from `p` to the goal: walk there, or walk to the nearest stop, ride, and walk
    /// from the stop nearest the goal.
    private func stepsToGoalLowerBound(_ p: GridPoint) -> Int {
        let goal = GridPoint(instruction[0], instruction[1])
        var stops: [GridPoint] = []
        for x in 0..<world.width {
            for y in 0..<world.height where layouts[0][GridPoint(x, y)] != nil { stops.append(GridPoint(x, y)) }
        }
        guard !stops.isEmpty else { return p.distance(to: goal) }
        let toStop = stops.map { p.distance(to: $0) }.min()!
        let fromStop = stops.map { $0.distance(to: goal) }.min()!
        return Swift.min(p.distance(to: goal), toStop + 1 + fromStop)
    }

    /// Splits `belief` by what the agent observes after `action` (next state, reward, end, map reading).
    private mutating func split(_ state: GridState, _ action: GridAction, belief: Int)
        -> [(representative: Int, belief: Int, fraction: Double)] {
        var timeless = state
        timeless.steps = 0
        let key = SplitKey(state: timeless.packed, action: action.rawValue, belief: belief)
        if let cached = splits[key] { return cached }
        let list = beliefMembers[belief]
        var groups: [(outcome: GridOutcome, reading: Int, weight: Double, bits: [UInt64], representative: Int)] = []
        var total = 0.0
        let words = (layouts.count + 63) / 64
        for i in list {
            let o = world.step(state, action, layout: layouts[i], instruction: instruction)
            let reading = world.kind == .map && o.state.position == GridWorld.mapCell ? tags[i] : -1
            total += weights[i]
            if let g = groups.firstIndex(where: {
                $0.outcome.state == o.state && $0.outcome.reward == o.reward && $0.outcome.terminated == o.terminated
                    && $0.reading == reading
            }) {
                groups[g].weight += weights[i]
                groups[g].bits[i >> 6] |= 1 << UInt64(i & 63)
            } else {
                var bits = [UInt64](repeating: 0, count: words)
                bits[i >> 6] |= 1 << UInt64(i & 63)
                groups.append((o, reading, weights[i], bits, i))
            }
        }
        var result: [(representative: Int, belief: Int, fraction: Double)] = []
        for g in groups { result.append((g.representative, intern(g.bits), g.weight / total)) }
        splits[key] = result
        return result
    }

    /// The best expected return from `state` (not done) given that the problem is in `belief`.
    mutating func value(_ state: GridState, belief: Int) -> Double {
        let key = state.packed | UInt64(belief) << 34
        if let v = memo[key] { return v }
        if world.kind != .cooking, stepsToGoalLowerBound(state.position) > GridWorld.horizon - state.steps {
            // The goal is out of reach: every remaining step pays −0.1 whatever is done (ending early pays the
            // same), so the value is exact without search.
            return GridWorld.stepReward * Double(GridWorld.horizon - state.steps)
        }
        let list = beliefMembers[belief]
        var best = -Double.infinity
        for action in GridAction.allCases {
            var v = 0.0
            if list.count == 1 || !world.outcomeDependsOnProblem(state, action) {
                let o = world.step(state, action, layout: layouts[list[0]], instruction: instruction)
                v = o.reward + (o.done ? 0 : value(o.state, belief: belief))
            } else {
                for g in split(state, action, belief: belief) {
                    let o = world.step(state, action, layout: layouts[g.representative], instruction: instruction)
                    v += g.fraction * (o.reward + (o.done ? 0 : value(o.state, belief: g.belief)))
                }
            }
            best = Swift.max(best, v)
        }
        memo[key] = best
        return best
    }
}
