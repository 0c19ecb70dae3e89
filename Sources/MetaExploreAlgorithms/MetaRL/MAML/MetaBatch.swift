import Dispatch
import Foundation
import MetaExploreRandom
import MetaExploreTensor

/// How the inner (adaptation) step is done: shared by training and meta-evaluation.
public struct AdaptationSettings: Sendable, Equatable {
    /// α (MAML, ProMP: 0.1).
    public var stepSize = 0.1
    /// Number of inner steps (MAML and ProMP train with 1).
    public var steps = 1
    public var loss: InnerLoss = .reinforce
    public var advantages = AdvantageEstimation()
    public init() {}
}

/// One meta-batch: tasks, every adaptation step's samples, the post-update samples and the `MetaObjective` over them.
public struct MetaBatch {
    public let tasks: [MetaTask]
    /// `innerBatches[s]`: the samples of adaptation step s, all tasks (s = 0: pre-update samples of θ).
    public let innerBatches: [TrajectoryBatch]
    /// Samples of the adapted policies θ′ᵢ (after every step).
    public let postBatch: TrajectoryBatch
    /// θ′ᵢ as values, per task.
    public let adaptedParameters: [[Tensor]]
    public let objective: MetaObjective
    /// meanᵢ L_in(θ; D⁰ᵢ) at the sampling policy (the first inner step's loss).
    public let innerLoss: Double
    /// Wall-clock seconds spent sampling and in the inner steps (advantages included).
    public let samplingSeconds: Double
    public let innerSeconds: Double

    /// Environment steps sampled (all adaptation steps and the post-update samples).
    public var environmentSteps: Int { innerBatches.reduce(postBatch.validStepCount) { $0 + $1.validStepCount } }
}

func seconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

extension MultiTaskSampler {
    /// `MAML-A3 L5–L8` for a batch of tasks: for each adaptation step, samples with the current parameters (θ, then
    /// each task's θ′), computes advantages and the inner step; then samples with the adapted θ′ᵢ. Step s of the
    /// sampling draws from `random.derived("step", index: s)`; the post-update samples from index `steps`.
    public func collectMetaBatch(policy: GaussianMLPPolicy, tasks: [MetaTask], trajectoriesPerTask: Int,
                                 adaptation: AdaptationSettings, random: RandomStream) throws -> MetaBatch {
        let theta = policy.parameters
        var current: [[Tensor]]? = nil
        var innerBatches: [TrajectoryBatch] = [], innerInputs: [[MetaTaskInputs]] = []
        var innerLoss = 0.0, samplingTime = 0.0, innerTime = 0.0
        for s in 0..<adaptation.steps {
            var t0 = DispatchTime.now().uptimeNanoseconds
            let batch = try sample(tasks: tasks, trajectoriesPerTask: trajectoriesPerTask, policy: policy,
                                   parameters: current, random: random.derived("step", index: s))
            samplingTime += seconds(since: t0)
            t0 = DispatchTime.now().uptimeNanoseconds
            var inputs: [MetaTaskInputs] = [], next: [[Tensor]] = []
            for i in tasks.indices {
                let p = current?[i] ?? theta
                let single = batch.task(i)
                let x = MetaTaskInputs(policy: policy, parameters: p, batch: single,
                                       advantages: try adaptation.advantages.advantages(single))
                if s == 0 {
                    innerLoss += withoutGradients {
                        MetaObjective.innerLoss(adaptation.loss, policy: policy, parameters: p.map { $0.detached() },
                                                inputs: x).item
                    } / Double(tasks.count)
                }
                inputs.append(x)
                next.append(MetaObjective.innerStep(adaptation.loss, policy: policy, parameters: p, inputs: x,
                                                    stepSize: adaptation.stepSize, createGraph: false))
            }
            innerTime += seconds(since: t0)
            innerBatches.append(batch)
            innerInputs.append(inputs)
            current = next
        }
        var t0 = DispatchTime.now().uptimeNanoseconds
        let post = try sample(tasks: tasks, trajectoriesPerTask: trajectoriesPerTask, policy: policy,
                              parameters: current, random: random.derived("step", index: adaptation.steps))
        samplingTime += seconds(since: t0)
        t0 = DispatchTime.now().uptimeNanoseconds
        let outer = try tasks.indices.map { i -> MetaTaskInputs in
            let single = post.task(i)
            return MetaTaskInputs(policy: policy, parameters: current![i], batch: single,
                                  advantages: try adaptation.advantages.advantages(single))
        }
        innerTime += seconds(since: t0)
        let objective = MetaObjective(policy: policy, innerInputs: innerInputs, outerInputs: outer,
                                      innerStepSize: adaptation.stepSize, innerLoss: adaptation.loss)
        return MetaBatch(tasks: tasks, innerBatches: innerBatches, postBatch: post, adaptedParameters: current!,
                         objective: objective, innerLoss: innerLoss, samplingSeconds: samplingTime,
                         innerSeconds: innerTime)
    }
}
