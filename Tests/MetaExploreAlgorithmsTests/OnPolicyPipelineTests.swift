import MetaExploreAlgorithms
import MetaExploreEnvironments
import MetaExploreRandom
import Testing

/// The pieces together on a multi-step task: PointGoal-v1 with one fixed goal, episodes collected with the policy,
/// the linear feature baseline fitted on discounted returns, GAE(0.99, 0.97) over its predictions, normalized
/// advantages and a TRPO step per iteration (the single-task form of MAML's outer loop).
@Suite("On-policy pipeline") struct OnPolicyPipelineTests {
    @Test func trpoWithBaselineAndGAEImprovesPointGoal() throws {
        let env = try make("PointGoal-v1", maxEpisodeSteps: 25)
        try (env.unwrapped as! PointGoal).setTask(PlanarGoal(x: 0.4, y: -0.3))
        var rng = RandomStream(seed: 1)
        let policy = GaussianMLPPolicy(observationSize: 2, actionSize: 2, hiddenSizes: [16], activation: .tanh,
                                       initialStd: 0.1, dtype: .float64, using: &rng)
        let trpo = TrustRegionPolicyOptimization(policy: policy)
        var baseline = LinearFeatureBaseline(observationSize: 2)
        var returns: [Double] = []
        for iteration in 0..<8 {
            let batch = try collectEpisodes(environment: env, policy: policy, episodes: 10, horizon: 25,
                                            seed: iteration == 0 ? 0 : nil, using: &rng)
            #expect(batch.lengths.allSatisfy { $0 == 25 })
            returns.append(batch.averageReturn)
            let discounted = Returns.discounted(rewards: batch.rewards, lengths: batch.lengths, horizon: 25, gamma: 0.99)
            try baseline.fit(batch: batch, targets: discounted)
            let values = baseline.predict(batch: batch)
            let advantages = Returns.normalized(
                Returns.generalizedAdvantages(rewards: batch.rewards, values: values, lengths: batch.lengths,
                                              horizon: 25, gamma: 0.99, lambda: 0.97),
                mask: batch.mask)
            let stats = trpo.update(PolicyGradientInputs(policy: policy, batch: batch, advantages: advantages))
            #expect(stats.kl <= 0.01)
        }
        #expect(returns.last! > returns.first! + 1, "\(returns)")
    }
}
