/// The record an op leaves on its result: the inputs it read and how to map the result's gradient to theirs.
///
/// `backward(g, needs)` returns one gradient per input (nil where `needs[i]` is false or the input has no
/// gradient). Rules are written with tensor ops; the engine runs them with recording on when a differentiable
/// gradient is requested (`createGraph`), off otherwise. A rule that needs the op's output captures a *detached*
/// view of it (no reference cycle) and, when recording, recomputes it from the inputs so that second derivatives
/// see its dependence on them.
@usableFromInline
final class GradNode {
    let name: StaticString
    private(set) var inputs: [Tensor]
    private(set) var backward: (Tensor, [Bool]) -> [Tensor?]

    // Scratch state of one `gradients` call, valid while `epoch` equals that call's epoch. A graph node belongs to
    // the thread that built it, so its scratch state is never shared (parameters are leaves and carry none).
    var epoch: UInt64 = 0
    var relevant = false
    var gradient: Tensor?

    init(name: StaticString, inputs: [Tensor], backward: @escaping (Tensor, [Bool]) -> [Tensor?]) {
        self.name = name
        self.inputs = inputs
        self.backward = backward
    }

    /// Releasing the last reference to a long chain's result would release its node, whose inputs release their
    /// nodes, and so on: several stack frames per op, enough to overflow a thread's stack on a graph some ten
    /// thousand ops deep on a thread with a small stack. The chain is unlinked here with an explicit stack
    /// instead. Only what dies with this node is touched: an input tensor is unlinked from its node only when this
    /// node held its last reference, and a node is unlinked from its inputs only when nothing else refers to it.
    deinit {
        var pending: [GradNode] = []
        GradNode.unlink(self, into: &pending)
        while var node = pending.popLast() {
            if isKnownUniquelyReferenced(&node) { GradNode.unlink(node, into: &pending) }
        }
    }

    private static let released: (Tensor, [Bool]) -> [Tensor?] = { _, _ in [] }

    /// Empties `node` (its rule first, so that the tensors the rule captured are held by `inputs` alone) and moves
    /// the nodes of the inputs only it referenced onto `pending`.
    private static func unlink(_ node: GradNode, into pending: inout [GradNode]) {
        node.backward = released
        var inputs = node.inputs
        node.inputs = []
        for i in inputs.indices where isKnownUniquelyReferenced(&inputs[i]) {
            if let child = inputs[i].node {
                inputs[i].node = nil
                pending.append(child)
            }
        }
    }
}

extension Tensor {
    /// True when an op on these inputs should record a graph node.
    @inlinable @inline(__always)
    static func shouldRecord(_ a: Tensor) -> Bool {
        a.requiresGrad && GradMode.isEnabled
    }

    @inlinable @inline(__always)
    static func shouldRecord(_ a: Tensor, _ b: Tensor) -> Bool {
        (a.requiresGrad || b.requiresGrad) && GradMode.isEnabled
    }

    static func shouldRecord(_ inputs: [Tensor]) -> Bool {
        inputs.contains(where: { $0.requiresGrad }) && GradMode.isEnabled
    }

    /// Attaches a graph node to a freshly made result.
    func record(_ name: StaticString, inputs: [Tensor], backward: @escaping (Tensor, [Bool]) -> [Tensor?]) {
        node = GradNode(name: name, inputs: inputs, backward: backward)
    }

    /// The same values, not connected to the graph (shares storage; the stop-gradient op).
    public func detached() -> Tensor {
        Tensor(storage: storage, shape: shape)
    }
}
