import MetaExploreRuntime
import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor

/// How a network's per-pair values over a trajectory stand for the meta-Q of that trajectory (CMP paper, Eq. 9 and
/// Eq. 11).
public enum TrajectoryReduction: String, Codable, Sendable, CaseIterable, SettingChoice {
    /// Σ_{(s,a)∼τ} Q̂(s, a): Eq. 11 writes sums (default).
    case sum
    /// (1/|τ|) Σ_{(s,a)∼τ} Q̂(s, a): Eq. 9's "Q(π, τ) ≈ Q̂π(s, a), (s, a) ∼ τ" read as an expectation over the
    /// trajectory's pairs; the same ordering, a scale independent of |τ|.
    case mean

    /// Reduces a column of per-pair values [T, 1] (or [T]) to a scalar tensor.
    public func reduce(_ values: Tensor) -> Tensor { self == .sum ? values.sum() : values.mean() }

    /// Reduces plain numbers the same way.
    public func reduce(_ values: [Double]) -> Double {
        precondition(!values.isEmpty, "TrajectoryReduction: empty trajectory")
        let total = values.reduce(0, +)
        return self == .sum ? total : total / Double(values.count)
    }
}

/// Which regression Eq. 10–11 of the CMP paper stand for. Def. 3.2 gives Q(πt−1, τt−1) = Rt−1 + γ Q(πt, τt) in the
/// meta-MDP (state π, action τ, reward R = Rπ′ − Rπ). Eq. 10 updates Q(πt, τt) towards "Q(πt−1, τt−1) − Rt−1/γ",
/// which places γ differently from that Bellman relation; all three readings are available.
public enum MetaQTargetForm: String, Codable, Sendable, CaseIterable, SettingChoice {
    /// Eq. 11 as printed (default): Q̂(τt) is regressed onto Q̂′(τt−1) − Rt−1/γ ("we are learning the gap of Q̂πt and
    /// Q̂πt−1").
    case paperEq11
    /// Def. 3.2's Bellman relation solved for the later pair: Q̂(τt) onto (Q̂′(τt−1) − Rt−1)/γ.
    case inverseBellman
    /// The usual temporal-difference direction (Eq. 4 applied to the meta-MDP): Q̂(τt−1) onto Rt−1 + γ Q̂′(τt).
    case forwardTD
}

/// Which network evaluates the bootstrap side of Eq. 11 (the τt−1 sum for `paperEq11`/`inverseBellman`, the τt
/// sum for `forwardTD`).
public enum MetaQBootstrapNetwork: String, Codable, Sendable, CaseIterable, SettingChoice {
    /// The soft-updated target Q̂′ (default): Algorithm 1 line 11 "get Q target using Q̂′".
    case target
    /// The online Q̂ itself, without gradient (Eq. 11's Q̂πt−1 read as "the current network, applied to the stored
    /// τt−1").
    case online
}

/// When the Q̂ updates of Algorithm 1 (lines 10–13) run within an iteration. The paper is not consistent about it:
/// Sec. 4.1 sets "meta Q function update times as 5", the specification this package follows reads it as 5 per
/// iteration, while Algorithm 1 nests the Q̂ loop (line 10) inside the πe loop (line 9) and the text after it
/// (Sec. 3.3) adds "we often [take] more times to update [Q̂] than πe". The two differ by the number of πe updates (50 or 500 per iteration):
/// on the 1000-step tasks the nested reading runs 2500 Q̂ steps on whole trajectories per iteration.
public enum MetaQSchedule: String, Codable, Sendable, CaseIterable, SettingChoice {
    /// `updates` Q̂ steps once per iteration, before the first πe update (default): lines 10–13 hoisted out of the
    /// line-9 loop, so every πe update of the iteration reads the same Q̂ (and, with executed actions, the same Â).
    case perIteration
    /// `updates` Q̂ steps before every πe update, Algorithm 1's nesting as printed: `teacherUpdates × updates` Q̂
    /// steps per iteration, and a fresh Â at each πe update.
    case perTeacherUpdate
}

