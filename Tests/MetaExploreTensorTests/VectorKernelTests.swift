import CMetaExploreKernels
import Foundation
import Testing
import MetaExploreRandom
import MetaExploreTensor

/// The eight-lane Swift exp/tanh that the engine used before its C kernels: the reference the kernels must equal bit
/// for bit (so moving them to C changed no result).
enum SwiftVectorMathReference {
    typealias V = SIMD8<Float>
    typealias VI = SIMD8<Int32>

    // exp: x = k·ln2 + r, |r| ≤ ln2/2, e^r by its degree-7 Taylor polynomial (truncation < 6e-9 relative).
    static let log2e: Float = 1.442_695_04
    static let ln2Hi: Float = 0.693_145_751_953_125  // ln 2 rounded to 16 significant bits, so k·ln2Hi is exact
    static let ln2Lo: Float = 1.428_606_765_330_187e-06
    static let roundingMagic: Float = 12_582_912  // 1.5 · 2²³: adding it rounds to an integer in the low mantissa bits

    @inline(__always)
    static func exp(_ x: V) -> V {
        let xc = x.clamped(lowerBound: V(repeating: -87.336_55), upperBound: V(repeating: 88.376))
        let t = xc * log2e + roundingMagic
        let kf = t - roundingMagic
        let ki = unsafeBitCast(t, to: VI.self) &- unsafeBitCast(V(repeating: roundingMagic), to: VI.self)
        var r = xc - kf * ln2Hi
        r = r - kf * ln2Lo
        var p = V(repeating: 1.0 / 5040)
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let scale = unsafeBitCast((ki &+ 127) &<< 23, to: V.self)
        var result = p * scale
        result.replace(with: .infinity, where: x .> 88.722_83)
        result.replace(with: 0, where: x .< -87.336_55)
        result.replace(with: x, where: x .!= x)  // NaN stays NaN
        return result
    }

    // tanh: odd polynomial x(1 + Σ cₖx²ᵏ) below 0.625 (coefficients from our own relative-error least-squares fit on
    // [0, 0.625], fit error < 5e-9), else (1 − t)/(1 + t) with t = e^(−2|x|), no cancellation there since t < 0.29.
    static let tanhC1: Float = -0.333_332_871_334_849_1
    static let tanhC2: Float = 0.133_315_611_376_076_67
    static let tanhC3: Float = -0.053_748_442_015_913_6
    static let tanhC4: Float = 0.020_664_723_683_744_62
    static let tanhC5: Float = -0.005_731_194_760_385_349

    @inline(__always)
    static func tanh(_ x: V) -> V {
        let ax = unsafeBitCast(unsafeBitCast(x, to: VI.self) & 0x7FFF_FFFF, to: V.self)  // |x|: clear the sign bit
        let x2 = x * x
        var p = V(repeating: tanhC5)
        p = p * x2 + tanhC4
        p = p * x2 + tanhC3
        p = p * x2 + tanhC2
        p = p * x2 + tanhC1
        let small = x + x * (x2 * p)
        let t = exp(ax * -2)
        var large = (1 - t) / (1 + t)
        large.replace(with: 0 - large, where: x .< 0)
        var result = large
        result.replace(with: small, where: ax .< 0.625)
        result.replace(with: x, where: x .!= x)
        return result
    }

    @inline(__always)
    static func sigmoid(_ x: V) -> V {
        1 / (1 + exp(0 - x))
    }


    static func map(_ x: [Float], _ f: (V) -> V) -> [Float] {
        var out = [Float](repeating: 0, count: x.count)
        var i = 0
        while i < x.count {
            var v = V(repeating: 0)
            let n = min(8, x.count - i)
            for j in 0..<n { v[j] = x[i + j] }
            let r = f(v)
            for j in 0..<n { out[i + j] = r[j] }
            i += 8
        }
        return out
    }
}

