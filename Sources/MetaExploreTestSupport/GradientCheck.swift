import MetaExploreRandom
import MetaExploreTensor

/// Finite-difference checkers shared by the test targets (tensor ops, distributions, recurrent cells, ...).
///
/// `checkGradients` compares the engine's gradient of L(x) = Σ w ⊙ f(x) (w a fixed random projection, so every
/// output element matters) with central differences in Float64. `checkSecondOrder` does the same for the
/// gradient itself: it differentiates ⟨∇L(x), u⟩ with `createGraph: true` and compares with central differences
/// of that inner product, which exercises every backward rule's own backward rule.
public enum GradientCheck {
    public struct Failure: CustomStringConvertible {
        public let input: Int, element: Int, analytic: Double, numeric: Double
        public var description: String { "input \(input) element \(element): analytic \(analytic) vs numeric \(numeric)" }
    }

    public static func makeInputs(_ shapes: [[Int]], seed: UInt64, transform: (Double) -> Double = { $0 }) -> [Tensor] {
        var rng = RandomStream(seed: seed)
        return shapes.map { shape in
            let n = shape.reduce(1, *)
            let values = (0..<n).map { _ in transform(rng.uniform(-1, 1)) }
            return Tensor(shape: shape, doubles: values).requiringGrad()
        }
    }

    public static func projection(for output: Tensor, seed: UInt64) -> Tensor {
        var rng = RandomStream(seed: seed &+ 999)
        return Tensor(shape: output.shape, doubles: (0..<output.count).map { _ in rng.uniform(-1, 1) })
    }

    /// Largest |analytic − numeric| / max(1, |numeric|) over all input elements, and the worst element.
    public static func firstOrder(_ inputs: [Tensor], h: Double = 1e-6, _ f: ([Tensor]) -> Tensor) -> (Double, Failure?) {
        let w = projection(for: f(inputs), seed: 1)
        func loss(_ xs: [Tensor]) -> Tensor { (f(xs) * w).sum() }
        let analytic = gradients(of: loss(inputs), wrt: inputs)
        var worst = 0.0
        var failure: Failure?
        for (i, x) in inputs.enumerated() {
            let base = x.doubles
            let grad = analytic[i].doubles
            for e in 0..<base.count {
                func value(_ delta: Double) -> Double {
                    var v = base
                    v[e] += delta
                    var xs = inputs
                    xs[i] = Tensor(shape: x.shape, doubles: v)
                    return withoutGradients { loss(xs).item }
                }
                let numeric = (value(h) - value(-h)) / (2 * h)
                let err = abs(grad[e] - numeric) / max(1, abs(numeric))
                if err > worst {
                    worst = err
                    failure = Failure(input: i, element: e, analytic: grad[e], numeric: numeric)
                }
            }
        }
        return (worst, failure)
    }

    /// The same check for the map x ↦ ⟨∇L(x), u⟩, differentiated through the recorded backward pass.
    public static func secondOrder(_ inputs: [Tensor], h: Double = 1e-5, _ f: ([Tensor]) -> Tensor) -> (Double, Failure?) {
        let w = projection(for: f(inputs), seed: 2)
        var rng = RandomStream(seed: 77)
        let us = inputs.map { x in Tensor(shape: x.shape, doubles: (0..<x.count).map { _ in rng.uniform(-1, 1) }) }
        func inner(_ xs: [Tensor], createGraph: Bool) -> Tensor {
            let loss = (f(xs) * w).sum()
            let gs = gradients(of: loss, wrt: xs, createGraph: createGraph)
            var total = (gs[0] * us[0]).sum()
            for k in 1..<gs.count { total = total + (gs[k] * us[k]).sum() }
            return total
        }
        let analytic = gradients(of: inner(inputs, createGraph: true), wrt: inputs)
        var worst = 0.0
        var failure: Failure?
        for (i, x) in inputs.enumerated() {
            let base = x.doubles
            let grad = analytic[i].doubles
            for e in 0..<base.count {
                func value(_ delta: Double) -> Double {
                    var v = base
                    v[e] += delta
                    var xs = inputs
                    xs[i] = Tensor(shape: x.shape, doubles: v).requiringGrad()
                    return inner(xs, createGraph: false).item
                }
                let numeric = (value(h) - value(-h)) / (2 * h)
                let err = abs(grad[e] - numeric) / max(1, abs(numeric))
                if err > worst {
                    worst = err
                    failure = Failure(input: i, element: e, analytic: grad[e], numeric: numeric)
                }
            }
        }
        return (worst, failure)
    }
}
