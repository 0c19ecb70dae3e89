import Synchronization

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
///
/// Cost: one pass over the graph's nodes to order them, one to run the rules; bookkeeping lives in scratch fields
/// of the graph nodes (stamped with a per-call epoch), so no hashing happens per node.
public func gradients(of y: Tensor, wrt xs: [Tensor], seed: Tensor? = nil, createGraph: Bool = false) -> [Tensor] {
    let epoch = GradientEpoch.next()
    let targets = TargetSet(xs)
    let order = orderedNodes(from: y, epoch: epoch)  // inputs before the tensors computed from them

    // A node is relevant when a requested tensor is it or lies upstream of it.
    for t in order {
        let node = t.node!
        node.relevant = targets.contains(t) || node.inputs.contains { isRelevant($0, epoch: epoch, targets: targets) }
        node.gradient = nil
    }

    var leafGradients = [Tensor?](repeating: nil, count: xs.count)
    func accumulate(_ g: Tensor, into t: Tensor) {
        if let node = t.node, node.epoch == epoch {
            node.gradient = node.gradient.map { $0 + g } ?? g
        }
        if t.node == nil || targets.contains(t) {
            let id = ObjectIdentifier(t)
            for i in targets.items.indices where targets.items[i] == id {
                leafGradients[i] = leafGradients[i].map { $0 + g } ?? g
            }
        }
    }

    let run = {
        let start: Tensor
        if let seed {
            precondition(seed.shape == y.shape, "gradient seed shape \(seed.shape) differs from output shape \(y.shape)")
            start = seed.cast(to: y.dtype)
        } else {
            start = Tensor.ones(y.shape, dtype: y.dtype)
        }
        if y.node != nil, y.node!.epoch == epoch, y.node!.relevant {
            y.node!.gradient = start
        }
        if targets.contains(y) {
            let id = ObjectIdentifier(y)
            for i in targets.items.indices where targets.items[i] == id { leafGradients[i] = start }
        }
        for t in order.reversed() {
            let node = t.node!
            guard node.relevant, let g = node.gradient else { continue }
            node.gradient = nil  // free intermediate gradients early
            let needs = node.inputs.map { isRelevant($0, epoch: epoch, targets: targets) }
            let inputGrads = node.backward(g, needs)
            precondition(inputGrads.count == node.inputs.count, "backward of \(node.name) returned a wrong count")
            for k in 0..<inputGrads.count where needs[k] {
                guard let ig = inputGrads[k] else { continue }
                let input = node.inputs[k]
                precondition(ig.shape == input.shape,
                             "backward of \(node.name) gave gradient shape \(ig.shape) for input \(input.shape)")
                accumulate(ig, into: input)
            }
        }
    }
    if createGraph { GradMode.withGradients(run) } else { GradMode.withoutGradients(run) }
    for t in order { t.node!.gradient = nil }

    return xs.enumerated().map { i, x in leafGradients[i] ?? Tensor.zeros(x.shape, dtype: x.dtype) }
}

/// The gradient of a scalar `y` with respect to one tensor.
public func gradient(of y: Tensor, wrt x: Tensor, createGraph: Bool = false) -> Tensor {
    gradients(of: y, wrt: [x], createGraph: createGraph)[0]
}

@inline(__always)
private func isRelevant(_ t: Tensor, epoch: UInt64, targets: TargetSet) -> Bool {
    if let node = t.node, node.epoch == epoch { return node.relevant }
    return targets.contains(t)
}

/// Unique stamps for `gradients` calls.
enum GradientEpoch {
    private static let counter = Atomic<UInt64>(0)
    static func next() -> UInt64 { counter.add(1, ordering: .relaxed).newValue }
}

/// The requested tensors, looked up by identity (a linear scan: the lists are short).
private struct TargetSet {
    let items: [ObjectIdentifier]

    init(_ xs: [Tensor]) { items = xs.map(ObjectIdentifier.init) }

    @inline(__always)
    func contains(_ t: Tensor) -> Bool {
        let id = ObjectIdentifier(t)
        for x in items where x == id { return true }
        return false
    }

}

/// Graph tensors (those with a node) reachable from `root`, inputs before the tensors computed from them; each
/// node's `epoch` is stamped so that later membership tests are a field comparison.
private func orderedNodes(from root: Tensor, epoch: UInt64) -> [Tensor] {
    var order: [Tensor] = []
    guard let rootNode = root.node else { return order }
    rootNode.epoch = epoch
    // Iterative post-order DFS (deep graphs such as long RNN unrolls must not overflow the stack).
    var stack: [(Tensor, Int)] = [(root, 0)]
    while let (t, next) = stack.popLast() {
        let inputs = t.node!.inputs
        if next < inputs.count {
            stack.append((t, next + 1))
            if let child = inputs[next].node, child.epoch != epoch {
                child.epoch = epoch
                stack.append((inputs[next], 0))
            }
        } else {
            order.append(t)
        }
    }
    return order
}
