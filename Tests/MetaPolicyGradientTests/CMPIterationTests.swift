import Foundation
import MetaExploreAlgorithms
import MetaExploreEnvironments
import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor
import Testing

@Suite struct CMPIterationTests {
    func smallConfiguration(_ variant: CMPVariant) -> CMPConfiguration {
        var c = CMPConfiguration(variant: variant)
        c.explorationSteps = 16
        c.evaluationSteps = 24
        c.studentTrainingSteps = 4
        c.exerciseBatchSize = 16
        c.teacherUpdates = 3
        c.metaQ.updates = 2
        c.movingSumWindow = 2
        return c
    }

    static let variants: [CMPVariant] = [.cmp(beta: 1), .cmp(beta: 0), .ma2c, .l2explore]
    static let schedules: [MetaQSchedule] = [.perIteration, .perTeacherUpdate]

    @Test(arguments: variants, schedules)
    func iterationsRunEndToEndOnPendulum(variant: CMPVariant, schedule: MetaQSchedule) throws {
        var rng = RandomStream(seed: 61)
        let student = DDPGLearner(observationSize: 3, actionSize: 1, using: &rng)
        var c = smallConfiguration(variant)
        c.metaQ.schedule = schedule
        let iteration = CMPIteration(configuration: c, student: student, rng: RandomStream(seed: 62))
        #expect((iteration.metaQ == nil) == (variant == .l2explore))
        let cursor = try RolloutCursor(environment: try make("Pendulum-v1"), resetSeeds: RandomStream(seed: 63))
        var buffer: [RolloutStep] = []
        let initial = try iteration.initialize(student: student, cursor: cursor, sink: { buffer.append($0) })
        #expect(buffer.count == c.evaluationSteps && initial.isFinite)
        let teacherBefore = flatParameters(iteration.teacher)
        var sampler = RandomStream(seed: 64)
        var explored: [Double] = []
        var previousBootstrap: Double?
        var previousReward = 0.0
        for k in 1...3 {
            let before = buffer.count
            let report = try iteration.run(student: student, exploration: cursor, evaluation: cursor,
                                           sink: { buffer.append($0) })
            // Line 16: τi then τ′i reached the sink.
            #expect(buffer.count == before + c.explorationSteps + c.evaluationSteps)
            #expect(buffer[before..<(before + c.explorationSteps)].allSatisfy { $0.source == .teacher })
            #expect(buffer[(before + c.explorationSteps)...].allSatisfy { $0.source == .student })
            #expect(report.iteration == k && report.variant == variant)
            #expect(abs(report.metaReward - (report.lookaheadReturn - report.studentReturn)) < 1e-9)
            #expect(report.advantages.count == c.teacherUpdates && report.teacherUpdates.count == c.teacherUpdates)
            let numbers = [report.metaReward, report.explorationReward, report.movingExplorationReward]
                + report.advantages + report.metaQUpdates.map(\.loss)
                + report.teacherUpdates.map(\.logProbabilityAfter)
            #expect(numbers.allSatisfy { $0.isFinite }, "\(numbers)")
            // Lines 10–13: no τ0 on the first iteration, then `updates` Q̂ steps per iteration or per πe update.
            let perIteration = schedule == .perIteration ? c.metaQ.updates : c.teacherUpdates * c.metaQ.updates
            let expectedQ = variant == .l2explore || k == 1 ? 0 : perIteration
            #expect(report.metaQUpdates.count == expectedQ)
            // Eq. 11 pairs τi with τi−1 and Ri−1: the first target is Σ Q̂′(τi−1) − Ri−1/γ.
            if let b = previousBootstrap, let first = report.metaQUpdates.first {
                let y = b - previousReward / c.metaQ.gamma
                #expect(abs(first.target - y) < 1e-3 * max(1, abs(y)), "target \(first.target) vs \(y)")
            }
            // Line 14: the advantage each πe step used is the variant's function of the logged terms.
            for (terms, a) in zip(report.counterfactualTerms, report.advantages) {
                #expect(abs(a - explorationAdvantage(terms, metaReward: report.metaReward, variant: variant)) < 1e-9)
            }
            for (u, a) in zip(report.teacherUpdates, report.advantages) { #expect(u.metaReward == a) }
            explored.append(report.explorationReward)
            #expect(abs(report.movingExplorationReward - explored.suffix(2).reduce(0, +)) < 1e-9)
            // Lines 17–18 by the caller; line 19 under the default: R̂π ← Rπ′.
            CMPIteration<DDPGLearner>.trainStudent(student, steps: c.studentTrainingSteps) {
                minibatch(of: transitionBatch(buffer), size: 16, using: &sampler)
            }
            #expect(iteration.studentReturn == report.lookaheadReturn)
            previousBootstrap = iteration.metaQ?.bootstrapValue(iteration.stateActionTrajectory(report.explorationData))
            previousReward = report.metaReward
        }
        #expect(flatParameters(iteration.teacher) != teacherBefore)
        #expect(flatParameters(iteration.teacher).allSatisfy { $0.isFinite })
        if let q = iteration.metaQ { #expect(flatParameters(q).allSatisfy { $0.isFinite }) }
    }

    @Test func l2exploreWeighsByTheMetaRewardAndCMPReadsTheCritic() throws {
        var rng = RandomStream(seed: 71)
        let student = DDPGLearner(observationSize: 3, actionSize: 1, using: &rng)
        let cursor = try RolloutCursor(environment: try make("Pendulum-v1"), resetSeeds: RandomStream(seed: 72))
        let l2 = CMPIteration(configuration: smallConfiguration(.l2explore), student: student,
                              rng: RandomStream(seed: 73))
        let r = try l2.run(student: student, exploration: cursor, evaluation: cursor, sink: { _ in })
        #expect(r.advantages.allSatisfy { $0 == r.metaReward })
        let cmp = CMPIteration(configuration: smallConfiguration(.cmp(beta: 2)), student: student,
                               rng: RandomStream(seed: 74))
        let report = try cmp.run(student: student, exploration: cursor, evaluation: cursor, sink: { _ in })
        // The critic terms are Σ Q(s, a) of the student's critic on τ's states with the executed and π's actions.
        let traj = cmp.stateActionTrajectory(report.explorationData)
        let qe = student.qValues(traj.observations, traj.actions).doubles.reduce(0, +)
        let qp = student.qValues(traj.observations, student.act(traj.observations)).doubles.reduce(0, +)
        let terms = report.counterfactualTerms[0]
        #expect(abs(terms.criticExploration - qe) < 1e-4 && abs(terms.criticExploitation - qp) < 1e-4)
        #expect(abs(report.advantages[0] - counterfactualValue(terms, beta: 2)) < 1e-9)
    }

    /// `MetaQSchedule`: per iteration, all Q̂ steps come before the first πe update, so every πe update of the
    /// iteration reads the same terms (executed actions) and Q̂ ends where `updates` hand-made steps from the same
    /// start end; per πe update, the terms move between πe updates as Q̂ learns.
    @Test func metaQScheduleOrdersTheUpdates() throws {
        func secondIteration(_ schedule: MetaQSchedule) throws -> (CMPReport, CMPIteration<DDPGLearner>, MetaQ) {
            var rng = RandomStream(seed: 95)
            let student = DDPGLearner(observationSize: 3, actionSize: 1, using: &rng)
            var c = smallConfiguration(.cmp(beta: 1))
            c.metaQ.schedule = schedule
            c.teacherUpdates = 4
            let iteration = CMPIteration(configuration: c, student: student, rng: RandomStream(seed: 96))
            let cursor = try RolloutCursor(environment: try make("Pendulum-v1"), resetSeeds: RandomStream(seed: 97))
            let first = try iteration.run(student: student, exploration: cursor, evaluation: cursor, sink: { _ in })
            // A copy of Q̂ as the second iteration will find it.
            var copyRng = RandomStream(seed: 1)
            let before = MetaQ(observationSize: 3, actionSize: 1, configuration: c.metaQ, using: &copyRng)
            before.network.copyParameters(from: iteration.metaQ!.network)
            before.target.copyParameters(from: iteration.metaQ!.target)
            let report = try iteration.run(student: student, exploration: cursor, evaluation: cursor, sink: { _ in })
            // Replay the iteration's Q̂ steps by hand on (τ2, τ1, R1).
            let current = iteration.stateActionTrajectory(report.explorationData)
            let previous = iteration.stateActionTrajectory(first.explorationData)
            for _ in 0..<report.metaQUpdates.count {
                before.update(current: current, previous: previous, previousMetaReward: first.metaReward)
            }
            return (report, iteration, before)
        }
        let (hoisted, hoistedIteration, hoistedReplay) = try secondIteration(.perIteration)
        #expect(hoisted.metaQUpdates.count == 2)
        #expect(hoisted.counterfactualTerms.count == 4)
        #expect(Set(hoisted.counterfactualTerms.map(\.metaQExploration)).count == 1)
        #expect(Set(hoisted.advantages).count == 1)
        #expect(flatParameters(hoistedReplay.network) == flatParameters(hoistedIteration.metaQ!.network))
        // The terms the πe updates read are those of the Q̂ after all of the iteration's steps.
        let traj = hoistedIteration.stateActionTrajectory(hoisted.explorationData)
        let q = hoistedReplay.values(traj.observations, traj.actions).doubles.reduce(0, +)
        #expect(abs(hoisted.counterfactualTerms[0].metaQExploration - q) < 1e-4 * max(1, abs(q)))

        let (nested, nestedIteration, nestedReplay) = try secondIteration(.perTeacherUpdate)
        #expect(nested.metaQUpdates.count == 8)
        #expect(Set(nested.counterfactualTerms.map(\.metaQExploration)).count == 4)
        #expect(flatParameters(nestedReplay.network) == flatParameters(nestedIteration.metaQ!.network))
        // Same start, same data: the nested schedule's Q̂ after its first two steps is the hoisted one's.
        #expect(nested.metaQUpdates.prefix(2).map(\.loss) == hoisted.metaQUpdates.map(\.loss))
    }

    /// Â centring: no baseline in the first iteration, then an exponential moving average of earlier iterations'
    /// mean raw Â, subtracted from every πe update's Â.
    @Test func advantageBaselineCentresAcrossIterations() throws {
        var rng = RandomStream(seed: 98)
        let student = DDPGLearner(observationSize: 3, actionSize: 1, using: &rng)
        var c = smallConfiguration(.cmp(beta: 1))
        c.advantageBaselineDecay = 0.75
        let iteration = CMPIteration(configuration: c, student: student, rng: RandomStream(seed: 99))
        let cursor = try RolloutCursor(environment: try make("Pendulum-v1"), resetSeeds: RandomStream(seed: 100))
        var expected: Double?
        for _ in 0..<3 {
            let r = try iteration.run(student: student, exploration: cursor, evaluation: cursor, sink: { _ in })
            #expect(abs(r.advantageBaseline - (expected ?? 0)) < 1e-9)
            let raw = r.counterfactualTerms.map { explorationAdvantage($0, metaReward: r.metaReward, variant: r.variant) }
            for (a, x) in zip(r.advantages, raw) { #expect(abs(a - (x - r.advantageBaseline)) < 1e-9) }
            for (u, a) in zip(r.teacherUpdates, r.advantages) { #expect(u.metaReward == a) }
            let mean = raw.reduce(0, +) / Double(raw.count)
            expected = expected.map { 0.75 * $0 + 0.25 * mean } ?? mean
            #expect(abs(iteration.advantageBaseline! - expected!) < 1e-9)
        }
        #expect(expected != 0)
    }

    /// Eq. 11 on a fixed pair of Pendulum exploration trajectories: repeated Q̂ updates (with the soft target)
    /// drive the loss down.
    @Test func metaQLossDecreasesOnAFixedPair() throws {
        var rng = RandomStream(seed: 81)
        let student = DDPGLearner(observationSize: 3, actionSize: 1, using: &rng)
        let iteration = CMPIteration(configuration: smallConfiguration(.cmp(beta: 1)), student: student,
                                     rng: RandomStream(seed: 82))
        let cursor = try RolloutCursor(environment: try make("Pendulum-v1"), resetSeeds: RandomStream(seed: 83))
        let first = try iteration.run(student: student, exploration: cursor, evaluation: cursor, sink: { _ in })
        let second = try iteration.run(student: student, exploration: cursor, evaluation: cursor, sink: { _ in })
        let previous = iteration.stateActionTrajectory(first.explorationData)
        let current = iteration.stateActionTrajectory(second.explorationData)
        var c = MetaQConfiguration()
        c.reduction = .mean
        var qRng = RandomStream(seed: 84)
        let q = MetaQ(observationSize: 3, actionSize: 1, configuration: c, using: &qRng)
        let losses = (0..<150).map { _ in q.update(current: current, previous: previous, previousMetaReward: 2).loss }
        #expect(losses.allSatisfy { $0.isFinite })
        #expect(losses[0] > 3)  // Q̂ ≈ 0 at the start, the target ≈ −2/γ.
        #expect(losses.suffix(10).max()! < 0.05 * losses[0], "first \(losses[0]), last \(losses.suffix(10))")
    }

    @Test func meanExplorationActionsAndLookaheadCritic() throws {
        var rng = RandomStream(seed: 91)
        let student = DDPGLearner(observationSize: 3, actionSize: 1, using: &rng)
        var c = smallConfiguration(.cmp(beta: 1))
        c.explorationActionSource = .mean
        c.criticSource = .lookahead
        c.adoptLookaheadStudent = true
        let iteration = CMPIteration(configuration: c, student: student, rng: RandomStream(seed: 92))
        let cursor = try RolloutCursor(environment: try make("Pendulum-v1"), resetSeeds: RandomStream(seed: 93))
        try iteration.initialize(student: student, cursor: cursor, sink: { _ in })
        let updates = student.updates
        let report = try iteration.run(student: student, exploration: cursor, evaluation: cursor, sink: { _ in })
        #expect(report.advantages.allSatisfy { $0.isFinite })
        #expect(student.updates == updates + c.resolvedExerciseSteps)
    }
}

@Suite struct CMPConfigurationTests {
    @Test func defaultsFollowSection4_1() {
        let c = CMPConfiguration()
        #expect(c.variant == .cmp(beta: 1) && c.explorationSteps == 100 && c.evaluationSteps == 200)
        #expect(c.studentTrainingSteps == 50 && c.teacherUpdates == 50 && c.metaQ.updates == 5)
        #expect(c.metaQ.schedule == .perIteration)
        #expect(c.teacher.learningRate == 1e-4 && c.metaQ.hiddenSizes == [64, 64] && c.metaQ.layerNorm)
        #expect(c.environmentStepsPerIteration == 300 && c.movingSumWindow == 25)
        let m = c.metaPolicyGradientConfiguration
        #expect(m.variant == .meta && m.explorationSteps == 100 && m.teacherSteps == 50)
    }

    @Test func presetsOfTheSixTasks() throws {
        let expected: [(String, Int, Int, Int, Int)] = [
            ("HalfCheetah-v5", 1000, 2000, 500, 500), ("Pendulum-v1", 100, 200, 50, 50),
            ("Hopper-v5", 100, 200, 50, 50), ("Walker2d-v5", 100, 200, 50, 50),
            ("InvertedPendulum-v5", 1000, 2000, 500, 500), ("InvertedDoublePendulum-v5", 100, 200, 50, 50),
        ]
        for (id, e, v, s, t) in expected {
            let name = "cmp-" + id.split(separator: "-")[0].lowercased()
            let resolved = try FamilyRegistry.builtIn.configuration(preset: name)
            let experiment = try #require(resolved.typed(CMPExperimentConfiguration.self), "\(name)")
            let c = experiment.cmpConfiguration
            #expect(experiment.environment == id && c.variant == .cmp(beta: 1), "\(name)")
            #expect(c.explorationSteps == e && c.evaluationSteps == v && c.studentTrainingSteps == s, "\(id)")
            #expect(c.teacherUpdates == t && c.metaQ.updates == 5, "\(id)")
            #expect(Registry.ids.contains(id))
        }
    }

    @Test func configurationRoundTripsThroughJSON() throws {
        for variant in [CMPVariant.cmp(beta: 0.5), .ma2c, .l2explore] {
            var c = CMPConfiguration(variant: variant, totalSteps: 1_500_000)
            c.explorationSteps = 1000
            c.metaQ.targetForm = .forwardTD
            c.metaQ.reduction = .mean
            c.metaQ.schedule = .perTeacherUpdate
            c.explorationActionSource = .mean
            let decoded = try JSONDecoder().decode(CMPConfiguration.self, from: JSONEncoder().encode(c))
            #expect(decoded == c)
        }
    }
}
