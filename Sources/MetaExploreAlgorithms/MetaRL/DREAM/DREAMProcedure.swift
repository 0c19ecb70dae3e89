import Foundation
import MetaExploreEnvironments
import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor

/// Why a DREAM run cannot be built.
public enum DREAMError: Error, CustomStringConvertible, Equatable {
    case notAGridWorld(String)

    public var description: String {
        switch self {
        case .notAGridWorld(let type):
            return "dream runs on the grid worlds (\(DREAMConfiguration.environments.joined(separator: ", "))), not on \(type)"
        }
    }
}

/// One evaluation trial: the test problem, both episodes, the z the exploitation policy saw (g of this trial's
/// exploration episode) and the exploitation return.
public struct DREAMEvaluationTrial: Sendable {
    public var problem: Int
    public var explorationInstruction: [Int]
    public var exploitationInstruction: [Int]
    public var exploration: [RecurrentStep]
    public var exploitation: [RecurrentStep]
    public var conditioning: [Double]
    public var exploitationReturn: Double { exploitation.reduce(0) { $0 + $1.reward } }
}

/// The unit of work of DREAM under `TrainingLoop`: one trial (the authors' `main.py` loop body; Liu et al. 2021,
/// Algorithm 1):
///
/// 1. draw a training problem μ (uniform over the world's training split) and two episode seeds;
/// 2. exploration episode with the ε-greedy exploration policy (it never sees the instruction; reaching the hidden
///    goal still ends the episode); store it, count its steps for the exploration policy's schedule (gradient steps
///    on relabeled rewards, target copies);
/// 3. exploitation episode in the same problem with the instruction, conditioned on g(τ^exp) of step 2's episode on
///    even trials and on f(μ) + noise on odd ones (the authors' `step % 2 == 0 → use_ids(False)`); every step counts
///    for the exploitation policy's schedule (gradient steps on TD + bottleneck + norm losses, with the same f/g
///    choice); the episode is stored when it ends;
/// 4. report both episodes' steps, the exploitation return as the trial's training return, and the measurements.
///
/// Evaluation (`evaluate`): `episodes` test trials, problem k drawn from the test split with a stream derived from
/// (seed, k), both policies greedy (ε = `testEpsilon`, 0), the exploitation policy conditioned on g of the trial's
/// own exploration episode; returns the exploitation returns. It draws nothing from the training streams.
///
/// Randomness: problems and episode seeds come from the `dream-trials` stream; the learner keeps its own streams.
/// Everything is checkpointed at trial ends (every unit boundary), so a resumed run continues exactly.
public final class DREAMProcedure: TrainingProcedure {
    public let configuration: DREAMConfiguration
    public let learner: DREAMLearner
    public let environment: GridWorldEnvironment
    public let evaluationEnvironment: GridWorldEnvironment
    public private(set) var trial = 0
    var trialRNG: RandomStream

    public static let measurementColumns = [
        "exploration_return", "exploration_length", "exploitation_length", "exploration_reward", "information_gain",
        "exploration_td_loss", "exploration_grad_norm", "relabeled_reward", "exploitation_td_loss", "bottleneck_loss",
        "norm_penalty", "exploitation_grad_norm", "epsilon_exploration", "epsilon_exploitation",
    ]

    public init(_ c: DREAMConfiguration, makeEnvironment: EnvironmentMaker) throws {
        try c.validate()
        configuration = c
        func grid() throws -> GridWorldEnvironment {
            let env = try makeEnvironment()
            guard let grid = env.unwrapped as? GridWorldEnvironment else {
                throw DREAMError.notAGridWorld("\(type(of: env.unwrapped))")
            }
            return grid
        }
        environment = try grid()
        evaluationEnvironment = try grid()
        let world = environment.world
        learner = DREAMLearner(settings: c.learnerSettings, observationVocabulary: world.observationHigh.map { $0 + 1 },
                               instructionVocabulary: world.instructionHigh.map { $0 + 1 },
                               actionCount: GridAction.allCases.count, problemCount: world.problemCount, seed: c.run.seed)
        trialRNG = RandomStream(seed: c.run.seed, stream: "dream-trials")
    }

