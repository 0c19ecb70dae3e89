import Foundation
import MetaExploreAlgorithms
import MetaExploreEnvironments
import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor
import Testing

@Suite struct MetaRewardSignTests {
    /// Runs one iteration with a fixed-mean teacher against an imitating student at μ = −0.5 on a bandit whose best
    /// action is 0.8; returns the meta-reward.
    func metaRewardForTeacherMean(_ mean: Double) throws -> MetaPolicyGradientReport {
        var c = MetaPolicyGradientConfiguration()
        c.explorationSteps = 32
        c.evaluationSteps = 4
        c.exerciseSteps = 1
        c.exerciseBatchSize = 64
        let student = ImitationStudent(mu: -0.5, rate: 0.5)
        let teacher = ConstantGaussianTeacher(mean: mean, std: 0.05)
        let iteration = MetaPolicyGradientIteration(configuration: c, student: student, teacher: teacher,
                                                    rng: RandomStream(seed: 5))
        let cursor = try RolloutCursor(environment: QuadraticBandit(target: 0.8), resetSeeds: RandomStream(seed: 6))
        return try iteration.run(student: student, exploration: cursor, evaluation: cursor, sink: { _ in })
    }

    @Test func dataThatImprovesTheStudentEarnsAPositiveMetaReward() throws {
        let good = try metaRewardForTeacherMean(0.8)
        // π: −(−0.5 − 0.8)² per step; π′ moves halfway to ≈0.8: μ′ ≈ 0.15, −(0.15 − 0.8)² per step.
        #expect(abs(good.studentReturn - 4 * -1.69) < 1e-9)
        #expect(good.metaReward > 0)
        #expect(abs(good.lookaheadReturn - 4 * -(0.15 - 0.8) * (0.15 - 0.8)) < 0.05)
    }

    @Test func dataThatMisleadsTheStudentEarnsANegativeMetaReward() throws {
        #expect(try metaRewardForTeacherMean(-1).metaReward < 0)
    }

    /// A DDPG student: the teacher's data around the optimum of a one-step bandit teaches the critic the reward's
    /// shape, and the look-ahead actor moves toward the optimum.
    @Test func ddpgLookaheadImprovesOnInformativeData() throws {
        var rng = RandomStream(seed: 21)
        var ddpg = DDPGLearnerConfiguration()
        ddpg.actorLearningRate = 1e-3
        ddpg.criticLearningRate = 1e-2
        ddpg.criticL2 = 0
        let student = DDPGLearner(observationSize: 1, actionSize: 1, configuration: ddpg, using: &rng)
        var c = MetaPolicyGradientConfiguration()
        c.explorationSteps = 200
        c.evaluationSteps = 2
        c.exerciseSteps = 300
        let iteration = MetaPolicyGradientIteration(configuration: c, valueStudent: student,
                                                    teacher: ConstantGaussianTeacher(mean: 0.4, std: 0.5),
                                                    rng: RandomStream(seed: 22))
        let cursor = try RolloutCursor(environment: QuadraticBandit(target: 0.8), resetSeeds: RandomStream(seed: 23))
        let report = try iteration.run(student: student, exploration: cursor, evaluation: cursor, sink: { _ in })
        #expect(report.metaReward > 0, "R̂π′ \(report.lookaheadReturn) vs R̂π \(report.studentReturn)")
    }
}

@Suite struct PendulumIterationTests {
    func smallConfiguration(_ variant: MetaPolicyVariant) -> MetaPolicyGradientConfiguration {
        var c = MetaPolicyGradientConfiguration(variant: variant)
        c.explorationSteps = 20
        c.evaluationSteps = 40
        c.studentTrainingSteps = 4
        c.exerciseBatchSize = 16
        c.teacherSteps = 2
        c.teacher.subsampleSize = 12
        return c
    }

