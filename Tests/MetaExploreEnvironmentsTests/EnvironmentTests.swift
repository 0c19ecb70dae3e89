import Foundation
import MetaExploreEnvironments
import MetaExploreRandom
import Testing

@Suite("Spaces")
struct SpaceTests {
    @Test func boxSamplesLieInsideBounds() {
        let box = Box(low: [-1, 0, -3], high: [1, 0.5, -2])
        var rng = RandomStream(seed: 1)
        for _ in 0..<1000 { #expect(box.contains(box.sample(using: &rng))) }
    }

    @Test func float32BoxSamplesAreFloat32() {
        let box = Box(low: -0.4, high: 0.4, count: 3, dtype: .float32)
        var rng = RandomStream(seed: 2)
        for _ in 0..<200 {
            let x = box.sample(using: &rng)
            #expect(box.contains(x))
            #expect(x.allSatisfy { Double(Float($0)) == $0 })
        }
    }

    @Test func unboundedAndHalfBoundedSampling() {
        let box = Box(low: [-.infinity, 0, -.infinity], high: [.infinity, .infinity, 5])
        var rng = RandomStream(seed: 3)
        for _ in 0..<500 {
            let x = box.sample(using: &rng)
            #expect(x.allSatisfy { $0.isFinite })
            #expect(x[1] >= 0 && x[2] <= 5)
        }
    }

    @Test func containment() {
        let box = Box(low: -1, high: 1, count: 2)
        #expect(box.contains([0, 1]))
        #expect(!box.contains([0, 1.0000001]))
        #expect(!box.contains([0]))
        #expect(!box.contains([.nan, 0]))
        let d = Space.discrete(Discrete(3))
        #expect(d.contains([2]))
        #expect(!d.contains([3]))
        #expect(!d.contains([0.5]))
        var rng = RandomStream(seed: 4)
        var seen = Set<Double>()
        for _ in 0..<200 {
            let a = d.sample(using: &rng)
            #expect(d.contains(a))
            seen.insert(a[0])
        }
        #expect(seen == [0, 1, 2])
        #expect(throws: EnvironmentError.actionOutOfRange(value: 3, n: 3)) { try d.validate([3]) }
        #expect(throws: EnvironmentError.wrongActionShape(expected: 1, got: 2)) { try d.validate([0, 1]) }
        #expect(throws: Never.self) { try Space.box(box).validate([5, -5]) }
    }

    @Test func environmentSpacesMatchGymnasium() throws {
        let expected: [(String, Int, Int, Double)] = [
            ("Pendulum-v1", 3, 1, 2), ("InvertedPendulum-v5", 4, 1, 3), ("InvertedDoublePendulum-v5", 9, 1, 1),
            ("Reacher-v5", 10, 2, 1), ("Hopper-v5", 11, 3, 1), ("HalfCheetah-v5", 17, 6, 1),
            ("Walker2d-v5", 17, 6, 1), ("Ant-v5", 105, 8, 1),
        ]
        for (id, obs, act, high) in expected {
            let env = try make(id)
            #expect(env.observationSpace.count == obs, "\(id)")
            #expect(env.actionSpace.flatCount == act, "\(id)")
            #expect(env.actionSpace.box?.high.first == high, "\(id)")
            #expect(env.actionSpace.box?.dtype == .float32, "\(id)")
        }
    }
}

@Suite("Registry")
struct RegistryTests {
    @Test func registeredEpisodeLengths() throws {
        let lengths = Dictionary(uniqueKeysWithValues: Registry.specs.map { ($0.id, $0.maxEpisodeSteps) })
        #expect(lengths["Pendulum-v1"] == 200)
        #expect(lengths["Reacher-v5"] == 50)
        #expect(lengths["HalfCheetah-v5"] == 1000)
        #expect(lengths["Ant-v5"] == 1000)
        let env = try make("HalfCheetah-v5")
        #expect((env as? TimeLimit)?.maxEpisodeSteps == 1000)
        #expect(env.unwrapped is HalfCheetah)
    }

    @Test func unknownIDListsCloseMatches() {
        do {
            _ = try make("HalfCheetah-v4")
            Issue.record("expected an error")
        } catch let EnvironmentError.unknownID(id, suggestions) {
            #expect(id == "HalfCheetah-v4")
            #expect(suggestions.first == "HalfCheetah-v5")
        } catch { Issue.record("unexpected \(error)") }
        #expect(Registry.suggestions(for: "hoper-v5").first == "Hopper-v5")
        #expect(Registry.suggestions(for: "Walker-v5").first == "Walker2d-v5")
        #expect(Registry.suggestions(for: "CartPole-v1").isEmpty)
        let message = String(describing: EnvironmentError.unknownID("Ant-v4", suggestions: ["Ant-v5"]))
        #expect(message.contains("Did you mean: Ant-v5"))
    }

