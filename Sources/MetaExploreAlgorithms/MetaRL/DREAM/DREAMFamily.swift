import MetaExploreEnvironments

/// DREAM (Liu, Raghunathan, Liang & Finn 2021, "Decoupling Exploration and Exploitation in Meta-Reinforcement
/// Learning without Sacrifices", ICML): `algorithm: dream` on the grid worlds, one trial per unit of work
/// (`DREAMProcedure`), the authors' settings as defaults (`DREAMConfiguration`).
public enum DREAMFamily: AlgorithmFamily {
    public typealias Configuration = DREAMConfiguration

    public static let name = "dream"
    public static let schemaVersion = 1
    public static let algorithms = [
        (name: "dream", summary: "DREAM (Liu et al. 2021): decoupled exploration and exploitation with an information bottleneck"),
    ]
    public static let help = """
        DREAM on a grid world (DistractingBus-v0, Map-v0, Cooking-v0): --algo dream. Settings under exploration.* and \
        exploitation.* (the two recurrent double DQNs: learningRate, batchSize, updateEvery, targetSyncEvery, \
        minimumBufferSequences, epsilon*), networks.* (sizes of f, g and both Q-networks), bottleneck.* (problemNoise, \
        normCutoff, informationPenalty); one unit = one trial (exploration episode + exploitation episode); \
        eval_return = mean exploitation return over run.evalEpisodes test trials. Presets dream-distractingbus, \
        dream-map, dream-cooking; pictures: metaexplore dream-episode --run DIR --out DIR.
        """

    public static func defaults(algorithm: String) -> DREAMConfiguration { DREAMConfiguration() }

    public static func makeProcedure(_ c: DREAMConfiguration, makeEnvironment: EnvironmentMaker) throws
        -> any TrainingProcedure {
        try DREAMProcedure(c, makeEnvironment: makeEnvironment)
    }

    public static func warnings(for c: DREAMConfiguration) -> [String] {
        var out: [String] = []
        if c.run.totalSteps < c.exploration.minimumBufferSequences * 2 {
            out.append("run.totalSteps (\(c.run.totalSteps)) ends before the exploration policy can start learning "
                       + "(it waits for \(c.exploration.minimumBufferSequences) exploration episodes)")
        }
        return out
    }

    public static var plans: [ReproductionPlan] { [DREAMPlans.liu2021] }
}

/// DREAM's grid-world results (Liu et al. 2021, Fig. 3 and 5): the mean test exploitation return within the
/// authors' 5M-step budget, read against each world's optimum and uninformed value, both computed exactly by
/// `GridPlanner` on the world's test split (the paper reports curves only); `thresholds` tabulate the steps to 95%
/// of the optimum.
enum DREAMPlans {
    static let presets = [GridWorldEnvironment.distractingBusFamily: "dream-distractingbus",
                          GridWorldEnvironment.mapFamily: "dream-map", GridWorldEnvironment.cookingFamily: "dream-cooking"]

    /// (optimum, uninformed) per world on its evaluation (test) split, as `GridPlanner` computes them (pinned in the
    /// grid-world tests and the environments README; the distracting bus's uninformed value on its 523 test problems
    /// takes ~40 s to plan, too long to recompute whenever the plans are listed): distracting bus 0.8 / 0.30053;
    /// map (test = train) 0.8 / 0.3; cooking (test split = problem 10 alone, so the prior already names the
    /// kitchen) 0.46667 / 0.46667.
    static let references: [String: (optimum: Double, uninformed: Double)] = [
        GridWorldEnvironment.distractingBusFamily: (0.8, 0.30052),
        GridWorldEnvironment.mapFamily: (0.8, 0.3),
        GridWorldEnvironment.cookingFamily: (0.46666666666666673, 0.46666666666666673),
    ]

    static var liu2021: ReproductionPlan {
        let environments = DREAMConfiguration.environments
        var text: [String: String] = [:], thresholds: [String: Double] = [:]
        for env in environments {
            guard let r = references[env] else { continue }
            text[env] = String(format: "optimum %.3f, uninformed %.3f (95%% of optimum: %.3f)", r.optimum, r.uninformed,
                               0.95 * r.optimum)
            thresholds[env] = 0.95 * r.optimum
        }
        var plan = ReproductionPlan(
            name: "dream-2021",
            title: "DREAM: mean test exploitation return on the grid worlds, against optimum and uninformed",
            algorithms: ["dream"], environments: environments, seeds: [0, 1, 2],
            references: ["dream": text],
            referenceSource: "exact planning on each world's test split (GridPlanner); Liu et al. 2021 report curves (5M steps) "
                + "that approach the optimum on distracting bus, map and cooking",
            thresholds: thresholds
        ) { _, environment, seed in
            ["--preset", presets[environment] ?? "dream-distractingbus", "--seed", "\(seed)"]
        }
        plan.tableDecimals = 3
        return plan
    }
}