    @Test(arguments: MetaPolicyVariant.allCases)
    func iterationsRunEndToEnd(variant: MetaPolicyVariant) throws {
        var rng = RandomStream(seed: 31)
        let env = try make("Pendulum-v1")
        let student = DDPGLearner(observationSize: 3, actionSize: 1, using: &rng)
        let c = smallConfiguration(variant)
        let iteration = MetaPolicyGradientIteration(configuration: c, valueStudent: student, rng: RandomStream(seed: 32))
        #expect(iteration.teacher.variant == variant)
        let cursor = try RolloutCursor(environment: env, resetSeeds: RandomStream(seed: 33))
        var buffer: [RolloutStep] = []
        let initial = try iteration.initialize(student: student, cursor: cursor, sink: { buffer.append($0) })
        #expect(buffer.count == c.evaluationSteps && initial.isFinite)
        let teacherBefore = flatParameters(iteration.teacher)
        var sampler = RandomStream(seed: 34)
        for k in 1...3 {
            let before = buffer.count
            let report = try iteration.run(student: student, exploration: cursor, evaluation: cursor,
                                           sink: { buffer.append($0) })
            // D0 then D1 went to the sink, sourced as expected.
            #expect(buffer.count == before + c.explorationSteps + c.evaluationSteps)
            #expect(buffer[before..<(before + c.explorationSteps)].allSatisfy { $0.source == .teacher })
            #expect(buffer[(before + c.explorationSteps)...].allSatisfy { $0.source == .student })
            #expect(buffer[before..<(before + c.explorationSteps)].allSatisfy { abs($0.action[0]) <= 1 })
            for value in [report.metaReward, report.lookaheadReturn, report.studentReturn,
                          report.teacherUpdate.logProbabilityAfter, report.teacherUpdate.entropy] {
                #expect(value.isFinite)
            }
            #expect(report.iteration == k)
            #expect(abs(report.metaReward - (report.lookaheadReturn - report.studentReturn)) < 1e-9)
            if k == 1 {
                #expect(report.studentReturn == initial)
                // Adam's first step moves along the gradient's sign: Σ log πe(D0) moves with the meta-reward.
                let change = report.teacherUpdate.logProbabilityAfter - report.teacherUpdate.logProbabilityBefore
                #expect(change * report.metaReward > 0, "Δ log P \(change), meta-reward \(report.metaReward)")
            }
            // Line 10: the caller's DDPG updates on its buffer; R̂π carries over from R̂π′.
            MetaPolicyGradientIteration<DDPGLearner>.trainStudent(student, steps: c.studentTrainingSteps) {
                minibatch(of: transitionBatch(buffer), size: 16, using: &sampler)
            }
            #expect(iteration.studentReturn == report.lookaheadReturn)
        }
        #expect(flatParameters(iteration.teacher) != teacherBefore)
        #expect(flatParameters(iteration.teacher).allSatisfy { $0.isFinite })
        #expect(flatParameters(student.actor).allSatisfy { $0.isFinite })
    }

    @Test func adoptingTheLookaheadMovesTheRealStudent() throws {
        var rng = RandomStream(seed: 41)
        let student = DDPGLearner(observationSize: 3, actionSize: 1, using: &rng)
        var c = smallConfiguration(.meta)
        c.adoptLookaheadStudent = true
        let iteration = MetaPolicyGradientIteration(configuration: c, valueStudent: student, rng: RandomStream(seed: 42))
        let cursor = try RolloutCursor(environment: try make("Pendulum-v1"), resetSeeds: RandomStream(seed: 43))
        try iteration.initialize(student: student, cursor: cursor, sink: { _ in })
        let updates = student.updates
        try iteration.run(student: student, exploration: cursor, evaluation: cursor, sink: { _ in })
        #expect(student.updates == updates + c.resolvedExerciseSteps)
    }
}

