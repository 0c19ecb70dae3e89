import CMetaExploreKernels
import Foundation
import Testing
import MetaExploreRandom
import MetaExploreTensor

/// Float32 products (our small-matrix kernel for most of these shapes, BLAS for the rest) against a Float64
/// reference, over shapes that reach every branch: 4-row blocks and row tails, full vector blocks, single vectors,
/// column tails, narrow outputs, extents above 512 (BLAS), both transpose flags, and the accumulating `linear`.
@Suite struct MatmulKernelTests {
    func reference(_ a: [Double], _ b: [Double], m: Int, n: Int, k: Int, tA: Bool, tB: Bool) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k {
                    let av = tA ? a[p * m + i] : a[i * k + p]
                    let bv = tB ? b[j * k + p] : b[p * n + j]
                    s += av * bv
                }
                c[i * n + j] = s
            }
        }
        return c
    }

    @Test(arguments: [(1, 16, 3), (3, 17, 5), (4, 64, 17), (5, 70, 64), (64, 64, 64), (67, 48, 9), (64, 6, 64),
                      (64, 1, 70), (2, 33, 1), (130, 160, 40), (200, 64, 64), (100, 300, 400), (100, 400, 23), (37, 512, 300), (600, 64, 64)])
    func float32ProductsMatchFloat64Reference(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        var rng = RandomStream(seed: UInt64(m * 10_000 + n * 100 + k))
        for (tA, tB) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = (0..<(m * k)).map { _ in Double(Float(rng.uniform(-1, 1))) }
            let b = (0..<(k * n)).map { _ in Double(Float(rng.uniform(-1, 1))) }
            let at = Tensor(shape: tA ? [k, m] : [m, k], doubles: a, dtype: .float32)
            let bt = Tensor(shape: tB ? [n, k] : [k, n], doubles: b, dtype: .float32)
            let c = at.matmul(bt, transposeSelf: tA, transposeOther: tB).doubles
            let expected = reference(a, b, m: m, n: n, k: k, tA: tA, tB: tB)
            let worst = zip(c, expected).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-5 * Double(max(k, 1)), "\(m)×\(n)×\(k) tA=\(tA) tB=\(tB): max error \(worst)")
        }
        // linear accumulates onto the bias rows.
        let x = (0..<(m * k)).map { _ in Double(Float(rng.uniform(-1, 1))) }
        let w = (0..<(k * n)).map { _ in Double(Float(rng.uniform(-1, 1))) }
        let bias = (0..<n).map { _ in Double(Float(rng.uniform(-1, 1))) }
        let y = linear(Tensor(shape: [m, k], doubles: x, dtype: .float32), Tensor(shape: [k, n], doubles: w, dtype: .float32),
                       Tensor(shape: [n], doubles: bias, dtype: .float32)).doubles
        let ref = reference(x, w, m: m, n: n, k: k, tA: false, tB: false)
        for i in 0..<m { for j in 0..<n { #expect(abs(y[i * n + j] - ref[i * n + j] - bias[j]) <= 1e-5 * Double(max(k, 1))) } }
    }

    /// The AVX2 and AVX-512 variants compute each output as the same FMA chain over k, so they must agree to the bit
    /// (results do not depend on which machine ran them); both must also match the Float64 reference.
    @Test func instructionSetVariantsAgreeBitForBit() throws {
        var rng = RandomStream(seed: 99)
        var compared = 0
        for (m, n, k) in [(4, 64, 17), (7, 70, 64), (64, 16, 1), (33, 100, 9), (5, 48, 300)] {
            for (tA, tB) in [(false, false), (true, false), (false, true), (true, true)] {
                let a = (0..<(m * k)).map { _ in Float(rng.uniform(-1, 1)) }
                let b = (0..<(k * n)).map { _ in Float(rng.uniform(-1, 1)) }
                let bias = (0..<(m * n)).map { _ in Float(rng.uniform(-1, 1)) }
                var outputs: [[Float]] = []
                for isa in [Int32(1), 2] {
                    var c = bias
                    let done = a.withUnsafeBufferPointer { ap in
                        b.withUnsafeBufferPointer { bp in
                            c.withUnsafeMutableBufferPointer { cp in
                                me_sgemm_small_variant(isa, tA ? 1 : 0, tB ? 1 : 0, m, n, k, ap.baseAddress, tA ? m : k,
                                                       bp.baseAddress, tB ? k : n, cp.baseAddress, n, 1)
                            }
                        }
                    }
                    if done != 0 { outputs.append(c) }
                }
                guard outputs.count == 2 else { continue }  // this CPU lacks one of the two
                #expect(outputs[0] == outputs[1], "\(m)×\(n)×\(k) tA=\(tA) tB=\(tB): variants differ")
                let ref = reference(a.map(Double.init), b.map(Double.init), m: m, n: n, k: k, tA: tA, tB: tB)
                for i in 0..<(m * n) { #expect(abs(Double(outputs[0][i]) - ref[i] - Double(bias[i])) <= 1e-5 * Double(k)) }
                compared += 1
            }
        }
        try #require(compared > 0 || !(CPUFeatures.hasAVX512), "the variants were never compared on an AVX-512 CPU")
    }

    /// The small-product kernel itself, on every path it has: lone rows (m < 4, four vectors at a time), 4-row
    /// blocks in several row chunks (k = 300 gives chunks of 108 rows), full column strips, single vectors and the
    /// padded column tail, a transposed B packed into strips, an untransposed B's strips copied per chunk (chunks of
    /// ≥ 16 rows; k = 512 leaves a last chunk of 4 rows read in place), a transposed A copied into 4-row blocks (read
    /// eight rows at a time by single vectors and the tail, with a last block of four: 12 × 6, and chunks of 108 and 20
    /// rows for 130 × 9 × 300), and the three `accumulate` modes. Each output must be
    /// exactly one FMA chain over k in increasing order — from 0 (mode 0), from 0 and then added to C (mode 1), or
    /// from C's value (mode 2) — on every instruction-set variant this CPU has.
    @Test func smallKernelIsOneChainPerElementOnEveryPath() throws {
        var rng = RandomStream(seed: 23)
        var variantsRun = 0
        for (m, n, k) in [(1, 70, 33), (2, 129, 17), (3, 64, 5), (1, 200, 512), (9, 100, 40), (4, 37, 300),
                          (130, 40, 300), (66, 81, 7), (5, 16, 0), (40, 130, 64), (70, 48, 512), (1, 6, 100),
                          (33, 1, 17), (130, 9, 64), (12, 6, 50), (130, 9, 300)] {
            for (tA, tB) in [(false, false), (true, false), (false, true), (true, true)] {
                let a = (0..<(m * k)).map { _ in Float(rng.uniform(-1, 1)) }
                let b = (0..<(k * n)).map { _ in Float(rng.uniform(-1, 1)) }
                let start = (0..<(m * n)).map { _ in Float(rng.uniform(-1, 1)) }
                for mode in Int32(0)...2 {
                    var expected = start
                    for i in 0..<m {
                        for j in 0..<n {
                            var chain: Float = mode == 2 ? start[i * n + j] : 0
                            for p in 0..<k {
                                chain = chain.addingProduct(tA ? a[p * m + i] : a[i * k + p], tB ? b[j * k + p] : b[p * n + j])
                            }
                            expected[i * n + j] = mode == 1 ? start[i * n + j] + chain : chain
                        }
                    }
                    for isa in [Int32(1), 2] {
                        var c = start
                        let done = a.withUnsafeBufferPointer { ap in
                            b.withUnsafeBufferPointer { bp in
                                c.withUnsafeMutableBufferPointer { cp in
                                    me_sgemm_small_variant(isa, tA ? 1 : 0, tB ? 1 : 0, m, n, k, ap.baseAddress, tA ? m : max(k, 1),
                                                           bp.baseAddress, tB ? max(k, 1) : n, cp.baseAddress, n, mode)
                                }
                            }
                        }
                        guard done != 0 else { continue }  // this CPU lacks the variant
                        variantsRun += 1
                        let mismatches = zip(c, expected).filter { $0 != $1 }.count
                        #expect(mismatches == 0, "isa \(isa) \(m)×\(n)×\(k) tA=\(tA) tB=\(tB) mode \(mode): \(mismatches) differ")
                    }
                }
            }
        }
        try #require(variantsRun > 0 || me_sgemm_small_isa() == 0, "no variant ran on a CPU that has one")
    }

    /// `BLASInfo.withEngineKernelForAllSizes`: products beyond 512 in any extent run on the engine's kernel in
    /// blocks whose FMA chains continue along k, so every element is exactly one FMA chain over the whole k in
    /// increasing order (checked against such chains computed here), for every transpose and for `linear`'s
    /// bias-plus-product (k > 512 takes the scratch-buffer path); outside the block the same products still go to
    /// OpenBLAS (so results elsewhere do not move).
    @Test func engineKernelForAllSizesIsOneChainPerElement() throws {
        guard me_sgemm_small_isa() != 0 else { return }  // no AVX2: nothing to check
        var rng = RandomStream(seed: 17)
        for (m, n, k) in [(530, 20, 600), (40, 530, 100), (3, 17, 1100), (600, 64, 0)] {
            for (tA, tB) in [(false, false), (true, false), (false, true), (true, true)] {
                let a = (0..<(m * k)).map { _ in Float(rng.uniform(-1, 1)) }
                let b = (0..<(k * n)).map { _ in Float(rng.uniform(-1, 1)) }
                let at = Tensor(shape: tA ? [k, m] : [m, k], scalars: a), bt = Tensor(shape: tB ? [n, k] : [k, n], scalars: b)
                let c = BLASInfo.withEngineKernelForAllSizes { at.matmul(bt, transposeSelf: tA, transposeOther: tB) }.scalars
                var mismatches = 0
                for i in 0..<m {
                    for j in 0..<n {
                        var chain: Float = 0
                        for p in 0..<k {
                            chain = chain.addingProduct(tA ? a[p * m + i] : a[i * k + p], tB ? b[j * k + p] : b[p * n + j])
                        }
                        if c[i * n + j] != chain { mismatches += 1 }
                    }
                }
                #expect(mismatches == 0, "\(m)×\(n)×\(k) tA=\(tA) tB=\(tB)")
            }
        }
        // linear: bias + chain, with k above 512.
        let (m, n, k) = (520, 24, 530)
        let x = (0..<(m * k)).map { _ in Float(rng.uniform(-1, 1)) }
        let w = (0..<(k * n)).map { _ in Float(rng.uniform(-1, 1)) }
        let bias = (0..<n).map { _ in Float(rng.uniform(-1, 1)) }
        let y = BLASInfo.withEngineKernelForAllSizes {
            linear(Tensor(shape: [m, k], scalars: x), Tensor(shape: [k, n], scalars: w), Tensor(shape: [n], scalars: bias))
        }.scalars
        var mismatches = 0
        for i in 0..<m {
            for j in 0..<n {
                var chain: Float = 0
                for p in 0..<k { chain = chain.addingProduct(x[i * k + p], w[p * n + j]) }
                if y[i * n + j] != bias[j] + chain { mismatches += 1 }
            }
        }
        #expect(mismatches == 0)
        // Outside the block (and after it) the large products are OpenBLAS's again: the flag is restored.
        #expect(me_sgemm_engine_everywhere() == 0)
        let nested = BLASInfo.withEngineKernelForAllSizes { BLASInfo.withEngineKernelForAllSizes { me_sgemm_engine_everywhere() } }
        #expect(nested == 1 && me_sgemm_engine_everywhere() == 0)
    }

    /// Narrow outputs (a critic's 1 column, an actor's 6, a Q-head's 9) go through the engine's kernel like every
    /// product within the limit, not to OpenBLAS, whose kernels (chosen by the CPU it detects) round differently:
    /// the dispatcher takes them and gives each element's FMA chain.
    @Test func narrowProductsTakeTheEngineKernel() throws {
        try #require(me_sgemm_small_isa() != 0, "this CPU has no AVX2: every product goes to BLAS")
        var rng = RandomStream(seed: 5)
        for (m, n, k) in [(1, 1, 64), (64, 1, 300), (1, 6, 100), (256, 6, 64), (32, 9, 64), (512, 15, 128)] {
            let a = (0..<(m * k)).map { _ in Float(rng.uniform(-1, 1)) }
            let b = (0..<(k * n)).map { _ in Float(rng.uniform(-1, 1)) }
            var c = [Float](repeating: .nan, count: m * n)
            let taken = me_sgemm_small(0, 0, m, n, k, a, k, b, n, &c, n, 0)
            #expect(taken == 1, "\(m)×\(n)×\(k) declined")
            var mismatches = 0
            for i in 0..<m {
                for j in 0..<n {
                    var chain: Float = 0
                    for p in 0..<k { chain = chain.addingProduct(a[i * k + p], b[p * n + j]) }
                    if c[i * n + j] != chain { mismatches += 1 }
                }
            }
            #expect(mismatches == 0, "\(m)×\(n)×\(k): \(mismatches) differ")
        }
    }

    /// The kernel's packing buffers are per-thread heap blocks, not static thread-local arrays: a thread with a
    /// 512 KiB stack can be created in a process that links the engine (with the buffers' 1 MiB of static TLS it
    /// could not: pthread_create failed with EINVAL; what remains is the linked libraries' own, about 160 KiB with
    /// OpenBLAS and MuJoCo), and a product that packs B runs there with the same bits as here.
    @Test func productsRunOnThreadsWithSmallStacks() throws {
        let (m, n, k) = (37, 70, 300)
        var rng = RandomStream(seed: 41)
        let a = (0..<(m * k)).map { _ in Float(rng.uniform(-1, 1)) }
        let b = (0..<(n * k)).map { _ in Float(rng.uniform(-1, 1)) }
        final class Job {
            let a: [Float], b: [Float], m: Int, n: Int, k: Int
            var c: [Float] = [], ran: Int32 = -1
            init(a: [Float], b: [Float], m: Int, n: Int, k: Int) { (self.a, self.b, self.m, self.n, self.k) = (a, b, m, n, k) }
            func run() {  // C = A·Bᵀ: the transposed B goes through the packed panel
                c = [Float](repeating: 0, count: m * n)
                ran = me_sgemm_small(0, 1, m, n, k, a, k, b, k, &c, n, 0)
            }
        }
        let here = Job(a: a, b: b, m: m, n: n, k: k)
        here.run()
        let there = Job(a: a, b: b, m: m, n: n, k: k)
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        try #require(pthread_attr_setstacksize(&attributes, 512 * 1024) == 0)
        var thread = pthread_t()
        let created = pthread_create(&thread, &attributes, { raw in
            Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue().run()
            return nil
        }, Unmanaged.passRetained(there).toOpaque())
        try #require(created == 0, "pthread_create with a 512 KiB stack failed (\(created))")
        pthread_join(thread, nil)
        #expect(there.ran == here.ran)
        if here.ran == 1 { #expect(there.c == here.c) }  // 0: no AVX2 here, both declined to BLAS
    }

}

/// Whether this CPU can run the AVX-512 variant (from /proc/cpuinfo).
enum CPUFeatures {
    static var hasAVX512: Bool {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return false }
        return ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy { info.contains(" \($0)") }
    }
}
