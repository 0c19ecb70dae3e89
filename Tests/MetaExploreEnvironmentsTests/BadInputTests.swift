import MetaExploreEnvironments
import Testing

/// Bad input reachable from the public API is a thrown error that names the problem, never a trap, and leaves the
/// environment as it was.
@Suite("Bad input") struct BadInputTests {
    @Test func wrongStateLengthsThrowAndLeaveTheStateAlone() throws {
        let env = try #require(try make("HalfCheetah-v5").unwrapped as? MuJoCoEnvironment)
        _ = try env.reset(seed: 3)
        let start = env.stateVector
        #expect(throws: EnvironmentError.self) { try env.setState(qpos: [0, 0], qvel: [0]) }
        #expect(throws: EnvironmentError.self) {
            try env.setState(qpos: Array(repeating: .nan, count: env.simulation.nq), qvel: Array(repeating: 0, count: env.simulation.nv))
        }
        do { try env.setState(qpos: [1], qvel: []) } catch { #expect("\(error)".contains("positions")) }
        #expect(env.stateVector == start)
    }

    @Test func emptyVectorsAndNonPositiveLimitsAreRefused() throws {
        #expect(throws: EnvironmentError.self) { _ = try VectorEnvironment(count: 0) { _ in try make("Pendulum-v1") } }
        #expect(throws: EnvironmentError.self) { _ = try TimeLimit(try make("Pendulum-v1"), maxEpisodeSteps: 0) }
        #expect(throws: EnvironmentError.self) { _ = try make("Pendulum-v1", maxEpisodeSteps: -5) }
        #expect(try make("Pendulum-v1", maxEpisodeSteps: 0) is Pendulum)  // 0: no time limit
    }

    @Test func nonFiniteOptionsAreRefused() throws {
        #expect(throws: EnvironmentError.self) { _ = try make("HalfCheetah-v5", options: ["ctrl_cost_weight": .nan]) }
        #expect(throws: EnvironmentError.self) { _ = try make("Hopper-v5", options: ["forward_reward_weight": .infinity]) }
        // Ranges may be unbounded.
        _ = try make("Hopper-v5", options: ["healthy_z_range_high": .infinity])
    }

    /// One copy's bad action: no copy steps, no time limit advances, and the error names the copy.
    @Test func aBadActionInAVectorStepMovesNoCopy() throws {
        let venv = try VectorEnvironment(count: 3, threads: 1) { i in try make("Pendulum-v1", maxEpisodeSteps: 2 + i) }
        _ = try venv.reset(seed: 1)
        let limits = venv.environments.map { ($0 as! TimeLimit) }
        let before = limits.map(\.elapsedSteps)
        do {
            _ = try venv.step([[0.5], [.nan], [0.1]])
            Issue.record("a NaN action was accepted")
        } catch {
            #expect("\(error)".contains("copy 1"), "\(error)")
        }
        #expect(limits.map(\.elapsedSteps) == before)
        do {
            _ = try venv.step([[0.5], [0.1]])
            Issue.record("too few actions were accepted")
        } catch {
            #expect("\(error)".contains("3 copies") && "\(error)".contains("2 actions"), "\(error)")
        }
        _ = try venv.step([[0.5], [0.2], [0.1]])
        #expect(limits.map(\.elapsedSteps) == before.map { $0 + 1 })
    }
}
