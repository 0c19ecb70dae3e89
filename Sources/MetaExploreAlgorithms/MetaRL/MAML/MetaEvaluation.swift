import Foundation
import MetaExploreRandom
import MetaExploreTensor

/// The MAML test protocol (`cbfinn/maml_rl` `maml_examples/test_maml_*.py`; meta-rl-facts §1): for each held-out
/// task, sample trajectories with the meta-trained θ, report their mean return (0 steps), take one policy-gradient
/// inner step on exactly those samples, sample with the adapted θ′, report (1 step), and so on up to k steps.
///
/// - Tasks: the family's held-out list (`TaskEnvironmentHandle.testTasks(count:)`, 40 by default), never drawn from
///   the training stream.
/// - Adaptation: step s uses only the samples of the policy after s − 1 steps on the same task (θ for the first
///   step), the same inner step as training (`AdaptationSettings`: loss, α, per-task linear baseline, normalized
///   advantages). Choice: every step uses the same α (MAML's test scripts use 0.1 for the first step and smaller
///   ones after; its table's later steps are not reproduced exactly by that).
/// - Statistics: per task the mean return of its trajectories; over tasks the mean and a 95% confidence interval by
///   Student's t (mean ± t₀.₉₇₅,ₙ₋₁ · s/√n, s the sample standard deviation over the n tasks).
/// - Randomness: step s's samples draw from `RandomStream(seed:, stream: "meta-evaluation").derived("step", index: s)`
///   (one stream per task and trajectory below it, `MultiTaskSampler.episodeStream`), so a given seed always gives
///   the same numbers, whatever the thread count.
/// - The policy's own parameters are never changed.
public struct MetaEvaluationResult: Sendable {
    public var tasks: [[Double]]
    /// `returns[s][i]`: task i's mean return after s adaptation steps.
    public var returns: [[Double]]
    public var means: [Double] { returns.map { $0.reduce(0, +) / Double($0.count) } }
    /// Half-widths of the 95% t intervals over tasks (0 with one task).
    public var halfWidths: [Double] { returns.map { confidenceHalfWidth95($0) } }

    /// One line per step: `steps  mean  ± half-width  [low, high]`.
    public var table: String {
        var lines = ["steps  mean return  95% CI (t over \(tasks.count) tasks)"]
        for (s, (m, h)) in zip(means, halfWidths).enumerated() {
            lines.append(String(format: "%5d  %11.3f  ± %.3f  [%.3f, %.3f]", s, m, h, m - h, m + h))
        }
        return lines.joined(separator: "\n")
    }
}

/// Everything a meta-evaluation did, for inspection: the result, every step's samples (all tasks) and the adapted
/// parameters per step and task.
public struct MetaEvaluationTrace {
    public var result: MetaEvaluationResult
    /// `batches[s]`: the samples of the policy after s steps (the data step s + 1 adapts on).
    public var batches: [TrajectoryBatch]
    /// `parameters[s][i]`: task i's parameters after s steps (s = 0: θ).
    public var parameters: [[[Tensor]]]
}

extension MultiTaskSampler {
    /// Meta-evaluation of `policy` on `tasks` (see `MetaEvaluationResult`).
    public func metaEvaluate(policy: GaussianMLPPolicy, tasks: [MetaTask], trajectoriesPerTask: Int, steps: Int,
                             adaptation: AdaptationSettings, seed: UInt64) throws -> MetaEvaluationTrace {
        precondition(steps >= 0, "metaEvaluate: negative step count")
        let random = RandomStream(seed: seed, stream: "meta-evaluation")
        let theta = policy.parameters.map { $0.detached().copy() }
        var current = tasks.map { _ in theta }
        var returns: [[Double]] = [], batches: [TrajectoryBatch] = [], parameters = [current]
        for s in 0...steps {
            let batch = try sample(tasks: tasks, trajectoriesPerTask: trajectoriesPerTask, policy: policy,
                                   parameters: current, random: random.derived("step", index: s))
            batches.append(batch)
            returns.append(tasks.indices.map { i in batch.task(i).averageReturn })
            guard s < steps else { break }
            current = try tasks.indices.map { i in
                let single = batch.task(i)
                let x = MetaTaskInputs(policy: policy, parameters: current[i], batch: single,
                                       advantages: try adaptation.advantages.advantages(single))
                return MetaObjective.innerStep(adaptation.loss, policy: policy, parameters: current[i], inputs: x,
                                               stepSize: adaptation.stepSize, createGraph: false)
            }
            parameters.append(current)
        }
        return MetaEvaluationTrace(result: MetaEvaluationResult(tasks: tasks.map(\.descriptor), returns: returns),
                                   batches: batches, parameters: parameters)
    }
}

/// t₀.₉₇₅,ₙ₋₁ · s/√n over the values (0 for fewer than two).
public func confidenceHalfWidth95(_ values: [Double]) -> Double {
    let n = values.count
    guard n > 1 else { return 0 }
    let mean = values.reduce(0, +) / Double(n)
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
    return studentT975(degreesOfFreedom: n - 1) * (variance / Double(n)).squareRoot()
}

/// The 0.975 quantile of Student's t: tabulated for 1–30 degrees of freedom, then the Cornish–Fisher expansion
/// around z = 1.959964 (error < 1e-4 beyond 30).
public func studentT975(degreesOfFreedom df: Int) -> Double {
    let table = [12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004, 2.262157, 2.228139,
                 2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905, 2.109816, 2.100922, 2.093024, 2.085963,
                 2.079614, 2.073873, 2.068658, 2.063899, 2.059539, 2.055529, 2.051831, 2.048407, 2.045230, 2.042272]
    precondition(df >= 1, "studentT975: df must be at least 1")
    if df <= table.count { return table[df - 1] }
    let z = 1.959964, v = Double(df)
    return z + (z * z * z + z) / (4 * v) + (5 * pow(z, 5) + 16 * z * z * z + 3 * z) / (96 * v * v)
}
