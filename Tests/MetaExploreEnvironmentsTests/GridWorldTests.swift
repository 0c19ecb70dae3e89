import MetaExploreEnvironments
import MetaExploreRandom
import Testing

/// DREAM's grid worlds: every rule of the authors' code (`ezliu/dream` envs/grid.py, city.py, cooking.py,
/// meta_exploration.py) on constructed situations, the problem counts and splits, trials and the planner's values.
@Suite("DREAM grid worlds") struct GridWorldTests {
    func bus(_ kind: GridWorldKind = .distractingBus, problem: Int, goal: GridPoint = GridPoint(0, 0),
             at p: GridPoint, steps: Int = 0) throws -> GridWorldEnvironment {
        let env = GridWorldEnvironment(kind)
        try env.setTask(problem)
        _ = try env.reset(seed: 0, options: ["instruction_0": Double(goal.x), "instruction_1": Double(goal.y)])
        env.setStateUnchecked(GridState(x: p.x, y: p.y, steps: steps))
        return env
    }

    @Test func countsSplitsAndPermutationOrder() throws {
        let d = GridWorld(.distractingBus), m = GridWorld(.map), c = GridWorld(.cooking)
        #expect(d.problemCount == 576 && m.problemCount == 24 && c.problemCount == 64)
        #expect(d.trainProblems.count == 53 && d.trainProblems.first == 0 && d.trainProblems[1] == 11)
        #expect(d.trainProblems.last == 572 && d.testProblems.count == 523)
        #expect(Set(d.trainProblems).isDisjoint(with: d.testProblems))
        #expect(m.trainProblems == Array(0..<24) && m.testProblems == m.trainProblems)
        #expect(c.testProblems == [10] && c.trainProblems.count == 63 && !c.trainProblems.contains(10))
        #expect(GridWorld.permutations.count == 24 && GridWorld.permutations[0] == [0, 1, 2, 3])
        #expect(GridWorld.permutations[1] == [0, 1, 3, 2] && GridWorld.permutations[23] == [3, 2, 1, 0])
        #expect(GridWorld.drawerContents(problem: 10) == [2, 2, 0])
        // Problem 25: helpful permutation 1 = (0,1,3,2), distracting permutation 1 = (0,1,3,2).
        let layout = d.layout(problem: 25)
        #expect(layout[GridPoint(3, 4)] == .bus(destination: GridPoint(8, 7)))
        #expect(layout[GridPoint(8, 7)] == .bus(destination: GridPoint(3, 4)))
        #expect(layout[GridPoint(3, 5)] == .bus(destination: GridPoint(4, 8)))
        #expect(layout[GridPoint(4, 4)] == nil)
        let env = GridWorldEnvironment(.distractingBus)
        var rng = RandomStream(seed: 3)
        #expect(env.sampleTasks(100, using: &rng).allSatisfy { $0 % 11 == 0 })
        #expect(env.testTasks.count == 523)
        #expect(throws: EnvironmentError.self) { try env.setTask(576) }
    }

    @Test func everyBusRidesBothWaysAndStopsShowStatusOne() throws {
        for problem in [0, 25, 300, 575] {
            let layout = GridWorld(.distractingBus).layout(problem: problem)
            let helpful = GridWorld.permutations[problem % 24], grey = GridWorld.permutations[problem / 24]
            let pairs = Array(zip(GridWorld.busSources, helpful.map { GridWorld.busDestinations[$0] }))
                + Array(zip(GridWorld.distractingSources, grey.map { GridWorld.distractingDestinations[$0] }))
            for (source, destination) in pairs {
                for (from, to) in [(source, destination), (destination, source)] {
                    let env = try bus(problem: problem, at: from)
                    #expect(layout[from]?.status == 1)
                    let r = try env.step(GridAction.rideBus)
                    #expect(r.observation == [Double(to.x), Double(to.y), 1])
                    #expect(r.reward == -0.1 && !r.done)
                }
            }
        }
    }

    @Test func ridingOffAStopDoesNothingButCostsAStep() throws {
        let env = try bus(problem: 0, at: GridPoint(4, 4))
        let r = try env.step(.rideBus)
        #expect(r.observation == [4, 4, 0] && r.reward == -0.1 && env.state.steps == 1)
        // Moves clamp at the border; up is y + 1.
        let edge = try bus(problem: 0, at: GridPoint(0, 2))
        #expect(try edge.step(.left).observation == [0, 2, 0])
        #expect(try edge.step(.up).observation == [0, 3, 0])
    }

    @Test func goalPaysOneAndEndsAndHorizonTruncates() throws {
        let env = try bus(problem: 0, goal: GridPoint(0, 0), at: GridPoint(1, 0))
        let r = try env.step(.left)
        #expect(r.reward == 1 && r.terminated)
        // Problem 0 (identity permutation): the helpful bus at (3,4) goes to (8,1); goal (8,0) is one step away.
        let fast = try bus(problem: 0, goal: GridPoint(8, 0), at: GridPoint(4, 4))
        let rewards = try [GridAction.left, .rideBus, .down].map { try fast.step($0).reward }
        #expect(rewards == [-0.1, -0.1, 1])
        let late = try bus(problem: 0, at: GridPoint(4, 4), steps: 19)
        let last = try late.step(.noop)
        #expect(last.truncated && !last.terminated && last.reward == -0.1)
    }