@Suite struct TeacherLearningTests {
    /// A tiny meta problem: a fixed imitating student at μ = −0.5 (rate 0.5) on a bandit with optimum 0.7. The
    /// data that helps most has its mean at or beyond the upper bound, so the teacher's mean must rise.
    @Test func teacherLearnsToExploreWhereItHelps() throws {
        var c = MetaPolicyGradientConfiguration()
        c.explorationSteps = 16
        c.evaluationSteps = 1
        c.exerciseSteps = 1
        c.teacher.learningRate = 0.02
        c.teacher.useBaseline = true
        c.teacher.normalizeMetaReward = true
        let student = ImitationStudent(mu: -0.5, rate: 0.5)
        let teacher = ConstantGaussianTeacher(mean: -0.2, std: 0.5)
        let iteration = MetaPolicyGradientIteration(configuration: c, student: student, teacher: teacher,
                                                    rng: RandomStream(seed: 51))
        let cursor = try RolloutCursor(environment: QuadraticBandit(target: 0.7), resetSeeds: RandomStream(seed: 52))
        var rewards: [Double] = []
        for _ in 0..<300 {
            rewards.append(try iteration.run(student: student, exploration: cursor, evaluation: cursor,
                                             sink: { _ in }).lookaheadReturn)
        }
        #expect(student.mu == -0.5)  // lines 5–9 never touch the real student
        #expect(teacher.mean.item > 0.6, "teacher mean \(teacher.mean.item)")
        let early = rewards.prefix(30).reduce(0, +) / 30, late = rewards.suffix(30).reduce(0, +) / 30
        #expect(late > early, "look-ahead return early \(early), late \(late)")
    }
}

@Suite struct ConfigurationTests {
    @Test func defaultsFollowThePaper() {
        let c = MetaPolicyGradientConfiguration()
        #expect(c.explorationSteps == 100 && c.evaluationSteps == 200 && c.studentTrainingSteps == 50)
        #expect(c.teacherSteps == 1 && c.cyclesPerEpoch == 20 && c.teacher.learningRate == 1e-4)
        #expect(c.teacher.hiddenSizes == [64, 64] && c.variant == .meta)
        #expect(c.environmentStepsPerIteration == 300)
    }

    @Test func presetsOfTheSixTasks() throws {
        let expected: [(String, Int, Int, Int, Int, Int)] = [
            ("Pendulum-v1", 100, 200, 50, 1, 900_000),
            ("InvertedPendulum-v5", 1000, 2000, 500, 100, 1_500_000),
            ("InvertedDoublePendulum-v5", 100, 200, 50, 1, 1_500_000),
            ("Hopper-v5", 100, 200, 50, 1, 1_000_000),
            ("HalfCheetah-v5", 1000, 2000, 500, 100, 1_500_000),
            ("Reacher-v5", 100, 200, 50, 1, 700_000),
        ]
        for (id, e, v, s, t, total) in expected {
            let name = "meta-" + id.split(separator: "-")[0].lowercased()
            let resolved = try FamilyRegistry.builtIn.configuration(preset: name)
            let experiment = try #require(resolved.typed(MetaPolicyGradientExperimentConfiguration.self), "\(name)")
            let c = experiment.metaConfiguration
            #expect(experiment.environment == id, "\(name)")
            #expect(c.explorationSteps == e && c.evaluationSteps == v && c.studentTrainingSteps == s, "\(id)")
            #expect(c.teacherSteps == t && c.totalSteps == total, "\(id)")
            #expect(Registry.ids.contains(id))
        }
        let state = try FamilyRegistry.builtIn.configuration(algorithm: "meta-state", preset: "meta-hopper")
        #expect(state.typed(MetaPolicyGradientExperimentConfiguration.self)?.metaConfiguration.variant == .metaState)
    }

    @Test func configurationRoundTripsThroughJSON() throws {
        var c = MetaPolicyGradientConfiguration(variant: .metaVariance, totalSteps: 1_500_000)
        c.explorationSteps = 1000
        c.teacher.useBaseline = true
        c.teacher.features.residualChange = .absolute
        let decoded = try JSONDecoder().decode(MetaPolicyGradientConfiguration.self, from: JSONEncoder().encode(c))
        #expect(decoded == c)
    }
}