/// The C kernels: vectorized exp/tanh/sigmoid, the fused tanh backward, the buffer cache and the denormal policy.
@Suite struct VectorKernelTests {
    /// Inputs over the whole useful range, the edges (saturation, clamps), specials, and a length with a tail.
    func inputs() -> [Float] {
        var rng = RandomStream(seed: 7)
        var x: [Float] = (0..<20_003).map { _ in Float(rng.uniform(-100, 100)) }
        x += (0..<20_000).map { _ in Float(rng.uniform(-3, 3)) }
        x += (0..<2_000).map { i in Float(i - 1000) * 0.000_625 }  // around tanh's 0.625 switch and 0
        x += [0, -0, 88.376, 88.38, 88.722_83, 88.73, -87.336_55, -87.34, 0.625, -0.625, .infinity, -.infinity,
              .nan, Float.leastNormalMagnitude, Float.leastNonzeroMagnitude, 1e-30, -1e-30, 9, -9, 20, -20]
        return x
    }

    func bits(_ x: [Float]) -> [UInt32] { x.map { $0.isNaN ? 0x7FC0_0000 : $0.bitPattern } }

    @Test func expAndTanhKernelsEqualTheSwiftReferenceBitForBit() {
        let x = inputs()
        for n in [x.count, 1, 7, 15, 16, 17, 33] {
            let xs = Array(x.prefix(n))
            var y = [Float](repeating: 0, count: n)
            me_exp_f32(xs, &y, n)
            #expect(bits(y) == bits(SwiftVectorMathReference.map(xs, SwiftVectorMathReference.exp)), "exp, n = \(n)")
            me_tanh_f32(xs, &y, n)
            #expect(bits(y) == bits(SwiftVectorMathReference.map(xs, SwiftVectorMathReference.tanh)), "tanh, n = \(n)")
            me_sigmoid_f32(xs, &y, n)
            let sig = SwiftVectorMathReference.map(xs) { 1 / (1 + SwiftVectorMathReference.exp(0 - $0)) }
            #expect(bits(y) == bits(sig), "sigmoid, n = \(n)")
        }
    }

    @Test func fusedTanhBackwardEqualsTheComposite() {
        var rng = RandomStream(seed: 3)
        let x = Tensor.randomNormal([37, 19], std: 2, using: &rng).requiringGrad()
        let seed = Tensor.randomNormal([37, 19], using: &rng)
        let fused = gradients(of: x.tanh(), wrt: [x], seed: seed)[0]
        let composite = seed * (1 - x.tanh().detached() * x.tanh().detached())
        #expect(fused.scalars.map(\.bitPattern) == composite.scalars.map(\.bitPattern))
        // And the recording path (second derivatives) still agrees in value.
        let recorded = gradients(of: x.tanh(), wrt: [x], seed: seed, createGraph: true)[0]
        #expect(recorded.scalars.map(\.bitPattern) == composite.scalars.map(\.bitPattern))
    }

    @Test func bufferCacheHandsOutUsableBuffersAndReusesThem() {
        for bytes in [1, 64, 65, 1000, 1024, 1025, 4096, 100_000, 1_000_000] {
            let p = me_buffer_alloc(bytes)!
            let floats = p.bindMemory(to: UInt8.self, capacity: bytes)
            for i in 0..<bytes { floats[i] = UInt8(truncatingIfNeeded: i) }
            #expect(floats[bytes - 1] == UInt8(truncatingIfNeeded: bytes - 1))
            me_buffer_free(p, bytes)
            let q = me_buffer_alloc(bytes)!
            #expect(q == p, "a freed buffer of \(bytes) bytes is handed out again for the same size")
            me_buffer_free(q, bytes)
        }
        #expect(me_buffer_pool_cached_bytes() > 0)
        me_buffer_pool_trim()
        #expect(me_buffer_pool_cached_bytes() == 0)
    }

    @Test func recycledBuffersGiveIdenticalResults() {
        // The same computation twice, the second time on recycled buffers: identical bits.
        func run() -> [Float] {
            var rng = RandomStream(seed: 11)
            let w = Tensor.randomNormal([33, 40], using: &rng).requiringGrad()
            let x = Tensor.randomNormal([50, 33], using: &rng)
            let y = layerNorm(x.matmul(w).tanh(), gamma: nil, beta: nil).relu()
            let g = gradients(of: y.squared().mean(), wrt: [w])[0]
            return y.scalars + g.scalars
        }
        me_buffer_pool_trim()
        let fresh = run()
        let recycled = run()
        #expect(fresh.map(\.bitPattern) == recycled.map(\.bitPattern))
    }

