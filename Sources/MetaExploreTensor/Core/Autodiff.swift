/// Reverse-mode differentiation over the recorded graph.
///
/// `gradients(of: y, wrt: xs)` returns ∂(Σ seed ⊙ y)/∂x for each x in `xs` (seed defaults to ones, so for a scalar
/// loss this is the usual gradient). Only the part of the graph that lies between `y` and the requested tensors is
/// visited, and each backward rule is told which of its inputs lead to a requested tensor, so, e.g., the actor step of
/// DDPG never computes the critic's weight gradients.
///
/// - Parameters:
///   - createGraph: when true, the backward rules run with recording on, so the returned gradients are themselves
///     differentiable functions of the inputs (double backward: Hessian-vector products, MAML's inner step, DiCE).
///     When false they run without recording and the results are plain values.
///   - seed: the gradient of the output (same shape as `y`); ones when nil.
/// - Returns: one tensor per requested input, zeros where the output does not depend on it.
public func gradients(of y: Tensor, wrt xs: [Tensor], seed: Tensor? = nil, createGraph: Bool = false) -> [Tensor] {
    let order = topologicalOrder(from: y)
    var targetIDs = Set<ObjectIdentifier>()
    for x in xs { targetIDs.insert(ObjectIdentifier(x)) }

    // A tensor is relevant when a requested tensor is it or lies upstream of it.
    var relevant = Set<ObjectIdentifier>()
    for t in order {
        let id = ObjectIdentifier(t)
        if targetIDs.contains(id) {
            relevant.insert(id)
        } else if let node = t.node, node.inputs.contains(where: { relevant.contains(ObjectIdentifier($0)) }) {
            relevant.insert(id)
        }
    }

    var grads: [ObjectIdentifier: Tensor] = [:]
    let run = {
        let start: Tensor
        if let seed {
            precondition(seed.shape == y.shape, "gradient seed shape \(seed.shape) differs from output shape \(y.shape)")
            start = seed.cast(to: y.dtype)
        } else {
            start = Tensor.ones(y.shape, dtype: y.dtype)
        }
        grads[ObjectIdentifier(y)] = start
        for t in order.reversed() {
            let id = ObjectIdentifier(t)
            guard relevant.contains(id), let node = t.node, let g = grads[id] else { continue }
            if !targetIDs.contains(id) { grads[id] = nil }  // free intermediate gradients early
            let needs = node.inputs.map { relevant.contains(ObjectIdentifier($0)) }
            let inputGrads = node.backward(g, needs)
            precondition(inputGrads.count == node.inputs.count, "backward of \(node.name) returned a wrong count")
            for (input, ig) in zip(node.inputs, inputGrads) {
                guard let ig else { continue }
                let iid = ObjectIdentifier(input)
                guard relevant.contains(iid) else { continue }
                precondition(ig.shape == input.shape,
                             "backward of \(node.name) gave gradient shape \(ig.shape) for input \(input.shape)")
                if let existing = grads[iid] {
                    grads[iid] = existing + ig
                } else {
                    grads[iid] = ig
                }
            }
        }
    }
    if createGraph { GradMode.withGradients(run) } else { GradMode.withoutGradients(run) }

    return xs.map { x in
        if let g = grads[ObjectIdentifier(x)] { return g }
        return Tensor.zeros(x.shape, dtype: x.dtype)
    }
}

/// The gradient of a scalar `y` with respect to one tensor.
public func gradient(of y: Tensor, wrt x: Tensor, createGraph: Bool = false) -> Tensor {
    gradients(of: y, wrt: [x], createGraph: createGraph)[0]
}

/// Tensors reachable from `root` through graph nodes, inputs before the tensors computed from them.
func topologicalOrder(from root: Tensor) -> [Tensor] {
    var order: [Tensor] = []
    var visited = Set<ObjectIdentifier>()
    // Iterative post-order DFS (deep graphs such as long RNN unrolls must not overflow the stack).
    var stack: [(Tensor, Int)] = [(root, 0)]
    visited.insert(ObjectIdentifier(root))
    while let (t, next) = stack.popLast() {
        let inputs = t.node?.inputs ?? []
        if next < inputs.count {
            stack.append((t, next + 1))
            let child = inputs[next]
            if child.requiresGrad, visited.insert(ObjectIdentifier(child)).inserted {
                stack.append((child, 0))
            }
        } else {
            order.append(t)
        }
    }
    return order
}
