import MetaExploreTensor

/// Stochastic gradient descent with optional (heavy-ball) momentum: b ← μb + g, θ ← θ − lr·b.
public final class SGD: RestorableOptimizer {
    public let parameters: [Tensor]
    public var learningRate: Double
    public let momentum: Double
    private let buffers: [Tensor]

    public init(parameters: [Tensor], learningRate: Double, momentum: Double = 0) {
        precondition(learningRate > 0, "SGD: learning rate must be positive, got \(learningRate)")
        precondition(momentum >= 0 && momentum < 1, "SGD: momentum must lie in [0, 1), got \(momentum)")
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        buffers = parameters.map { Tensor.zeros($0.shape, dtype: $0.dtype) }
    }

    public func step(_ gradients: [Tensor]) {
        precondition(gradients.count == parameters.count, "SGD.step: wrong gradient count")
        withoutGradients {
            for i in 0..<parameters.count {
                let g = gradients[i].cast(to: parameters[i].dtype)
                precondition(g.shape == parameters[i].shape, "SGD.step: gradient \(g.shape) for \(parameters[i].shape)")
                let direction: Tensor
                if momentum > 0 {
                    buffers[i].assign(buffers[i] * momentum + g)
                    direction = buffers[i]
                } else {
                    direction = g
                }
                parameters[i].assign(parameters[i] - direction * learningRate)
            }
        }
    }

    public var stateTensors: [(name: String, tensor: Tensor)] {
        buffers.enumerated().map { (name: "momentum.\($0.offset)", tensor: $0.element) }
    }

    /// Restores the momentum buffers saved from `stateTensors`; checks all of them before copying any.
    public func loadState(_ tensors: [String: Tensor]) throws {
        var copies: [(target: Tensor, source: Tensor)] = []
        for (name, target) in stateTensors {
            guard let t = tensors[name] else { throw OptimizerStateError.missing(name) }
            guard t.shape == target.shape, t.dtype == target.dtype else {
                throw OptimizerStateError.mismatch(name, expected: target.shape, found: t.shape)
            }
            copies.append((target, t))
        }
        for (target, source) in copies { target.assign(source) }
    }
}