    @Test func typedOptions() throws {
        let env = try make("HalfCheetah-v5", options: ["ctrl_cost_weight": 0.2, "exclude_current_positions_from_observation": 0])
        let cheetah = env.unwrapped as! HalfCheetah
        #expect(cheetah.configuration.ctrlCostWeight == 0.2)
        #expect(env.observationSpace.count == 18)
        let hopper = try make("Hopper-v5", options: ["healthy_z_range_low": 0.5]).unwrapped as! Hopper
        #expect(hopper.configuration.healthyZRange == 0.5...Double.infinity)
        #expect(throws: EnvironmentError.self) { try make("Hopper-v5", options: ["ctrl_cost": 1]) }
        #expect(throws: EnvironmentError.self) { try make("Ant-v5", options: ["terminate_when_unhealthy": 2]) }
        let ant = try make("Ant-v5", options: ["include_cfrc_ext_in_observation": 0])
        #expect(ant.observationSpace.count == 27)
    }

    @Test func missingAssetNamesFileAndSetup() {
        #expect {
            try HalfCheetah(configuration: { var c = HalfCheetah.Configuration(); c.xmlFile = "no_such_model.xml"; return c }())
        } throws: { error in
            let text = String(describing: error)
            return text.contains("no_such_model.xml") && text.contains("bash scripts/setup.sh")
        }
    }
}