/// Settings of the meta-Q estimator Q̂ (CMP paper, Sec. 3.3 and 4.1).
public struct MetaQConfiguration: Codable, Equatable, Sendable {
    /// Hidden sizes (Sec. 4.1: the meta Q network shares the OpenAI-baselines architecture, two layers of 64).
    public var hiddenSizes: [Int] = [64, 64]
    /// ReLU with LayerNorm (Sec. 4.1: "ReLU non-linear activation function and layer normalization").
    public var activation: Activation = .relu
    public var layerNorm: Bool = true
    /// Final layer U(±limit), as baselines' critic, so Q̂ starts near 0.
    public var finalInitLimit: Double = 3e-3
    /// Adam learning rate of Q̂. Not given in the paper; 1e-3 is the baselines critic's rate, the network Q̂ shares
    /// its architecture with (Sec. 4.1).
    public var learningRate: Double = 1e-3
    /// Polyak rate of the target Q̂′ (Algorithm 1 line 13 "Soft update Q̂′"). Not given in the paper; 0.01 is the
    /// baselines DDPG τ used for the student's targets.
    public var tau: Double = 0.01
    /// Meta discount γ of Eq. 5 and Eq. 10–11. Not given in the paper; 0.99 as the student's γ.
    public var gamma: Double = 0.99
    /// Q̂ updates per iteration or per πe update, per `schedule` (Algorithm 1 line 10; Sec. 4.1: "meta Q function
    /// update times as 5").
    public var updates: Int = 5
    public var schedule: MetaQSchedule = .perIteration
    public var reduction: TrajectoryReduction = .sum
    public var targetForm: MetaQTargetForm = .paperEq11
    public var bootstrapNetwork: MetaQBootstrapNetwork = .target
    /// Gradient-norm clipping of a Q̂ step (nil: off, as in the paper).
    public var gradientClipNorm: Double? = nil

    public init() {}
}

/// A trajectory as Q̂ reads it: the (normalized) states and the actions paired with them, [T, obs] and [T, act].
public struct StateActionTrajectory {
    public var observations: Tensor
    public var actions: Tensor

    public init(observations: Tensor, actions: Tensor) {
        precondition(observations.shape[0] == actions.shape[0],
                     "StateActionTrajectory: \(observations.shape[0]) states, \(actions.shape[0]) actions")
        self.observations = observations
        self.actions = actions
    }

    public var count: Int { observations.shape[0] }
}

/// The target of Eq. 10–11 as a number: what the regressed sum should equal, given the bootstrap sum B (a
/// trajectory value from `MetaQBootstrapNetwork`) and the previous meta-reward Rt−1.
///
/// - `paperEq11`: B − Rt−1/γ, B over τt−1.
/// - `inverseBellman`: (B − Rt−1)/γ, B over τt−1.
/// - `forwardTD`: Rt−1 + γ B, B over τt.
public func metaQTarget(bootstrap: Double, previousMetaReward: Double, gamma: Double, form: MetaQTargetForm) -> Double {
    switch form {
    case .paperEq11: return bootstrap - previousMetaReward / gamma
    case .inverseBellman: return (bootstrap - previousMetaReward) / gamma
    case .forwardTD: return previousMetaReward + gamma * bootstrap
    }
}

/// What one Q̂ update did.
public struct MetaQUpdateReport: Sendable, Equatable {
    /// The Eq. 11 loss J before the step.
    public var loss: Double
    /// The regressed trajectory value and its target, before the step.
    public var prediction: Double
    public var target: Double
}

/// The meta-Q estimator Q̂η of the CMP paper (Sec. 3.3, Eq. 9): an MLP over concat(s, a) whose reduction over a
/// trajectory's pairs stands for the meta-Q Q(π, τ) of Def. 3.2, with a soft-updated target copy Q̂′ (Algorithm 1
/// line 1 "get target Q̂′", line 13) and its own Adam optimizer, trained with the loss of Eq. 11:
///
///     J(Q̂πt) = ( Σ_{(s,a)∼τt} Q̂πt(s, a) − Σ_{(s,a)∼τt−1} Q̂′πt−1(s, a) − Rt−1/γ )²
///
/// (sums or means per `TrajectoryReduction`, γ's placement per `MetaQTargetForm`, the τt−1 network per
/// `MetaQBootstrapNetwork`).
public final class MetaQ: Layer {
    public let configuration: MetaQConfiguration
    /// Q̂ (η).
    public let network: MLP
    /// Q̂′ (η′), starting as a copy of Q̂.
    public let target: MLP
    public let optimizer: Adam
    public let observationSize: Int
    public let actionSize: Int