    @Test func endEpisodePenaltyEqualsIdlingToTheHorizon() throws {
        for k in [0, 5, 19] {
            let ended = try bus(problem: 0, at: GridPoint(4, 4), steps: k)
            let r = try ended.step(.endEpisode)
            #expect(r.terminated)
            let idle = try bus(problem: 0, at: GridPoint(4, 4), steps: k)
            var total = 0.0
            while true { let s = try idle.step(.noop); total += s.reward; if s.done { break } }
            #expect(abs(r.reward - total) < 1e-12)
            #expect(abs(r.reward - (-0.1 - 0.1 * Double(19 - k))) < 1e-12)
        }
    }

    @Test func mapCellRevealsTheProblem() throws {
        for problem in [0, 7, 23] {
            let env = try bus(.map, problem: problem, at: GridPoint(6, 3))
            #expect(try env.step(.right).observation == [7, 3, 0, Double(problem + 1)])
            #expect(try env.step(.up).observation == [7, 4, 0, 0])
        }
        // The map world has the city's 4 buses only.
        #expect(GridWorld(.map).layout(problem: 0)[GridPoint(5, 5)] == nil)
    }

    // MARK: Cooking

    func kitchen(problem: Int, recipe: [Int], state: GridState = GridState(x: 1, y: 1)) throws
        -> GridWorldEnvironment {
        let env = GridWorldEnvironment(.cooking)
        try env.setTask(problem)
        _ = try env.reset(seed: 0, options: ["instruction_0": Double(recipe[0]), "instruction_1": Double(recipe[1])])
        env.setStateUnchecked(state)
        return env
    }

    @Test func cookingObservationAndRecipeDistribution() throws {
        // Problem 27 = digits (3, 2, 1): drawer (2,0) holds 3, (2,1) holds 2, (2,2) holds 1.
        let env = try kitchen(problem: 27, recipe: [2, 1])
        #expect(env.setStateUnchecked(GridState(x: 1, y: 1)) == [1, 1, 2, 4, 4, 4, 4])
        #expect(try env.step(.right).observation == [2, 1, 3, 4, 4, 4, 4])
        let d = GridWorld(.cooking).instructionDistribution(problem: 10)  // drawers (2, 2, 0)
        #expect(d.first { $0.instruction == [2, 2] }?.probability == 4.0 / 9)
        #expect(abs(d.first { $0.instruction == [0, 2] }!.probability - 2.0 / 9) < 1e-15)
        #expect(d.count == 4)
        #expect(throws: EnvironmentError.self) { try env.reset(seed: nil, options: ["instruction_0": 3, "instruction_1": 0]) }
    }

    @Test func cookingSubgoalsPayAndTheRecipeEnds() throws {
        let env = try kitchen(problem: 27, recipe: [2, 1])  // 2 at (2,1), 1 at (2,2)
        let plan: [(GridAction, Double)] = [(.right, -0.1), (.pickUp, 0.25), (.left, -0.1), (.drop, 0.25),
                                            (.right, -0.1), (.up, -0.1), (.pickUp, 0.25), (.down, -0.1),
                                            (.left, -0.1), (.drop, 0.25)]
        for (i, (a, expected)) in plan.enumerated() {
            let r = try env.step(a)
            #expect(abs(r.reward - expected) < 1e-12, "step \(i)")
            #expect(r.terminated == (i == plan.count - 1))
        }
        #expect(env.state.bowlSlots == [2, 1, -1])
    }

    @Test func wrongPickupsCostEvenOnAnEmptyCellAndDrawersReplace() throws {
        let env = try kitchen(problem: 27, recipe: [2, 1])
        // On the bowl (the start cell) a pickup leaves the hand empty: wrong, −0.35.
        #expect(abs(try env.step(.pickUp).reward + 0.35) < 1e-12)
        // An empty cell: nothing happens, still −0.35.
        env.setStateUnchecked(GridState(x: 0, y: 0))
        #expect(abs(try env.step(.pickUp).reward + 0.35) < 1e-12)
        // A drawer of the wrong ingredient: −0.35, and the hand holds it.
        env.setStateUnchecked(GridState(x: 2, y: 0))
        #expect(abs(try env.step(.pickUp).reward + 0.35) < 1e-12 && env.state.inventory == 3)
        // Picking at another drawer replaces what is held: the right one now, +0.25.
        env.setStateUnchecked(GridState(x: 2, y: 1, inventory: 3))
        #expect(try env.step(.pickUp).reward == 0.25 && env.state.inventory == 2 && env.state.stage == 1)
        // Stage 1: replacing the held first ingredient by another undoes the stage: −0.35, back to 0.
        env.setStateUnchecked(GridState(x: 2, y: 2, inventory: 2, stage: 1))
        #expect(abs(try env.step(.pickUp).reward + 0.35) < 1e-12 && env.state.stage == 0)
    }

