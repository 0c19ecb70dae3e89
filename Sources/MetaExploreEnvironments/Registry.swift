/// The registered environments and `make`.
///
/// `make(id)` builds the environment with its default configuration (or with Gymnasium-style keyword
/// `options`) and wraps it in a `TimeLimit` with the registered episode length, as `gymnasium.make` does.
public enum Registry {
    /// One registered environment.
    public struct Spec: Sendable {
        public let id: String
        /// Gymnasium's registered `max_episode_steps`.
        public let maxEpisodeSteps: Int
        let build: @Sendable ([String: Double]) throws -> Environment
    }

    public static let specs: [Spec] = [
        Spec(id: "Pendulum-v1", maxEpisodeSteps: 200) { Pendulum(configuration: try .init(options: $0)) },
        Spec(id: "InvertedPendulum-v5", maxEpisodeSteps: 1000) {
            try InvertedPendulum(configuration: .init(options: $0))
        },
        Spec(id: "InvertedDoublePendulum-v5", maxEpisodeSteps: 1000) {
            try InvertedDoublePendulum(configuration: .init(options: $0))
        },
        Spec(id: "Reacher-v5", maxEpisodeSteps: 50) { try Reacher(configuration: .init(options: $0)) },
        Spec(id: "Hopper-v5", maxEpisodeSteps: 1000) { try Hopper(configuration: .init(options: $0)) },
        Spec(id: "HalfCheetah-v5", maxEpisodeSteps: 1000) { try HalfCheetah(configuration: .init(options: $0)) },
        Spec(id: "Walker2d-v5", maxEpisodeSteps: 1000) { try Walker2d(configuration: .init(options: $0)) },
        Spec(id: "Ant-v5", maxEpisodeSteps: 1000) { try Ant(configuration: .init(options: $0)) },
        // Meta-RL task families (Tasks/): each is a `TaskEnvironment`; the limit is the family's horizon.
        Spec(id: PointGoal.family, maxEpisodeSteps: PointGoal.horizon) { PointGoal(configuration: try .init(options: $0)) },
        Spec(id: PointCorner.family, maxEpisodeSteps: PointCorner.horizon) { try PointCorner(options: $0) },
        Spec(id: HalfCheetahVel.family, maxEpisodeSteps: HalfCheetahTaskEnvironment.horizon) {
            try HalfCheetahVel(configuration: .init(options: $0))
        },
        Spec(id: HalfCheetahDir.family, maxEpisodeSteps: HalfCheetahTaskEnvironment.horizon) {
            try HalfCheetahDir(options: $0)
        },
        Spec(id: AntDir.family, maxEpisodeSteps: AntTaskEnvironment.horizon) { try AntDir(options: $0) },
        Spec(id: AntVel.family, maxEpisodeSteps: AntTaskEnvironment.horizon) { try AntVel(options: $0) },
        // DREAM's grid worlds (Tasks/GridWorlds/): task = problem id, 20-step episodes.
        Spec(id: GridWorldEnvironment.distractingBusFamily, maxEpisodeSteps: GridWorld.horizon) {
            try GridWorldEnvironment(.distractingBus, options: $0)
        },
        Spec(id: GridWorldEnvironment.mapFamily, maxEpisodeSteps: GridWorld.horizon) {
            try GridWorldEnvironment(.map, options: $0)
        },
        Spec(id: GridWorldEnvironment.cookingFamily, maxEpisodeSteps: GridWorld.horizon) {
            try GridWorldEnvironment(.cooking, options: $0)
        },
    ]

    /// All registered ids.
    public static var ids: [String] { specs.map(\.id) }

    /// The spec registered under `id`, or `EnvironmentError.unknownID` with the closest ids.
    public static func spec(_ id: String) throws -> Spec {
        if let s = specs.first(where: { $0.id == id }) { return s }
        throw EnvironmentError.unknownID(id, suggestions: suggestions(for: id))
    }

    /// Registered ids close to `id`: case-insensitive edit distance at most a third of the longer length (at
    /// least 3), or sharing the name before the version; best first, at most three.
    public static func suggestions(for id: String) -> [String] {
        let query = id.lowercased()
        let queryName = query.split(separator: "-").first.map(String.init) ?? query
        let scored: [(String, Int)] = ids.compactMap { candidate in
            let c = candidate.lowercased()
            let d = editDistance(query, c)
            let name = c.split(separator: "-").first.map(String.init) ?? c
            let limit = Swift.max(3, Swift.max(query.count, c.count) / 3)
            if d <= limit || (name == queryName && !name.isEmpty) { return (candidate, d) }
            return nil
        }
        return scored.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }.prefix(3).map(\.0)
    }

    /// Levenshtein distance between two strings (by Unicode scalar).
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var previous = Array(0...y.count)
        var current = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            current[0] = i
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[y.count]
    }
}

/// Builds a registered environment wrapped in a `TimeLimit`, like `gymnasium.make`.
///
/// - Parameters:
///   - id: a registered id such as `"HalfCheetah-v5"`; an unknown id throws `EnvironmentError.unknownID` with
///     suggestions.
///   - options: the environment's Gymnasium keyword arguments (e.g. `["ctrl_cost_weight": 0.2]`).
///   - maxEpisodeSteps: overrides the registered episode length; 0 means no time limit; a negative value throws.
public func make(_ id: String, options: [String: Double] = [:], maxEpisodeSteps: Int? = nil) throws -> Environment {
    let spec = try Registry.spec(id)
    if let m = maxEpisodeSteps, m < 0 {
        throw EnvironmentError.invalidConfiguration("maxEpisodeSteps must be ≥ 0 (0: no time limit), got \(m)")
    }
    let env = try spec.build(options)
    let limit = maxEpisodeSteps ?? spec.maxEpisodeSteps
    return limit > 0 ? try TimeLimit(env, maxEpisodeSteps: limit) : env
}