@Suite("Environment semantics")
struct SemanticsTests {
    @Test func badActionsAreErrors() throws {
        for id in Registry.ids {
            let env = try make(id)
            #expect(throws: EnvironmentError.needsReset("Call reset() before step().")) { try env.step(Array(repeating: 0, count: env.actionSpace.flatCount)) }
            _ = try env.reset(seed: 0)
            let n = env.actionSpace.flatCount
            #expect(throws: EnvironmentError.wrongActionShape(expected: n, got: n + 1)) {
                try env.step(Array(repeating: 0, count: n + 1))
            }
            var bad = Array(repeating: 0.0, count: n)
            bad[n - 1] = .nan
            #expect {
                try env.step(bad)
            } throws: { error in
                guard case let EnvironmentError.nonFiniteAction(index, value) = error else { return false }
                return index == n - 1 && value.isNaN
            }
            bad[n - 1] = .infinity
            #expect(throws: EnvironmentError.self) { try env.step(bad) }
            _ = try env.step(Array(repeating: 0, count: n))  // still usable after rejected actions
        }
    }

    @Test func outOfRangeActionsFollowGymnasium() throws {
        // MuJoCo clamps ctrl to ctrlrange, but the control cost uses the action as given.
        let a = try make("HalfCheetah-v5"), b = try make("HalfCheetah-v5")
        _ = try a.reset(seed: 5)
        _ = try b.reset(seed: 5)
        let ra = try a.step(Array(repeating: 3, count: 6))
        let rb = try b.step(Array(repeating: 1, count: 6))
        #expect(ra.observation == rb.observation)
        #expect(ra.info["reward_ctrl"] == -Double(Float(0.1) * 54))
        // Pendulum clips the torque to ±2.
        let p = try make("Pendulum-v1"), q = try make("Pendulum-v1")
        _ = try p.reset(seed: 1)
        _ = try q.reset(seed: 1)
        #expect(try p.step([5]).observation == q.step([2]).observation)
    }

    @Test func seededResetsRepeat() throws {
        // PointGoal-v1 starts at the origin by definition (MAML's point task): its reset ignores the seed.
        for id in Registry.ids where id != PointGoal.family {
            let env = try make(id)
            // DREAM's grid worlds start every episode on a fixed cell; the seed draws the (unobserved) instruction.
            if env.unwrapped is GridWorldEnvironment { continue }
            let first = try env.reset(seed: 42).observation
            let other = try env.reset(seed: 43).observation
            let again = try env.reset(seed: 42).observation
            #expect(first == again, "\(id)")
            #expect(first != other, "\(id)")
            let next = try env.reset(seed: nil).observation
            #expect(next != first, "\(id): an unseeded reset continues the stream")
        }
    }

    @Test func resetNoiseStaysInGymnasiumRanges() throws {
        let cheetah = try HalfCheetah()
        let hopper = try Hopper()
        for seed in 0..<50 {
            _ = try cheetah.reset(seed: UInt64(seed))
            for (q, q0) in zip(cheetah.simulation.qpos, cheetah.initialQpos) { #expect(abs(q - q0) <= 0.1) }
            _ = try hopper.reset(seed: UInt64(seed))
            for (q, q0) in zip(hopper.stateVector, hopper.initialQpos + hopper.initialQvel) { #expect(abs(q - q0) <= 0.005) }
        }
        let pendulum = Pendulum()
        for seed in 0..<50 {
            _ = try pendulum.reset(seed: UInt64(seed), options: ["x_init": 0.5, "y_init": 0.25])
            #expect(abs(pendulum.theta) <= 0.5 && abs(pendulum.thetaDot) <= 0.25)
        }
        let reacher = try Reacher()
        for seed in 0..<50 {
            _ = try reacher.reset(seed: UInt64(seed))
            let g = (reacher.simulation.qpos[2], reacher.simulation.qpos[3])
            #expect((g.0 * g.0 + g.1 * g.1).squareRoot() < 0.2)
            #expect(reacher.simulation.qvel[2] == 0 && reacher.simulation.qvel[3] == 0)
        }
    }

    @Test func resetInfoFields() throws {
        let (_, info) = try make("Ant-v5").reset(seed: 0)
        #expect(info.keys == ["x_position", "y_position", "distance_from_origin"])
        let r = try make("Hopper-v5")
        _ = try r.reset(seed: 0)
        let s = try r.step([0, 0, 0])
        #expect(s.info["x_velocity"] != nil && s.info["z_distance_from_origin"] != nil)
    }
}

@Suite("Wrappers")
struct WrapperTests {
    @Test func timeLimitTruncatesWithoutTerminating() throws {
        let env = try make("Pendulum-v1", maxEpisodeSteps: 5)
        _ = try env.reset(seed: 0)
        for i in 1...5 {
            let r = try env.step([0])
            #expect(r.terminated == false)
            #expect(r.truncated == (i == 5))
        }
        _ = try env.reset()
        #expect(try env.step([0]).truncated == false)
        let hopper = try make("Hopper-v5", maxEpisodeSteps: 0)
        #expect(!(hopper is TimeLimit))
    }

    @Test func rescaleAndClip() throws {
        let env = try make("Pendulum-v1")
        let rescaled = RescaleAction(env)
        #expect(rescaled.actionSpace.box?.high == [1])
        #expect(rescaled.transform([1]) == [2])
        #expect(rescaled.transform([-1]) == [-2])
        #expect(rescaled.transform([0.25]) == [0.5])
        let clipped = ClipAction(try make("Reacher-v5"))
        _ = try clipped.reset(seed: 0)
        let a = try clipped.step([10, -10])
        #expect(a.info["reward_ctrl"] == -2)
        #expect(throws: EnvironmentError.self) { try clipped.step([.nan, 0]) }
    }

    @Test func normalizationMatchesDirectStatistics() throws {
        let env = NormalizeObservation(try make("HalfCheetah-v5"))
        var raw: [[Double]] = []
        let inner = env.inner
        var rng = RandomStream(seed: 9)
        // Record raw observations through an identical, unnormalized copy.
        let twin = try make("HalfCheetah-v5")
        raw.append(try twin.reset(seed: 3).observation)
        _ = try env.reset(seed: 3)
        for _ in 0..<200 {
            let action = inner.actionSpace.sample(using: &rng)
            raw.append(try twin.step(action).observation)
            _ = try env.step(action)
        }
        let n = Double(raw.count)
        let s = env.statistics
        for i in 0..<raw[0].count {
            let mean = raw.map { $0[i] }.reduce(0, +) / n
            let variance = raw.map { ($0[i] - mean) * ($0[i] - mean) }.reduce(0, +) / n
            // Gymnasium's statistics start from mean 0, var 1, count 1e-4: with that prior weight 1e-4/n.
            let expectedMean = mean * n / (n + 1e-4)
            let expectedVar = (1e-4 + variance * n + mean * mean * 1e-4 * n / (n + 1e-4)) / (n + 1e-4)
            #expect(abs(s.mean[i] - expectedMean) <= 1e-9 * max(1, abs(expectedMean)))
            #expect(abs(s.variance[i] - expectedVar) <= 1e-9 * max(1, abs(expectedVar)))
        }
        #expect(abs(s.count - (n + 1e-4)) < 1e-9)
        // Save and restore the statistics.
        let saved = s.stateArrays
        let restored = try RunningMeanStd(stateArrays: saved)
        #expect(restored == s)
        let fresh = NormalizeObservation(try make("HalfCheetah-v5"))
        fresh.statistics = restored
        fresh.updating = false
        let o1 = try fresh.reset(seed: 11).observation
        let o2 = s.normalize(try twin.reset(seed: 11).observation)
        #expect(o1 == o2)
        #expect(fresh.statistics == restored)
    }

    @Test func episodeStatistics() throws {
        let env = RecordEpisodeStatistics(try make("Pendulum-v1", maxEpisodeSteps: 7))
        _ = try env.reset(seed: 0)
        var total = 0.0
        var last: StepResult?
        for _ in 0..<7 {
            let r = try env.step([0.5])
            total += r.reward
            last = r
        }
        #expect(last?.info["episode_return"] == total)
        #expect(last?.info["episode_length"] == 7)
        #expect(env.returnQueue == [total])
        #expect(env.lengthQueue == [7])
        _ = try env.reset()
        #expect(try env.step([0]).info["episode_return"] == nil)
    }
}

@Suite("Vector environment")
struct VectorTests {
    func rollout(threads: Int, count: Int) throws -> [[Double]] {
        let venv = try VectorEnvironment(id: "Hopper-v5", count: count, threads: threads)
        var rng = RandomStream(seed: 7)
        var out = try venv.reset(seed: 100).observations
        for _ in 0..<60 {
            let r = try venv.step(venv.sampleActions(using: &rng))
            out += r.observations
            out.append(r.rewards)
        }
        return out
    }

    @Test func deterministicRegardlessOfThreads() throws {
        let one = try rollout(threads: 1, count: 6)
        let two = try rollout(threads: 2, count: 6)
        let four = try rollout(threads: 4, count: 6)
        #expect(one == two)
        #expect(one == four)
    }

    @Test func sameStepAutoreset() throws {
        let venv = try VectorEnvironment(count: 3, threads: 2) { i in try make("Pendulum-v1", maxEpisodeSteps: 3 + i) }
        venv.parallelThreshold = 1
        _ = try venv.reset(seed: 0)
        var ends: [[Bool]] = []
        for _ in 0..<6 {
            let r = try venv.step([[0], [0], [0]])
            ends.append(r.truncated)
            for i in 0..<3 {
                #expect((r.finalObservations[i] != nil) == r.truncated[i])
                #expect(!r.terminated[i])
            }
        }
        #expect(ends.map { $0[0] } == [false, false, true, false, false, true])
        #expect(ends.map { $0[1] } == [false, false, false, true, false, false])
        #expect(ends.map { $0[2] } == [false, false, false, false, true, false])
    }

    @Test func vectorMatchesSingleEnvironments() throws {
        let venv = try VectorEnvironment(id: "Walker2d-v5", count: 4, threads: 2)
        let singles = try (0..<4).map { _ in try make("Walker2d-v5") }
        let start = try venv.reset(seed: 20).observations
        for i in 0..<4 { #expect(try singles[i].reset(seed: UInt64(20 + i)).observation == start[i]) }
        var rng = RandomStream(seed: 1)
        for _ in 0..<100 {
            let actions = venv.sampleActions(using: &rng)
            let r = try venv.step(actions)
            for i in 0..<4 {
                let s = try singles[i].step(actions[i])
                #expect(s.reward == r.rewards[i] && s.terminated == r.terminated[i])
                if s.done {
                    #expect(r.finalObservations[i] == s.observation)
                    #expect(try singles[i].reset().observation == r.observations[i])
                } else {
                    #expect(r.observations[i] == s.observation)
                }
            }
        }
    }

    @Test func unseededCopiesDiffer() throws {
        let venv = try VectorEnvironment(id: "HalfCheetah-v5", count: 3)
        let first = try venv.reset().observations
        #expect(first[0] != first[1] && first[1] != first[2])
        #expect(first == (try venv.reset(seed: 0).observations))
        #expect(first != (try venv.reset().observations))
    }

    @Test func vectorErrors() throws {
        let venv = try VectorEnvironment(id: "Reacher-v5", count: 4, threads: 2)
        #expect(throws: EnvironmentError.self) { try venv.step(Array(repeating: [0, 0], count: 4)) }
        _ = try venv.reset(seed: 0)
        #expect(throws: EnvironmentError.self) { try venv.step(Array(repeating: [0, 0], count: 3)) }
        // The copy at fault is named.
        #expect(throws: EnvironmentError.invalidConfiguration("copy 2: Action has 1 components but the action space has 2.")) {
            try venv.step([[0, 0], [0, 0], [0], [0, 0]])
        }
    }
}
