import Foundation
import Testing
import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor

/// The usage example of Sources/MetaExploreNN/README.md, run as written (with a scratch directory for the file).
@Test func readmeExampleRuns() throws {
    let dir = try scratchDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }

    var rng = RandomStream(seed: 0)
    let policy = MLP(inputSize: 4, hiddenSizes: [64, 64], outputSize: 2, activation: .tanh, using: &rng)
    let logStd = Tensor.zeros([2]).requiringGrad()
    let optimizer = Adam(parameters: policy.parameters + [logStd], learningRate: 3e-4)

    let observations = Tensor.randomNormal([32, 4], using: &rng)
    let pi = DiagonalGaussian(mean: policy(observations), logStd: logStd)
    let actions = pi.sample(using: &rng)
    let returns = Tensor.randomNormal([32], using: &rng)
    let loss = -(pi.logProbability(actions) * returns).mean()
    optimizer.step(gradients(of: loss, wrt: optimizer.parameters))

    var checkpoint = Checkpoint(metadata: ["algorithm": "reinforce"])
    checkpoint.add("policy", layer: policy)
    checkpoint.add("policy", tensors: [("log_std", logStd)])
    checkpoint.add("optimizer", optimizer: optimizer)
    let url = dir.appendingPathComponent("checkpoint.safetensors")
    try checkpoint.save(to: url)
    let file = try checkpoint.load(from: url)
    #expect(file.names.contains("policy.log_std") && file.names.contains("optimizer.step"))
    #expect(logStd.doubles.allSatisfy { $0 != 0 })  // the step moved it
}
