import MetaExploreAlgorithms
import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor
import Testing

@Test func gaussianNoiseHasRequestedMoments() {
    let noise = GaussianActionNoise(size: 4, std: 0.3)
    var rng = RandomStream(seed: 11)
    var sum = 0.0, sumSq = 0.0, n = 0.0
    for _ in 0..<50_000 {
        for v in noise.sample(using: &rng) { sum += v; sumSq += v * v; n += 1 }
    }
    let mean = sum / n, std = (sumSq / n - mean * mean).squareRoot()
    #expect(abs(mean) < 0.005)
    #expect(abs(std - 0.3) < 0.005)
}

@Test func ornsteinUhlenbeckStationaryVarianceAndAutocorrelation() {
    let dims = 64
    let noise = OrnsteinUhlenbeckNoise(size: dims)  // θ 0.15, σ 0.2, dt 1e-2
    var rng = RandomStream(seed: 5)
    for _ in 0..<4000 { _ = noise.sample(using: &rng) }  // burn-in: six correlation times (1/(θ·dt) ≈ 667 steps)
    let steps = 40_000, lag = 100
    var history = [[Double]]()
    history.reserveCapacity(steps)
    for _ in 0..<steps { history.append(noise.sample(using: &rng)) }
    var sumSq = 0.0, sumLag = 0.0, n = 0.0, nLag = 0.0
    for t in 0..<steps {
        for d in 0..<dims {
            sumSq += history[t][d] * history[t][d]; n += 1
            if t + lag < steps { sumLag += history[t][d] * history[t + lag][d]; nLag += 1 }
        }
    }
    let variance = sumSq / n
    let expected = 0.2 * 0.2 / (2 * 0.15)
    #expect(abs(variance / expected - 1) < 0.1, "variance \(variance), expected ≈ \(expected)")
    let autocorrelation = (sumLag / nLag) / variance
    let expectedAC = repeatedProduct(1 - 0.15 * 1e-2, Double(lag))
    #expect(abs(autocorrelation - expectedAC) < 0.05, "lag-\(lag) autocorrelation \(autocorrelation), expected \(expectedAC)")
    noise.reset()
    #expect(noise.state == [Double](repeating: 0, count: dims))
}

private func repeatedProduct(_ x: Double, _ k: Double) -> Double {
    var r = 1.0
    for _ in 0..<Int(k) { r *= x }
    return r
}

@Test func ornsteinUhlenbeckStateIsSaved() throws {
    let a = OrnsteinUhlenbeckNoise(size: 3), b = OrnsteinUhlenbeckNoise(size: 3)
    var rng = RandomStream(seed: 2)
    for _ in 0..<10 { _ = a.sample(using: &rng) }
    var state = CheckpointState()
    a.saveState(into: &state, prefix: "noise.")
    try b.restoreState(from: state, prefix: "noise.")
    var r1 = rng, r2 = rng
    #expect(a.sample(using: &r1) == b.sample(using: &r2))
}

@Test func parameterNoiseAdaptsTowardDesiredDistance() {
    var rng = RandomStream(seed: 7)
    let actor = DeterministicActor(observationSize: 3, actionSize: 2, hiddenSizes: [16, 16], layerNorm: true, using: &rng)
    let perturbed = DeterministicActor(observationSize: 3, actionSize: 2, hiddenSizes: [16, 16], layerNorm: true, using: &rng)
    let noise = AdaptiveParameterNoise(initialStddev: 0.1, desiredActionStddev: 0.2)
    noise.perturb(perturbed, from: actor, using: &rng)
    for (p, s) in zip(perturbed.namedParameters, actor.namedParameters) {
        if p.name.hasSuffix(".gamma") || p.name.hasSuffix(".beta") {
            #expect(p.tensor.scalars == s.tensor.scalars, "LayerNorm parameter \(p.name) was perturbed")
        } else {
            #expect(p.tensor.scalars != s.tensor.scalars, "\(p.name) was not perturbed")
        }
    }
    // Too large a distance shrinks σ, too small grows it, by the factor 1.01.
    noise.adapt(distance: 0.5)
    #expect(abs(noise.currentStddev - 0.1 / 1.01) < 1e-12)
    noise.adapt(distance: 0.01)
    noise.adapt(distance: 0.01)
    #expect(abs(noise.currentStddev - 0.1 * 1.01) < 1e-12)
    // Closed loop: σ converges to where the measured distance is about the desired 0.2.
    let states = Tensor.randomNormal([64, 3], using: &rng)
    let clean = withoutGradients { actor(states) }
    for _ in 0..<600 {
        noise.perturb(perturbed, from: actor, using: &rng)
        noise.adapt(distance: AdaptiveParameterNoise.distance(withoutGradients { perturbed(states) }, clean))
    }
    var distances = [Double]()
    for _ in 0..<50 {
        noise.perturb(perturbed, from: actor, using: &rng)
        distances.append(AdaptiveParameterNoise.distance(withoutGradients { perturbed(states) }, clean))
    }
    let mean = distances.reduce(0, +) / Double(distances.count)
    #expect(mean > 0.1 && mean < 0.35, "mean distance \(mean) after adaptation")
}
