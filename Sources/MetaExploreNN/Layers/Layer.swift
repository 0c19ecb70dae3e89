import MetaExploreTensor

/// A network piece that owns named parameters.
///
/// Parameters are leaf tensors with `requiresGrad == true`, listed in a fixed order under stable dotted names
/// ("0.weight", "norm.bias", ...). The order is what optimizers, checkpoints and functional calls rely on: a
/// `Layer` is called either with its own parameters (`callAsFunction(_:)`) or, for MAML-style fast weights, with a
/// substitute list in the same order (`forward(_:parameters:)`).
public protocol Layer: AnyObject {
    /// Parameters with their names, in a fixed order.
    var namedParameters: [(name: String, tensor: Tensor)] { get }
    /// The parameters in `namedParameters` order (the default builds them from `namedParameters`; layers used on
    /// hot paths return a list gathered once).
    var parameters: [Tensor] { get }
}

extension Layer {
    /// The parameters, in `namedParameters` order.
    public var parameters: [Tensor] { namedParameters.map(\.tensor) }

    /// The total number of scalar parameters.
    public var parameterCount: Int { namedParameters.reduce(0) { $0 + $1.tensor.count } }

    /// Copies every parameter value from `other` (same architecture).
    public func copyParameters(from other: Layer) {
        let mine = namedParameters, theirs = other.namedParameters
        precondition(mine.count == theirs.count, "copyParameters: \(mine.count) vs \(theirs.count) parameters")
        for (a, b) in zip(mine, theirs) { a.tensor.assign(b.tensor) }
    }
}

/// Prefixes the names of a child's parameters ("prefix.name").
public func prefixed(_ prefix: String, _ params: [(name: String, tensor: Tensor)]) -> [(name: String, tensor: Tensor)] {
    params.map { (name: "\(prefix).\($0.name)", tensor: $0.tensor) }
}

/// Polyak averaging of parameter sets: target ← (1 − τ)·target + τ·source, in place (one fused pass per tensor).
///
/// Used for the target networks of DDPG/TD3 (Lillicrap et al. 2016, Sec. 3: "soft" target updates with τ ≪ 1).
public func polyakUpdate(target: [Tensor], source: [Tensor], tau: Double) {
    precondition(target.count == source.count, "polyakUpdate: \(target.count) vs \(source.count) tensors")
    precondition(tau >= 0 && tau <= 1, "polyakUpdate: tau must lie in [0, 1], got \(tau)")
    for (t, s) in zip(target, source) {
        precondition(t.shape == s.shape && t.dtype == s.dtype, "polyakUpdate: \(t.shape) vs \(s.shape)")
        switch t.dtype {
        case .float32:
            s.withUnsafeFloats { src in
                t.withUnsafeMutableFloats { dst in
                    lerpKernel(target: dst.baseAddress!, source: src.baseAddress!, count: dst.count, tau: Float(tau))
                }
            }
        case .float64:
            s.withUnsafeDoubles { src in
                t.withUnsafeMutableDoubles { dst in
                    for i in 0..<dst.count { dst[i] = (1 - tau) * dst[i] + tau * src[i] }
                }
            }
        }
    }
}

/// Polyak averaging between two layers of the same architecture.
public func polyakUpdate(target: Layer, source: Layer, tau: Double) {
    polyakUpdate(target: target.parameters, source: source.parameters, tau: tau)
}
