import MetaExploreTensor

/// Adam (Kingma & Ba 2015, Algorithm 1) with optional L2 weight decay.
///
/// m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − lr·m̂/(√v̂ + ε) with bias-corrected m̂, v̂.
/// Weight decay: `.l2` adds wd·θ to the gradient before the moments (the classic "L2 regularization in the loss",
/// as in the DDPG critic of Lillicrap et al. 2016, Sec. 7); `.decoupled` subtracts lr·wd·θ directly (AdamW,
/// Loshchilov & Hutter 2019). `decayMask` selects which parameters decay (e.g. weights but not biases).
/// Each step is one fused pass over each parameter.
public final class Adam: RestorableOptimizer {
    public enum WeightDecay: Sendable, Equatable { case l2, decoupled }

    public let parameters: [Tensor]
    public var learningRate: Double
    public let beta1: Double, beta2: Double, epsilon: Double
    public let weightDecay: Double
    public let weightDecayMode: WeightDecay
    public let decayMask: [Bool]
    public private(set) var stepCount: Int = 0
    private let m: [Tensor]
    private let v: [Tensor]

    public init(
        parameters: [Tensor], learningRate: Double, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
        weightDecay: Double = 0, weightDecayMode: WeightDecay = .l2, decayMask: [Bool]? = nil
    ) {
        precondition(learningRate > 0, "Adam: learning rate must be positive, got \(learningRate)")
        precondition(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, "Adam: betas must lie in [0, 1)")
        precondition(weightDecay >= 0, "Adam: weight decay must be non-negative, got \(weightDecay)")
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.weightDecayMode = weightDecayMode
        self.decayMask = decayMask ?? Array(repeating: true, count: parameters.count)
        precondition(self.decayMask.count == parameters.count, "Adam: decayMask has a wrong length")
        m = parameters.map { Tensor.zeros($0.shape, dtype: $0.dtype) }
        v = parameters.map { Tensor.zeros($0.shape, dtype: $0.dtype) }
    }

    public func step(_ gradients: [Tensor]) {
        precondition(gradients.count == parameters.count, "Adam.step: \(gradients.count) gradients for \(parameters.count) parameters")
        stepCount += 1
        let t = Double(stepCount)
        let c1 = 1 - _pow(beta1, t), c2 = 1 - _pow(beta2, t)
        // θ ← θ − (lr/c1)·m / (√v/√c2 + ε), the bias corrections folded into two scalars.
        let stepSize = learningRate / c1
        let invSqrtC2 = 1 / c2.squareRoot()
        for i in 0..<parameters.count {
            let p = parameters[i], g = gradients[i]
            precondition(g.shape == p.shape, "Adam.step: gradient \(g.shape) for parameter \(p.shape)")
            let wd = decayMask[i] ? weightDecay : 0
            switch p.dtype {
            case .float32:
                let (b1, b2, eps) = (Float(beta1), Float(beta2), Float(epsilon))
                let (ss, isc2, wdf, lr) = (Float(stepSize), Float(invSqrtC2), Float(wd), Float(learningRate))
                let l2 = weightDecayMode == .l2
                let decoupled = l2 ? Float(0) : lr * wdf
                g.cast(to: .float32).withUnsafeFloats { gp in
                    m[i].withUnsafeMutableFloats { mp in
                        v[i].withUnsafeMutableFloats { vp in
                            p.withUnsafeMutableFloats { pp in
                                adamStepKernel(parameter: pp.baseAddress!, gradient: gp.baseAddress!, m: mp.baseAddress!,
                                               v: vp.baseAddress!, count: pp.count, beta1: b1, beta2: b2, stepSize: ss,
                                               invSqrtC2: isc2, epsilon: eps, l2: l2 ? wdf : 0, decoupled: decoupled)
                            }
                        }
                    }
                }
            case .float64:
                let l2 = weightDecayMode == .l2
                g.cast(to: .float64).withUnsafeDoubles { gp in
                    m[i].withUnsafeMutableDoubles { mp in
                        v[i].withUnsafeMutableDoubles { vp in
                            p.withUnsafeMutableDoubles { pp in
                                for j in 0..<pp.count {
                                    var gj = gp[j]
                                    if l2 { gj += wd * pp[j] } else { pp[j] -= learningRate * wd * pp[j] }
                                    mp[j] = beta1 * mp[j] + (1 - beta1) * gj
                                    vp[j] = beta2 * vp[j] + (1 - beta2) * gj * gj
                                    pp[j] -= stepSize * mp[j] / (vp[j].squareRoot() * invSqrtC2 + epsilon)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    public var stateTensors: [(name: String, tensor: Tensor)] {
        var out: [(name: String, tensor: Tensor)] = [("step", Tensor(shape: [1], doubles: [Double(stepCount)]))]
        for i in 0..<parameters.count {
            out.append(("m.\(i)", m[i]))
            out.append(("v.\(i)", v[i]))
        }
        return out
    }

    /// Restores moments and step count saved from `stateTensors` (of an optimizer over the same parameters).
    /// Every entry is checked before any is copied, so a mismatched state leaves the optimizer unchanged.
    public func loadState(_ tensors: [String: Tensor]) throws {
        guard let step = tensors["step"] else { throw OptimizerStateError.missing("step") }
        guard step.count == 1 else { throw OptimizerStateError.mismatch("step", expected: [1], found: step.shape) }
        var copies: [(target: Tensor, source: Tensor)] = []
        for i in 0..<parameters.count {
            for (name, target) in [("m.\(i)", m[i]), ("v.\(i)", v[i])] {
                guard let t = tensors[name] else { throw OptimizerStateError.missing(name) }
                guard t.shape == target.shape, t.dtype == target.dtype else {
                    throw OptimizerStateError.mismatch(name, expected: target.shape, found: t.shape)
                }
                copies.append((target, t))
            }
        }
        for (target, source) in copies { target.assign(source) }
        stepCount = Int(step.item)
    }
}

/// A problem with saved optimizer state.
public enum OptimizerStateError: Error, CustomStringConvertible, Equatable {
    case missing(String)
    case mismatch(String, expected: [Int], found: [Int])

    public var description: String {
        switch self {
        case .missing(let name): return "optimizer state has no entry '\(name)'"
        case let .mismatch(name, expected, found): return "optimizer state '\(name)' has shape \(found), expected \(expected)"
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
@inline(__always) func _pow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
