import Testing
import MetaExploreRandom
import MetaExploreTensor
import MetaExploreTestSupport

/// `gatherRows` / `scatterAddRows`: finite differences (Float64, first and second order), the same values and
/// gradient bits as `gather`/`scatterAdd` with per-element indices, and errors for bad indices.
@Suite struct RowGatherTests {
    static let rows = [2, 0, 2, 3, 1, 2]

    @Test func derivativesMatchFiniteDifferences() throws {
        for (name, shapes, f) in [
            ("gatherRows", [[4, 3]], { (p: [Tensor]) in try! p[0].gatherRows(Self.rows) }),
            ("gatherRows rank 3", [[4, 2, 2]], { (p: [Tensor]) in try! p[0].gatherRows(Self.rows) }),
            ("scatterAddRows", [[6, 3]], { (p: [Tensor]) in try! p[0].scatterAddRows(Self.rows, count: 5) }),
            // A product makes the second derivative non-trivial.
            ("gatherRows product", [[4, 3], [6, 3]], { (p: [Tensor]) in try! p[0].gatherRows(Self.rows) * p[1] }),
        ] as [(String, [[Int]], ([Tensor]) -> Tensor)] {
            let inputs = GradientCheck.makeInputs(shapes, seed: 3)
            let (err1, fail1) = GradientCheck.firstOrder(inputs, f)
            #expect(err1 < 1e-6, "\(name) first order: \(fail1.map(String.init(describing:)) ?? "")")
            let (err2, fail2) = GradientCheck.secondOrder(inputs, f)
            #expect(err2 < 1e-5, "\(name) second order: \(fail2.map(String.init(describing:)) ?? "")")
        }
    }

    /// The same values and gradient bits as the per-element gather it replaces (float32).
    @Test func equalsElementGather() throws {
        var rng = RandomStream(seed: 4)
        let x = Tensor.randomNormal([5, 7], using: &rng).requiringGrad()
        let picks = [4, 4, 0, 1, 3, 4, 2, 0]
        let fast = try x.gatherRows(picks)
        let slow = x.gather(indices: picks.flatMap { Array(repeating: $0, count: 7) }, axis: 0)
        #expect(fast.shape == slow.shape && fast.scalars == slow.scalars)
        let w = Tensor.randomNormal([8, 7], using: &rng)
        #expect(gradient(of: (fast * w).sum(), wrt: x).scalars == gradient(of: (slow * w).sum(), wrt: x).scalars)
        let back = try w.scatterAddRows(picks, count: 5)
        #expect(back.scalars == w.scatterAdd(indices: picks.flatMap { Array(repeating: $0, count: 7) }, axis: 0, into: [5, 7]).scalars)
        #expect(try x.gatherRows([]).shape == [0, 7])
    }

    @Test func badIndicesThrow() {
        let x = Tensor.zeros([3, 2])
        #expect(throws: TensorArgumentError.self) { _ = try x.gatherRows([0, 3]) }
        #expect(throws: TensorArgumentError.self) { _ = try x.gatherRows([-1]) }
        #expect(throws: TensorArgumentError.self) { _ = try Tensor(2.0).gatherRows([0]) }
        #expect(throws: TensorArgumentError.self) { _ = try x.scatterAddRows([0, 1], count: 4) }
        #expect(throws: TensorArgumentError.self) { _ = try x.scatterAddRows([0, 1, 4], count: 4) }
    }
}
