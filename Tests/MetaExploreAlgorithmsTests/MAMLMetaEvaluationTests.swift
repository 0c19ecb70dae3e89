import Foundation
import MetaExploreAlgorithms
import MetaExploreEnvironments
import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor
import Testing

/// Meta-evaluation on an untrained policy, before any training.
@Suite("MAML meta-evaluation") struct MAMLMetaEvaluationTests {
    func setUp() throws -> (GaussianMLPPolicy, MultiTaskSampler, [MetaTask], MetaEvaluationTrace, AdaptationSettings) {
        let policy = smallPolicy(observations: 2, actions: 2)
        let sampler = try MultiTaskSampler(copies: 8, threads: 2, horizon: 100) { try make("PointGoal-v1") }
        let tasks = sampler.environments[0].testTasks(count: 4)
        let adaptation = AdaptationSettings()
        let trace = try sampler.metaEvaluate(policy: policy, tasks: tasks, trajectoriesPerTask: 5, steps: 2,
                                             adaptation: adaptation, seed: 11)
        return (policy, sampler, tasks, trace, adaptation)
    }

    /// (a) every adaptation batch was collected on its own task: rewards recomputed from that task's goal.
    @Test func adaptsOnTheRightTask() throws {
        let (_, _, tasks, trace, _) = try setUp()
        #expect(trace.batches.count == 3 && trace.result.returns.count == 3)
        for (s, batch) in trace.batches.enumerated() {
            for (i, task) in tasks.enumerated() {
                #expect(batch.taskDescriptors[i] == task.descriptor)
                let (recomputed, stored) = pointGoalRewards(batch, task: i, goal: task.descriptor)
                #expect(maxDifference(recomputed, stored) < 1e-12, "step \(s) task \(i)")
                #expect(abs(trace.result.returns[s][i] - batch.task(i).averageReturn) < 1e-12)
            }
        }
        #expect(trace.result.means.count == 3 && trace.result.halfWidths.allSatisfy { $0 > 0 })
    }

    /// (b) the data step s + 1 adapts on are samples of the policy after s steps only: their stored log-probabilities
    /// are that policy's (θ for the first step), and differ from the next policy's.
    @Test func adaptationDataComesFromThePreUpdatePolicy() throws {
        let (policy, _, tasks, trace, _) = try setUp()
        for s in 0..<trace.batches.count {
            for i in tasks.indices {
                let single = trace.batches[s].task(i)
                let logp = { (p: [Tensor]) in withoutGradients {
                    policy.logProbability(observations: single.observationTensor(dtype: .float64),
                                          actions: single.actionTensor(dtype: .float64), parameters: p).doubles
                } }
                let valid = single.mask
                let own = zip(logp(trace.parameters[s][i]), valid).filter { $0.1 > 0 }.map(\.0)
                let stored = zip(single.logProbabilities, valid).filter { $0.1 > 0 }.map(\.0)
                #expect(maxDifference(own, stored) < 1e-9, "step \(s) task \(i)")
                if s + 1 < trace.parameters.count {
                    let next = zip(logp(trace.parameters[s + 1][i]), valid).filter { $0.1 > 0 }.map(\.0)
                    #expect(maxDifference(next, stored) > 1e-6)
                }
            }
        }
        #expect(flatten(trace.parameters[0][0]) == policy.flatParameters())
    }

    /// (c) the policy evaluated after k steps is the adapted one: its parameters differ from θ and equal θ after k
    /// inner steps computed here by hand (REINFORCE loss, linear baseline, normalized advantages, α = 0.1) on the
    /// same samples; θ itself is unchanged.
    @Test func evaluatedPolicyIsTheAdaptedOne() throws {
        let (policy, _, tasks, trace, adaptation) = try setUp()
        let theta = policy.flatParameters()
        for i in tasks.indices {
            var p = policy.parameters.map { $0.detached().copy() }
            for s in 0..<2 {
                let single = trace.batches[s].task(i)
                let adv = try adaptation.advantages.advantages(single)
                let leaves = p.map { $0.detached().requiringGrad() }
                let logp = policy.logProbability(observations: single.observationTensor(dtype: .float64),
                                                 actions: single.actionTensor(dtype: .float64), parameters: leaves)
                let mask = single.maskTensor(dtype: .float64)
                let loss = -((logp * Tensor(shape: [single.stepCount], doubles: adv, dtype: .float64)) * mask).sum()
                    / mask.doubles.reduce(0, +)
                let g = gradients(of: loss, wrt: leaves)
                p = withoutGradients { zip(leaves, g).map { ($0 - $1 * 0.1).detached() } }
            }
            let manual = flatten(p), evaluated = flatten(trace.parameters[2][i])
            #expect(maxDifference(manual, evaluated) < 1e-10, "task \(i)")
            #expect(maxDifference(evaluated, theta) > 1e-4)
        }
        #expect(policy.flatParameters() == theta)
    }

    /// (d) held-out tasks are the family's fixed list, not the training stream: no training draw of the first
    /// iterations, even with the held-out seed as the run seed, is a held-out task.
    @Test func heldOutTasksAreNotTrainingTasks() throws {
        let handle = try TaskEnvironmentHandle(make("PointGoal-v1"))
        let test = handle.testTasks(count: 40)
        #expect(test.map(\.descriptor) == PointGoal.testTasks(count: 40).map { [$0.x, $0.y] })
        for seed in [0, HeldOutTasks.seed] {
            for iteration in 0..<5 {
                let train = trainingTasks(handle, count: 40, seed: seed, iteration: iteration)
                #expect(Set(train.map(\.descriptor)).isDisjoint(with: Set(test.map(\.descriptor))))
            }
        }
    }

    @Test func studentQuantiles() {
        #expect(abs(studentT975(degreesOfFreedom: 39) - 2.022691) < 2e-4)
        #expect(abs(studentT975(degreesOfFreedom: 4) - 2.776445) < 1e-6)
        #expect(abs(confidenceHalfWidth95([1, 2, 3]) - 4.302653 * (1.0 / 3).squareRoot()) < 1e-6)
    }
}