    public var columns: [String] { ["trial"] + Self.measurementColumns }

    // MARK: - Episodes

    /// Runs one episode of `problem` from a reset with `seed` (which draws the instruction): `choose` picks each
    /// action from the step's embedding inputs; `observed` sees each finished step. The exploration policy's inputs
    /// carry no instruction.
    static func episode(_ env: GridWorldEnvironment, problem: Int, seed: UInt64, showInstruction: Bool,
                        choose: (RecurrentExperience) -> Int, observed: (RecurrentStep) -> Void = { _ in }) throws
        -> (steps: [RecurrentStep], instruction: [Int]) {
        try env.setTask(problem)
        var observation = try env.reset(seed: seed, options: [:]).observation.map { Int($0) }
        let instruction = showInstruction ? env.instruction : []
        var previousAction = -1, previousReward = 0.0
        var steps: [RecurrentStep] = []
        while true {
            let input = RecurrentExperience(observation: observation, instruction: instruction,
                                            previousAction: previousAction, previousReward: previousReward)
            let action = choose(input)
            let r = try env.step(GridAction(rawValue: action)!)
            let next = r.observation.map { Int($0) }
            let step = RecurrentStep(observation: observation, instruction: instruction, previousAction: previousAction,
                                     previousReward: previousReward, action: action, reward: r.reward,
                                     done: r.terminated || r.truncated, nextObservation: next)
            steps.append(step)
            observed(step)
            if step.done { return (steps, env.instruction) }
            observation = next
            previousAction = action
            previousReward = r.reward
        }
    }

    static func transitions(_ steps: [RecurrentStep]) -> [DREAMTransition] {
        steps.map { DREAMTransition(observation: $0.observation, action: $0.action, nextObservation: $0.nextObservation) }
    }

    // MARK: - Training

    public func advance(step: Int) throws -> UnitReport {
        let world = environment.world
        let train = world.trainProblems
        let problem = train[trialRNG.int(below: train.count)]
        let explorationSeed = trialRNG.next(), exploitationSeed = trialRNG.next()
        let useProblemIDs = trial % 2 == 1
        var measurements: [(name: String, value: Double)] = []
        var updates = 0

        // Exploration episode.
        var state: LSTMState? = nil
        let exploration = try Self.episode(environment, problem: problem, seed: explorationSeed, showInstruction: false,
                                           choose: { input in
            let (a, s) = learner.exploreTraining(input, state: state)
            state = s
            return a
        }).steps
        for m in learner.observeExploration(problem: problem, episode: exploration) {
            updates += 1
            measurements += [("exploration_td_loss", m.tdLoss), ("exploration_grad_norm", m.gradientNorm),
                             ("relabeled_reward", m.meanReward)]
        }

        // Exploitation episode, conditioned on g(τ^exp) or on f(μ) + noise.
        let trajectoryZ = useProblemIDs ? nil
            : withoutGradients { learner.trajectoryEmbedding([Self.transitions(exploration)]) }
        state = nil
        var exploitationMetrics: [DREAMUpdateMetrics] = []
        let exploitation = try Self.episode(environment, problem: problem, seed: exploitationSeed, showInstruction: true,
                                            choose: { input in
            let z = trajectoryZ ?? withoutGradients { learner.noisyProblemEmbedding([problem]) }
            let (a, s) = learner.exploitTraining(input, state: state, conditioning: z)
            state = s
            return a
        }, observed: { _ in
            if let m = learner.observeExploitationStep(useProblemIDs: useProblemIDs) { exploitationMetrics.append(m) }
        }).steps
        learner.storeExploitation(problem: problem, exploration: exploration, episode: exploitation)
        for m in exploitationMetrics {
            updates += 1
            measurements += [("exploitation_td_loss", m.tdLoss), ("bottleneck_loss", m.bottleneckLoss),
                             ("norm_penalty", m.normPenalty), ("exploitation_grad_norm", m.gradientNorm)]
        }

        // The exploration episode's reward under the current f and g (the authors log it after the trial).
        let labels = learner.explorationRewards(problems: [problem], trajectories: [Self.transitions(exploration)])
        let d = labels.distances[0]
        let exploitationReturn = exploitation.reduce(0) { $0 + $1.reward }
        measurements += [("exploration_return", exploration.reduce(0) { $0 + $1.reward }),
                         ("exploration_length", Double(exploration.count)),
                         ("exploitation_length", Double(exploitation.count)),
                         ("exploration_reward", labels.rewards[0].reduce(0, +)),
                         ("information_gain", d[0] - d[d.count - 1]),
                         ("epsilon_exploration", learner.explorationEpsilon),
                         ("epsilon_exploitation", learner.exploitationEpsilon)]
        trial += 1
        return UnitReport(steps: exploration.count + exploitation.count, updates: updates,
                          finishedEpisodes: [(return: exploitationReturn, length: exploitation.count)],
                          measurements: measurements)
    }

