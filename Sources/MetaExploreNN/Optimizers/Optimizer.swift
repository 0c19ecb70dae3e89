import MetaExploreTensor

/// Updates a fixed list of parameters in place from their gradients.
///
/// State (moments, step count) is exposed as named tensors so that checkpoints save and restore it exactly.
public protocol Optimizer: AnyObject {
    /// The parameters this optimizer updates, in a fixed order.
    var parameters: [Tensor] { get }
    /// Applies one update; `gradients[i]` belongs to `parameters[i]`.
    func step(_ gradients: [Tensor])
    /// The optimizer's state as named tensors (for checkpoints).
    var stateTensors: [(name: String, tensor: Tensor)] { get }
}

/// An optimizer whose state can be restored from the tensors of `stateTensors` (checkpoints).
public protocol RestorableOptimizer: Optimizer {
    /// Restores the state from tensors keyed by their `stateTensors` names; validates everything before changing
    /// anything.
    func loadState(_ tensors: [String: Tensor]) throws
}

/// Scales gradients so that their joint L2 norm is at most `maxNorm` (Pascanu et al. 2013); returns the clipped
/// gradients and the norm before clipping.
public func clipGradientNorm(_ gradients: [Tensor], maxNorm: Double) -> (gradients: [Tensor], norm: Double) {
    precondition(maxNorm > 0, "clipGradientNorm: maxNorm must be positive, got \(maxNorm)")
    var total = 0.0
    for g in gradients {
        switch g.dtype {
        case .float32: g.withUnsafeFloats { for v in $0 { total += Double(v) * Double(v) } }
        case .float64: g.withUnsafeDoubles { for v in $0 { total += v * v } }
        }
    }
    let norm = total.squareRoot()
    guard norm > maxNorm else { return (gradients, norm) }
    let scale = maxNorm / (norm + 1e-6)
    return (withoutGradients { gradients.map { $0 * scale } }, norm)
}