    @Test func dropOutsideTheBowlLosesTheItemAndTheBowlHasThreeSlots() throws {
        let env = try kitchen(problem: 27, recipe: [2, 1])
        env.setStateUnchecked(GridState(x: 2, y: 1, inventory: 2, stage: 1))
        let r = try env.step(.drop)
        #expect(abs(r.reward + 0.35) < 1e-12 && env.state.inventory == -1 && env.state.stage == 0)
        #expect(env.state.bowlSlots == [-1, -1, -1])
        // A full bowl: the item is lost, the slots are unchanged.
        env.setStateUnchecked(GridState(x: 1, y: 1, inventory: 1, bowl: (3, 3, 3), stage: 0))
        _ = try env.step(.drop)
        #expect(env.state.bowlSlots == [3, 3, 3] && env.state.inventory == -1)
        // Slots fill in order; a wrong first slot can never be completed.
        env.setStateUnchecked(GridState(x: 1, y: 1, inventory: 3, bowl: (-1, -1, -1), stage: 0))
        #expect(try env.step(.drop).reward == -0.1)
        #expect(env.state.bowlSlots == [3, -1, -1])
        // Riding a bus in the kitchen (bowl, drawer) does nothing.
        env.setStateUnchecked(GridState(x: 2, y: 0))
        #expect(try env.step(.rideBus).observation == [2, 0, 3, 4, 4, 4, 4])
    }

    @Test func cookingEndEpisodeAddsTheIdlePenalty() throws {
        let env = try kitchen(problem: 27, recipe: [2, 1], state: GridState(x: 1, y: 1, steps: 4))
        let r = try env.step(.endEpisode)
        #expect(r.terminated && abs(r.reward - (-0.1 - 1.5)) < 1e-12)
    }

    // MARK: Trials, registry and planner

    @Test func trialRunsExplorationThenExploitationInTheSameProblem() throws {
        let env = try make("DistractingBus-v0").unwrapped as! GridWorldEnvironment
        #expect(env.taskFamily == "DistractingBus-v0")
        var sawInstruction: [Int]? = [0]
        let result = try GridTrial.run(env, problem: 11, seed: 4, explorationInstruction: [8, 8],
                                       exploitationInstruction: [0, 0],
                                       explore: { sawInstruction = $0.instruction; return .endEpisode },
                                       exploit: { input, exploration in
                                           #expect(input.instruction == [0, 0] && exploration.length == 1)
                                           return input.observation[0] > 0 ? .left : .down
                                       })
        #expect(sawInstruction == nil)
        #expect(abs(result.exploration.totalReward + 2.0) < 1e-12)
        #expect(abs(result.exploitationReturn - 0.3) < 1e-12 && result.steps == 9)
        #expect(try make("Map-v0").actionSpace == .discrete(Discrete(9)))
        #expect(try make("Cooking-v0").observationSpace.count == 7)
    }

    @Test func optimaOfMapAndCooking() {
        let m = GridWorld(.map), c = GridWorld(.cooking)
        #expect(abs(GridPlanner.informedOptimum(m, problems: m.trainProblems) - 0.8) < 1e-9)
        #expect(abs(GridPlanner.uninformedOptimum(m, problems: m.trainProblems) - 0.3) < 1e-9)
        // Cooking, pinned from the planner: known kitchen 0.39894…, unknown 0.07654…; the test split is the single
        // problem 10, so there the prior already tells everything.
        #expect(abs(GridPlanner.informedOptimum(c, problems: c.trainProblems) - 0.39894179894179815) < 1e-9)
        #expect(abs(GridPlanner.uninformedOptimum(c, problems: c.trainProblems) - 0.07654320987654324) < 1e-9)
        #expect(abs(GridPlanner.informedOptimum(c, problems: [10]) - 0.46666666666666673) < 1e-9)
        #expect(abs(GridPlanner.uninformedOptimum(c, problems: [10]) - 0.46666666666666673) < 1e-9)
        // Best case by hand: recipe (2, 2) with 2 in the middle drawer: 4 subgoals, 4 moves: 1 − 0.4 = 0.6.
        #expect(abs(GridPlanner.informedValue(c, problem: 10, instruction: [2, 2]) - 0.6) < 1e-9)
    }

    @Test func distractingBusOptimumIsPointEightAndUninformedAboutPointThree() {
        let d = GridWorld(.distractingBus)
        #expect(abs(GridPlanner.informedOptimum(d, problems: d.testProblems) - 0.8) < 1e-9)
        // Training prior (53 problems): the Bayes-optimal uninformed policy earns 0.31462…, a little above walking
        // (0.3) because gambling on a helpful bus sometimes pays. (Test prior, 523 problems: 0.30052…; ~40 s, not
        // run here.)
        #expect(abs(GridPlanner.uninformedOptimum(d, problems: d.trainProblems) - 0.31462264150943403) < 1e-9)
    }
}
