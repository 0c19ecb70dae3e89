import Foundation
import MetaExploreAlgorithms
import MetaExploreEnvironments
import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor
import Testing

/// PointGoal's reward recomputed from the task's definition: the policy's action a (in [−1, 1] units) moves the point
/// by 0.1·clip(a, −1, 1) (the normalizing wrapper onto the ±0.1 box), then r = −‖s′ − g‖.
func pointGoalRewards(_ batch: TrajectoryBatch, task i: Int, goal: [Double]) -> (recomputed: [Double], stored: [Double]) {
    var recomputed: [Double] = [], stored: [Double] = []
    for e in 0..<batch.episodesPerTask {
        let row = i * batch.episodesPerTask + e
        for t in 0..<batch.lengths[row] {
            let k = row * batch.horizon + t
            var next = [0.0, 0.0]
            for d in 0..<2 {
                let a = Swift.min(Swift.max(batch.actions[k * 2 + d], -1), 1)
                next[d] = batch.observations[k * 2 + d] + Swift.min(Swift.max(0.1 * a, -0.1), 0.1)
            }
            recomputed.append(-((next[0] - goal[0]) * (next[0] - goal[0]) + (next[1] - goal[1]) * (next[1] - goal[1])).squareRoot())
            stored.append(batch.rewards[k])
        }
    }
    return (recomputed, stored)
}

func maxDifference(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

func smallPolicy(observations: Int, actions: Int, seed: UInt64 = 1, dtype: DType = .float64) -> GaussianMLPPolicy {
    var rng = RandomStream(seed: seed)
    return GaussianMLPPolicy(observationSize: observations, actionSize: actions, hiddenSizes: [16], activation: .tanh,
                             dtype: dtype, using: &rng)
}

func sameBatch(_ a: TrajectoryBatch, _ b: TrajectoryBatch) -> Bool {
    a.observations == b.observations && a.actions == b.actions && a.rewards == b.rewards
        && a.logProbabilities == b.logProbabilities && a.lengths == b.lengths && a.terminated == b.terminated
        && a.taskDescriptors == b.taskDescriptors
}

@Suite("MAML multi-task sampler") struct MAMLSamplerTests {
    @Test func sameSamplesWhateverTheThreadCountAndTasksComeFromTheirTask() throws {
        let policy = smallPolicy(observations: 2, actions: 2)
        var batches: [TrajectoryBatch] = [], posts: [TrajectoryBatch] = []
        for threads in [1, 2] {
            let sampler = try MultiTaskSampler(copies: 5, threads: threads, horizon: 100) { try make("PointGoal-v1") }
            let tasks = trainingTasks(sampler.environments[0], count: 3, seed: 7, iteration: 0)
            let random = RandomStream(seed: 7, stream: "sampler")
            batches.append(try sampler.sample(tasks: tasks, trajectoriesPerTask: 4, policy: policy, random: random))
            // Per-task parameters (post-update sampling): task i's parameters shifted by 0.1·i.
            let perTask = tasks.indices.map { i in policy.parameters.map { ($0 + 0.1 * Double(i)).detached() } }
            posts.append(try sampler.sample(tasks: tasks, trajectoriesPerTask: 4, policy: policy, parameters: perTask,
                                            random: random.derived("post")))
            for batch in [batches.last!, posts.last!] {
                #expect(batch.lengths == [Int](repeating: 100, count: 12))
                for (i, goal) in tasks.map(\.descriptor).enumerated() {
                    #expect(batch.taskDescriptors[i] == goal)
                    let (recomputed, stored) = pointGoalRewards(batch, task: i, goal: goal)
                    #expect(maxDifference(recomputed, stored) < 1e-12, "task \(i)")
                    // Another task's goal does not explain the rewards.
                    let other = tasks[(i + 1) % tasks.count].descriptor
                    #expect(maxDifference(pointGoalRewards(batch, task: i, goal: other).recomputed, stored) > 1e-3)
                }
            }
        }
        #expect(sameBatch(batches[0], batches[1]))
        #expect(sameBatch(posts[0], posts[1]))
        #expect(!sameBatch(batches[0], posts[0]))
        // Episodes differ from each other (each draws its own noise).
        #expect(batches[0].actions[0] != batches[0].actions[100 * 2])
    }

    /// The stored log-probabilities are the sampling policy's: log π_θ(a|s) for shared parameters.
    @Test func storedLogProbabilitiesAreThePolicys() throws {
        let policy = smallPolicy(observations: 2, actions: 2)
        let sampler = try MultiTaskSampler(copies: 4, threads: 2, horizon: 100) { try make("PointGoal-v1") }
        let tasks = trainingTasks(sampler.environments[0], count: 2, seed: 3, iteration: 1)
        let batch = try sampler.sample(tasks: tasks, trajectoriesPerTask: 2, policy: policy, random: RandomStream(seed: 3))
        let logp = withoutGradients {
            policy.logProbability(observations: batch.observationTensor(dtype: .float64),
                                  actions: batch.actionTensor(dtype: .float64)).doubles
        }
        #expect(maxDifference(logp, batch.logProbabilities) < 1e-9)
    }

    @Test func halfCheetahDirIsDeterministicAcrossThreadCounts() throws {
        let policy = smallPolicy(observations: 17, actions: 6, dtype: .float32)
        var out: [TrajectoryBatch] = []
        for threads in [1, 2] {
            let sampler = try MultiTaskSampler(copies: 3, threads: threads, horizon: 15) { try make("HalfCheetahDir-v1") }
            let tasks = trainingTasks(sampler.environments[0], count: 2, seed: 0, iteration: 0)
            out.append(try sampler.sample(tasks: tasks, trajectoriesPerTask: 2, policy: policy, random: RandomStream(seed: 9)))
        }
        #expect(sameBatch(out[0], out[1]))
        #expect(out[0].lengths == [15, 15, 15, 15])
    }
}