    #if arch(x86_64)
    @Test func engineFlushesDenormalsOnEveryThreadItComputesOn() {
        guard Denormals.policyFlushes else { return }  // METAEXPLORE_DENORMALS=keep
        // The calling thread: after any kernel has run here.
        _ = Tensor.ones([4, 16]).matmul(Tensor.ones([16, 16]))
        #expect(Denormals.isFlushingOnCurrentThread)
        // A fresh thread starts with the C runtime's default MXCSR (no flush) and gets it from its first kernel call.
        final class Box: @unchecked Sendable { var before = true, after = false, product: Float = -1, scaled: Float = -1 }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        Thread {
            Denormals.keepOnCurrentThread()  // whatever the creating thread had
            box.before = Denormals.isFlushingOnCurrentThread
            let tiny = Tensor(shape: [1, 16], scalars: [Float](repeating: 1e-30, count: 16))
            let small = Tensor(shape: [16, 16], scalars: [Float](repeating: 1e-10, count: 256))
            box.product = tiny.matmul(small).scalars[0]  // 16 · 1e-40: a denormal without the flush
            box.after = Denormals.isFlushingOnCurrentThread
            // A denormal input reads as zero.
            let denormal = Tensor(shape: [16], scalars: [Float](repeating: Float(bitPattern: 0x0001_16C2), count: 16))  // ≈ 1e-40
            var out = [Float](repeating: -1, count: 16)
            denormal.withUnsafeFloats { me_relu_f32($0.baseAddress!, &out, 16) }
            box.scaled = out[0]
            done.signal()
        }.start()
        done.wait()
        #expect(!box.before)
        #expect(box.after)
        #expect(box.product == 0)
        #expect(box.scaled == 0)
    }

    @Test func keepAndFlushCanBeSetExplicitly() {
        let done = DispatchSemaphore(value: 0)
        final class Box: @unchecked Sendable { var states: [Bool] = [] }
        let box = Box()
        Thread {
            Denormals.keepOnCurrentThread()
            box.states.append(Denormals.isFlushingOnCurrentThread)
            Denormals.flushOnCurrentThread()
            box.states.append(Denormals.isFlushingOnCurrentThread)
            let denormal: [Float] = [Float(bitPattern: 0x0001_16C2)]  // ≈ 1e-40, a denormal
            var out: [Float] = [-1]
            me_relu_f32(denormal, &out, 1)
            box.states.append(out[0] == 0)  // read as zero
            Denormals.keepOnCurrentThread()
            me_relu_f32(denormal, &out, 1)
            box.states.append(out[0] == denormal[0])  // kept: the thread has been set up, no later kernel call changes it
            box.states.append(Denormals.isFlushingOnCurrentThread)
            done.signal()
        }.start()
        done.wait()
        #expect(box.states == [false, true, true, true, false])
    }
    #endif
}

/// Column sums (bias gradients) in C: the same order of additions as the loop they replaced.
@Suite struct ColumnSumKernelTests {
    @Test(arguments: [(1, 5), (64, 64), (64, 2), (3, 17), (256, 300), (0, 4)])
    func columnSumsAddRowsInOrder(shape: (Int, Int)) {
        let (rows, cols) = shape
        var rng = RandomStream(seed: UInt64(rows * 1000 + cols))
        let x = Tensor.randomNormal([rows, cols], std: 3, using: &rng)
        let sum = x.sum(axes: [0])
        var expected = [Float](repeating: 0, count: cols)
        x.withUnsafeFloats { p in
            if rows > 0 { for j in 0..<cols { expected[j] = p[j] } }
            for r in stride(from: 1, to: rows, by: 1) { for j in 0..<cols { expected[j] += p[r * cols + j] } }
        }
        #expect(sum.scalars.map(\.bitPattern) == expected.map(\.bitPattern))
    }

    @Test func kernelChoiceIsReported() {
        #expect(["avx512", "avx2", "blas"].contains(BLASInfo.smallProductKernel))
    }
}
