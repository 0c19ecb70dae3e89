/// What a grid policy sees before choosing an action: the authors' `InstructionState` minus the problem id
/// (`meta_exploration.py`): observation, instruction (nil for the exploration policy, which never sees it in
/// DREAM's `main.py`), previous action (nil at the first step), previous reward (0 at the first step), and the
/// step index within the episode.
public struct GridPolicyInput: Sendable {
    public var observation: [Double]
    public var instruction: [Int]?
    public var previousAction: GridAction?
    public var previousReward: Double
    public var step: Int
}

/// One step of an episode.
public struct GridTransition: Sendable {
    public var observation: [Double]
    public var action: GridAction
    public var reward: Double
    public var nextObservation: [Double]
    public var terminated: Bool
    public var truncated: Bool
    public var done: Bool { terminated || truncated }
}

/// One episode in one problem.
public struct GridEpisode: Sendable {
    public var problem: Int
    /// The episode's instruction (hidden from the exploration policy, but it ends the episode when reached).
    public var instruction: [Int]
    public var transitions: [GridTransition]
    /// The undiscounted sum of the instruction's rewards.
    public var totalReward: Double { transitions.reduce(0) { $0 + $1.reward } }
    public var length: Int { transitions.count }
}

/// A DREAM trial: one exploration episode, then one exploitation episode in the same problem
/// (reference-facts "DREAM": "Trial = one exploration episode then one exploitation episode in the same problem,
/// each at most 20 steps").
public struct GridTrialResult: Sendable {
    public var exploration: GridEpisode
    public var exploitation: GridEpisode
    /// What counts: the exploitation episode's return (exploration rewards are observed but not counted).
    public var exploitationReturn: Double { exploitation.totalReward }
    /// Environment steps used by the trial (the authors' step budget counts both episodes).
    public var steps: Int { exploration.length + exploitation.length }
}

/// Runs episodes and trials on a `GridWorldEnvironment`.
///
/// Instructions are drawn from the environment's stream, one per episode (the authors seed the exploration and
/// exploitation wrappers differently, so the two episodes have independent instructions), unless given.
public enum GridTrial {
    /// Runs one episode of `problem`; the policy sees the instruction only if `showInstruction`.
    public static func episode(_ env: GridWorldEnvironment, problem: Int, instruction: [Int]? = nil,
                               showInstruction: Bool, seed: UInt64? = nil,
                               policy: (GridPolicyInput) throws -> GridAction) throws -> GridEpisode {
        try env.setTask(problem)
        var options: [String: Double] = [:]
        if let instruction {
            options = ["instruction_0": Double(instruction[0]), "instruction_1": Double(instruction[1])]
        }
        var observation = try env.reset(seed: seed, options: options).observation
        var input = GridPolicyInput(observation: observation, instruction: showInstruction ? env.instruction : nil,
                                    previousAction: nil, previousReward: 0, step: 0)
        var transitions: [GridTransition] = []
        while true {
            let action = try policy(input)
            let r = try env.step(action)
            transitions.append(GridTransition(observation: observation, action: action, reward: r.reward,
                                              nextObservation: r.observation, terminated: r.terminated,
                                              truncated: r.truncated))
            observation = r.observation
            if r.done { break }
            input = GridPolicyInput(observation: observation, instruction: input.instruction,
                                    previousAction: action, previousReward: r.reward, step: transitions.count)
        }
        return GridEpisode(problem: problem, instruction: env.instruction, transitions: transitions)
    }

    /// Runs a trial: `explore` (no instruction), then `exploit` (with the instruction and the finished
    /// exploration episode) in the same problem.
    public static func run(_ env: GridWorldEnvironment, problem: Int, seed: UInt64? = nil,
                           explorationInstruction: [Int]? = nil, exploitationInstruction: [Int]? = nil,
                           explore: (GridPolicyInput) throws -> GridAction,
                           exploit: (GridPolicyInput, GridEpisode) throws -> GridAction) throws -> GridTrialResult {
        let exploration = try episode(env, problem: problem, instruction: explorationInstruction,
                                      showInstruction: false, seed: seed, policy: explore)
        let exploitation = try episode(env, problem: problem, instruction: exploitationInstruction,
                                       showInstruction: true, policy: { try exploit($0, exploration) })
        return GridTrialResult(exploration: exploration, exploitation: exploitation)
    }
}