    public init(observationSize: Int, actionSize: Int, configuration: MetaQConfiguration = .init(),
                using rng: inout RandomStream) {
        precondition(configuration.gamma > 0 && configuration.gamma <= 1, "MetaQ: γ must lie in (0, 1]")
        self.configuration = configuration
        self.observationSize = observationSize
        self.actionSize = actionSize
        func build(_ rng: inout RandomStream) -> MLP {
            MLP(inputSize: observationSize + actionSize, hiddenSizes: configuration.hiddenSizes, outputSize: 1,
                activation: configuration.activation, layerNorm: configuration.layerNorm,
                finalInitializer: .uniform(limit: configuration.finalInitLimit), using: &rng)
        }
        network = build(&rng)
        target = build(&rng)
        target.copyParameters(from: network)
        optimizer = Adam(parameters: network.parameters, learningRate: configuration.learningRate)
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        prefixed("online", network.namedParameters) + prefixed("target", target.namedParameters)
    }

    /// Q̂(s, a) per pair, [T, 1], differentiable in η.
    public func values(_ observations: Tensor, _ actions: Tensor) -> Tensor {
        network(concatenate([observations, actions], axis: 1))
    }

    /// Q̂′(s, a) per pair, [T, 1], without gradients.
    public func targetValues(_ observations: Tensor, _ actions: Tensor) -> Tensor {
        withoutGradients { target(concatenate([observations, actions], axis: 1)).detached() }
    }

    /// Q(π, τ) ≈ the reduction of Q̂ over τ's pairs (Eq. 9), a scalar differentiable in η.
    public func trajectoryValue(_ trajectory: StateActionTrajectory) -> Tensor {
        configuration.reduction.reduce(values(trajectory.observations, trajectory.actions))
    }

    /// The bootstrap side of Eq. 11 with the configured network, a number.
    public func bootstrapValue(_ trajectory: StateActionTrajectory) -> Double {
        withoutGradients {
            switch configuration.bootstrapNetwork {
            case .target:
                return configuration.reduction.reduce(targetValues(trajectory.observations, trajectory.actions)).item
            case .online:
                return trajectoryValue(trajectory).item
            }
        }
    }

    /// The Eq. 11 loss J for the current exploration trajectory τt, the stored previous one τt−1 and the previous
    /// meta-reward Rt−1, differentiable in η, with the prediction and target it compares.
    public func loss(current: StateActionTrajectory, previous: StateActionTrajectory,
                     previousMetaReward: Double) -> (loss: Tensor, prediction: Double, target: Double) {
        let c = configuration
        let regressed = c.targetForm == .forwardTD ? previous : current
        let bootstrapped = c.targetForm == .forwardTD ? current : previous
        let y = metaQTarget(bootstrap: bootstrapValue(bootstrapped), previousMetaReward: previousMetaReward,
                            gamma: c.gamma, form: c.targetForm)
        let prediction = trajectoryValue(regressed)
        let diff = prediction - y
        return (diff * diff, prediction.item, y)
    }

    /// One Adam step on Eq. 11 (Algorithm 1 line 12) followed by the soft update of Q̂′ (line 13).
    @discardableResult
    public func update(current: StateActionTrajectory, previous: StateActionTrajectory,
                       previousMetaReward: Double) -> MetaQUpdateReport {
        precondition(previousMetaReward.isFinite, "MetaQ: non-finite meta-reward \(previousMetaReward)")
        let (j, prediction, y) = loss(current: current, previous: previous, previousMetaReward: previousMetaReward)
        var grads = gradients(of: j, wrt: network.parameters)
        if let clip = configuration.gradientClipNorm { grads = clipGradientNorm(grads, maxNorm: clip).gradients }
        optimizer.step(grads)
        softUpdateTarget()
        return MetaQUpdateReport(loss: j.item, prediction: prediction, target: y)
    }

    /// Q̂′ ← (1 − τ) Q̂′ + τ Q̂ (Algorithm 1 line 13).
    public func softUpdateTarget() {
        polyakUpdate(target: target, source: network, tau: configuration.tau)
    }
}
