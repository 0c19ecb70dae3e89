import MetaExploreRuntime
import MetaExploreTensor

/// Which exploration teacher a CMP run trains, and with which objective (CMP paper, Sec. 4.2 ablations).
public enum CMPVariant: Codable, Equatable, Sendable, CustomStringConvertible {
    /// CMP-β: Â of Eq. 7, the counterfactual meta-Q difference plus β times the student-critic difference.
    case cmp(beta: Double)
    /// MA2C, "CMP with only Q (Meta Actor-Critic)": an actor-critic on the meta-Q term alone, no student-critic term.
    /// Fig. 2(a) plots MA2C and CMP-0 as different curves and Sec. 4.2 credits the "counterfactual mechanism" for
    /// CMP's lower variance, so by default MA2C uses Q(π, τ̄πe) without the counterfactual baseline Q(π, τ̄π)
    /// (`CMPConfiguration.ma2cBaseline`); with the baseline it coincides with CMP-0.
    case ma2c
    /// L2Explore: the meta-policy-gradient teacher of Xu et al. 2018, whose REINFORCE weight is the meta-reward
    /// R = Rπ′ − Rπ itself (their Eq. 5); no Q̂.
    case l2explore

    /// β of Eq. 7 (0 for MA2C; nil for L2Explore, which has no counterfactual value).
    public var beta: Double? {
        switch self {
        case .cmp(let beta): return beta
        case .ma2c: return 0
        case .l2explore: return nil
        }
    }

    /// Whether the variant trains the meta-Q estimator Q̂.
    public var usesMetaQ: Bool { self != .l2explore }

    /// Whether the variant reads the student critic Q(s, a) (β ≠ 0).
    public var usesStudentCritic: Bool {
        if case .cmp(let beta) = self { return beta != 0 }
        return false
    }

    /// The paper's names: "CMP-1", "MA2C", "L2Explore".
    public var description: String {
        switch self {
        case .cmp(let beta):
            return beta == beta.rounded() && abs(beta) < 1e15 ? "CMP-\(Int(beta))" : "CMP-\(beta)"
        case .ma2c: return "MA2C"
        case .l2explore: return "L2Explore"
        }
    }
}

/// The baseline MA2C subtracts from Q(π, τ̄πe) (see `CMPVariant.ma2c`).
public enum MA2CBaseline: String, Codable, Sendable, CaseIterable, SettingChoice {
    /// Â = Q(π, τ̄πe): a plain meta actor-critic (default).
    case none
    /// Â = Q(π, τ̄πe) − Q(π, τ̄π): the counterfactual meta-Q term alone, i.e. CMP-0.
    case counterfactual
}

/// The four estimated quantities of Def. 3.3 / Eq. 7 for one exploration trajectory τ (CMP paper, Sec. 3.2):
///
/// - `metaQExploration` = Q(π, τ̄πe): the meta-Q of τ's states paired with πe's actions, estimated by Q̂ (Eq. 9);
/// - `metaQExploitation` = Q(π, τ̄π), τ̄π = {(s, π(s)) | s ∼ τ}: the same states with the student's actions;
/// - `criticExploration` = Σ_{s∼τ} Q(s, πe(s)) and `criticExploitation` = Σ_{s∼τ} Q(s, π(s)): the student critic.
public struct CounterfactualTerms: Sendable, Equatable {
    public var metaQExploration: Double
    public var metaQExploitation: Double
    public var criticExploration: Double
    public var criticExploitation: Double

    public init(metaQExploration: Double, metaQExploitation: Double, criticExploration: Double = 0,
                criticExploitation: Double = 0) {
        self.metaQExploration = metaQExploration
        self.metaQExploitation = metaQExploitation
        self.criticExploration = criticExploration
        self.criticExploitation = criticExploitation
    }
}

/// Gain(π, πe, τ) of Def. 3.3 (Eq. 6) with Eq. 7's weight β on the critic sum: Q(π, τ̄πe) + β Σ_{s∼τ} Q(s, πe(s)).
/// β = 1 is Eq. 6 as printed.
public func counterfactualGain(_ terms: CounterfactualTerms, beta: Double) -> Double {
    terms.metaQExploration + beta * terms.criticExploration
}

/// Cost(π, πe, τ) of Def. 3.3 (Eq. 6) with β: Q(π, τ̄π) + β Σ_{s∼τ} Q(s, π(s)).
public func counterfactualCost(_ terms: CounterfactualTerms, beta: Double) -> Double {
    terms.metaQExploitation + beta * terms.criticExploitation
}

/// CV(π, πe, τ) = Gain − Cost (Def. 3.3), which Eq. 7 takes as the advantage:
/// Â = Q(π, τ̄πe) − Q(π, τ̄π) + β Σ_{s∼τ} (Q(s, πe(s)) − Q(s, π(s))).
public func counterfactualValue(_ terms: CounterfactualTerms, beta: Double) -> Double {
    (terms.metaQExploration - terms.metaQExploitation)
        + beta * (terms.criticExploration - terms.criticExploitation)
}

/// The weight of Σt ∇ log πe(at|st) in Eq. 8 for a variant: Eq. 7's Â for CMP-β, Q(π, τ̄πe) (or CMP-0's Â) for MA2C,
/// and the meta-reward Rπ′ − Rπ for L2Explore (Xu et al. 2018, Eq. 5).
public func explorationAdvantage(_ terms: CounterfactualTerms, metaReward: Double, variant: CMPVariant,
                                 ma2cBaseline: MA2CBaseline = .none) -> Double {
    switch variant {
    case .cmp(let beta): return counterfactualValue(terms, beta: beta)
    case .ma2c:
        return ma2cBaseline == .none ? terms.metaQExploration : counterfactualValue(terms, beta: 0)
    case .l2explore: return metaReward
    }
}

/// Estimates the terms of Eq. 7 on the states of τ (CMP paper, Sec. 3.2–3.3).
///
/// `observations` [T, obs] are τ's (normalized) states; `explorationActions` and `exploitationActions` [T, act] are
/// πe's and π's actions at those states. `metaQ` and `critic` map (states, actions) to per-pair values [T, 1]
/// (Q̂ of Eq. 9 and the student critic Q(s, a)); the meta-Q pair sums are reduced with `metaQReduction` (Eq. 9/11),
/// the critic sums with `criticReduction` (Eq. 7 writes Σ). Without `critic` the critic terms are 0.
public func estimateCounterfactualTerms(observations: Tensor, explorationActions: Tensor, exploitationActions: Tensor,
                                        metaQ: (Tensor, Tensor) -> Tensor,
                                        critic: ((Tensor, Tensor) -> Tensor)?,
                                        metaQReduction: TrajectoryReduction = .sum,
                                        criticReduction: TrajectoryReduction = .sum) -> CounterfactualTerms {
    withoutGradients {
        func reduce(_ t: Tensor, _ r: TrajectoryReduction) -> Double { r.reduce(t.detached()).item }
        var terms = CounterfactualTerms(
            metaQExploration: reduce(metaQ(observations, explorationActions), metaQReduction),
            metaQExploitation: reduce(metaQ(observations, exploitationActions), metaQReduction))
        if let critic {
            terms.criticExploration = reduce(critic(observations, explorationActions), criticReduction)
            terms.criticExploitation = reduce(critic(observations, exploitationActions), criticReduction)
        }
        return terms
    }
}