    public func logValues() -> MetricsRecord { ["trial": Double(trial)] }

    // MARK: - Evaluation

    /// `count` test trials as the authors evaluate (see the type's documentation).
    public func evaluationTrials(count: Int, seed: UInt64) throws -> [DREAMEvaluationTrial] {
        let test = environment.world.testProblems
        let base = RandomStream(seed: seed, stream: "dream-evaluation")
        return try (0..<count).map { k in
            var rng = base.derived("trial", index: k)
            let problem = test[rng.int(below: test.count)]
            let explorationSeed = rng.next(), exploitationSeed = rng.next()
            var state: LSTMState? = nil
            let exploration = try Self.episode(evaluationEnvironment, problem: problem, seed: explorationSeed,
                                               showInstruction: false, choose: { input in
                let (a, s) = learner.explore(input, state: state, greedy: true, rng: &rng)
                state = s
                return a
            })
            let z = withoutGradients { learner.trajectoryEmbedding([Self.transitions(exploration.steps)]) }
            state = nil
            let exploitation = try Self.episode(evaluationEnvironment, problem: problem, seed: exploitationSeed,
                                                showInstruction: true, choose: { input in
                let (a, s) = learner.exploit(input, state: state, conditioning: z, greedy: true, rng: &rng)
                state = s
                return a
            })
            return DREAMEvaluationTrial(problem: problem, explorationInstruction: exploration.instruction,
                                        exploitationInstruction: exploitation.instruction, exploration: exploration.steps,
                                        exploitation: exploitation.steps, conditioning: z.doubles)
        }
    }

    public func evaluate(episodes: Int, seed: UInt64, step: Int) throws -> EvaluationResult {
        EvaluationResult(step: step, returns: try evaluationTrials(count: episodes, seed: seed).map(\.exploitationReturn))
    }

    // MARK: - Checkpoints

    public func firstNonFiniteParameter() -> String? { learner.firstNonFiniteParameter() }

    public func saveState(into state: inout CheckpointState) {
        learner.saveState(into: &state, prefix: "dream.")
        state.set("dream.trial", trial)
        state.setGenerator("dream.trial_rng", trialRNG)
        state.set("dream.environment", configuration.environment)
    }

    public func restoreState(from state: CheckpointState) throws {
        let environment: String = try state.value("dream.environment")
        guard environment == configuration.environment else {
            throw CheckpointStateError.incompatible("checkpoint of a dream run on \(environment), this run is on \(configuration.environment)")
        }
        let savedTrial: Int = try state.value("dream.trial")
        let generator = try state.generator("dream.trial_rng")
        try learner.restoreState(from: state, prefix: "dream.")
        trial = savedTrial
        trialRNG = generator
    }
}
