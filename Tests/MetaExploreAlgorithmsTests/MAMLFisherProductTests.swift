import Foundation
import MetaExploreAlgorithms
import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor
import Testing

/// MAML-TRPO's curvature: the factored Hessian-vector product of the outer KL through the inner steps
/// (`MetaObjective.outerKLHessianProduct`, (I − αH_in)·∇²KL·(I − αH_in) per task) is the same matrix as the direct
/// double backward through the inner step (`outerKLHessianProductThroughInnerStep`), at the parameters the
/// post-update samples were drawn with — for MLP policies (ReLU and tanh, so the inner Hessian has its
/// second-derivative-of-the-network terms), both inner losses, one and two inner steps, padded episodes, Float64.
@Suite("MAML-TRPO factored KL Hessian") struct MAMLFisherProductTests {
    /// A random single-task batch (some episodes shorter than the horizon) and its random advantages.
    static func batch(_ rng: inout RandomStream, episodes: Int = 4, horizon: Int = 5) -> (TrajectoryBatch, [Double]) {
        var b = TrajectoryBatch(taskCount: 1, episodesPerTask: episodes, horizon: horizon, observationSize: 3,
                                actionSize: 2)
        b.lengths = (0..<episodes).map { $0 == 0 ? 2 : horizon }
        b.observations = b.observations.map { _ in rng.normal() }
        b.actions = b.actions.map { _ in rng.normal() }
        b.rewards = b.rewards.map { _ in rng.normal() }
        let advantages = (0..<(episodes * horizon)).map { k in k % horizon < b.lengths[k / horizon] ? rng.normal() : 0 }
        return (b, advantages)
    }

    /// Tasks' inputs as the sampler would make them: each step's samples are labelled with the parameters of that
    /// step (θ, then θ′ after one step, …), the outer samples with θ′ after every step.
    static func objective(_ policy: GaussianMLPPolicy, tasks: Int, innerSteps: Int, loss: InnerLoss,
                          rng: inout RandomStream) -> MetaObjective {
        let theta = policy.parameters.map { $0.detached() }
        var current = [[Tensor]](repeating: theta, count: tasks)
        var innerInputs: [[MetaTaskInputs]] = []
        for _ in 0..<innerSteps {
            var step: [MetaTaskInputs] = []
            for i in 0..<tasks {
                let (b, adv) = batch(&rng)
                let x = MetaTaskInputs(policy: policy, parameters: current[i], batch: b, advantages: adv)
                step.append(x)
                current[i] = MetaObjective.innerStep(loss, policy: policy, parameters: current[i], inputs: x,
                                                     stepSize: 0.1, createGraph: false)
            }
            innerInputs.append(step)
        }
        let outer = (0..<tasks).map { i -> MetaTaskInputs in
            let (b, adv) = batch(&rng)
            return MetaTaskInputs(policy: policy, parameters: current[i], batch: b, advantages: adv)
        }
        return MetaObjective(policy: policy, innerInputs: innerInputs, outerInputs: outer, innerStepSize: 0.1,
                             innerLoss: loss)
    }

    @Test(arguments: [(PolicyActivation.relu, InnerLoss.reinforce, 1), (.tanh, .lvc, 1), (.tanh, .reinforce, 2),
                      (.relu, .lvc, 2)])
    func factoredProductEqualsTheDirectDoubleBackward(_ activation: PolicyActivation, _ loss: InnerLoss, _ steps: Int) {
        var rng = RandomStream(seed: 11)
        let policy = GaussianMLPPolicy(observationSize: 3, actionSize: 2, hiddenSizes: [6, 5],
                                       activation: activation == .relu ? .relu : .tanh, initialStd: 0.7,
                                       dtype: .float64, using: &rng)
        let o = Self.objective(policy, tasks: 3, innerSteps: steps, loss: loss, rng: &rng)
        let factored = o.outerKLHessianProduct(at: policy.parameters)
        let direct = o.outerKLHessianProductThroughInnerStep(at: policy.parameters)
        let n = policy.flatParameters().count
        for _ in 0..<3 {
            let v = (0..<n).map { _ in rng.normal() }
            let a = factored(v), b = direct(v)
            let scale = b.map(abs).max()!
            #expect(scale > 1e-3, "a product that is not trivially zero")
            let difference = zip(a, b).map { abs($0 - $1) }.max()!
            #expect(difference <= 1e-10 * scale, "max |factored − direct| = \(difference), scale \(scale)")
        }
        // Away from the sampling parameters the KL's gradient no longer vanishes and the factored form is not the
        // Hessian: the direct product changes, which shows the comparison above can fail.
        let shifted = policy.parameters.map { p in withoutGradients { (p + 0.3).detached().requiringGrad() } }
        let v = (0..<n).map { _ in rng.normal() }
        let away = zip(o.outerKLHessianProduct(at: shifted)(v), o.outerKLHessianProductThroughInnerStep(at: shifted)(v))
            .map { abs($0 - $1) }.max()!
        #expect(away > 1e-6)
    }
}
