import CMuJoCo
import MetaExploreRandom

/// The shared machinery of the MuJoCo tasks, mirroring Gymnasium 1.4's `MujocoEnv`.
///
/// - `reset`: `mj_resetData`, then the task's reset noise around the model's initial state, then `mj_forward`.
/// - `step`: the action is checked (shape, finiteness), rounded to `Float` — Gymnasium's MuJoCo action spaces
///   are float32 boxes, so a Gymnasium action is a float32 array — written to `ctrl` (widened back to double),
///   then `frameSkip` × `mj_step` and one `mj_rnePostConstraint`.
/// - Out-of-range actions are not clipped by the environment, as in Gymnasium: MuJoCo clamps `ctrl` to the
///   actuator's `ctrlrange` inside the simulation, while the control cost is computed from the unclipped
///   (float32-rounded) action. Use `ClipAction` for clipping before the environment.
///
/// Subclasses implement `resetModel()`, `observation()`, `resetInfo()` and `finishStep(xBefore:)`.
public class MuJoCoEnvironment: Environment {
    /// The simulation (model and data).
    public let simulation: MuJoCoModel
    /// MuJoCo steps per environment step.
    public let frameSkip: Int
    /// Seconds per environment step: `timestep × frameSkip`.
    public let dt: Double
    public internal(set) var observationSpace: Box
    public let actionSpace: Space
    /// The state after `mj_resetData` (qpos0, zero velocities), around which reset noise is added.
    public let initialQpos: [Double]
    public let initialQvel: [Double]
    /// The environment's random stream (reset noise). Reseeded by `reset(seed:)`.
    public var random: RandomStream
    /// The last action as float32, the precision Gymnasium's action space gives it.
    var action32: [Float]
    /// Scratch space for the squared action (no allocation per step).
    private var squares32: [Float]
    var hasReset = false

    init(asset: String, frameSkip: Int, observationCount: Int) throws {
        guard frameSkip >= 1 else { throw EnvironmentError.invalidConfiguration("frame_skip must be ≥ 1, got \(frameSkip)") }
        let sim = try MuJoCoModel(asset: asset)
        simulation = sim
        self.frameSkip = frameSkip
        dt = sim.timestep * Double(frameSkip)
        observationSpace = .unbounded(observationCount)
        let range = sim.ctrlRange
        actionSpace = .box(Box(low: range.low, high: range.high, dtype: .float32))
        initialQpos = Array(sim.qpos)
        initialQvel = Array(sim.qvel)
        random = RandomStream(seed: 0)
        action32 = [Float](repeating: 0, count: sim.nu)
        squares32 = [Float](repeating: 0, count: sim.nu)
    }

    /// Number of actuators (the action dimension).
    public var actionCount: Int { action32.count }

    public func reset(seed: UInt64?, options: [String: Double]) throws -> (observation: [Double], info: Info) {
        if let seed { random = RandomStream(seed: seed) }
        simulation.resetData()
        resetModel()
        hasReset = true
        return (observation(), resetInfo())
    }

    public func step(_ action: [Double]) throws -> StepResult {
        guard hasReset else { throw EnvironmentError.needsReset("Call reset() before step().") }
        try checkAction(action, count: action32.count)
        let ctrl = simulation.ctrl
        for i in 0..<action32.count {
            let a = Float(action[i])
            action32[i] = a
            ctrl[i] = Double(a)
        }
        let xBefore = simulation.qpos[0]
        willStep()
        simulation.simulate(frames: frameSkip)
        return finishStep(xBefore: xBefore)
    }

    /// Sets the simulator state exactly (as Gymnasium's `set_state`: copy, then `mj_forward`) and returns the
    /// observation of that state. Counts as a reset for the step-before-reset check. Wrong lengths or non-finite
    /// values throw `EnvironmentError.invalidConfiguration` and leave the state as it was.
    @discardableResult
    public func setState(qpos: [Double], qvel: [Double]) throws -> [Double] {
        try simulation.setState(qpos: qpos, qvel: qvel)
        hasReset = true
        return observation()
    }

    /// The reset info of the current state (what `reset` returns as info), e.g. after `setState`.
    public var stateInfo: Info { resetInfo() }

    /// Positions followed by velocities (Gymnasium's `state_vector`).
    public var stateVector: [Double] { Array(simulation.qpos) + Array(simulation.qvel) }

    // MARK: - Task hooks

    func resetModel() { fatalError("subclass must implement resetModel") }
    func observation() -> [Double] { fatalError("subclass must implement observation") }
    func resetInfo() -> Info { Info() }
    func willStep() {}
    func finishStep(xBefore: Double) -> StepResult { fatalError("subclass must implement finishStep") }

    // MARK: - Helpers shared by tasks

    /// `qpos = init_qpos + U(−s, s)^nq`, the common position noise (drawn first).
    /// `qpos[skip...]` followed by `qvel`, each velocity clipped to ±`velocityClip` when given: the observation of
    /// the planar locomotion tasks (HalfCheetah without clipping; Hopper and Walker2d clip at 10).
    func positionsThenVelocities(skippingFirst skip: Int, velocityClip: Double? = nil) -> [Double] {
        let qpos = simulation.qpos, qvel = simulation.qvel
        let np = qpos.count - skip, nv = qvel.count
        return [Double](unsafeUninitializedCapacity: np + nv) { buf, n in
            for i in 0..<np { buf[i] = qpos[i + skip] }
            if let c = velocityClip {
                for i in 0..<nv { buf[np + i] = clip(qvel[i], -c, c) }
            } else {
                for i in 0..<nv { buf[np + i] = qvel[i] }
            }
            n = np + nv
        }
    }

    func uniformNoise(_ base: [Double], scale: Double) -> [Double] {
        var out = base
        for i in out.indices { out[i] = base[i] + random.uniform(-scale, scale) }
        return out
    }

    /// `base + scale · N(0, 1)^n`.
    func normalNoise(_ base: [Double], scale: Double) -> [Double] {
        var out = base
        for i in out.indices { out[i] = base[i] + scale * random.normal() }
        return out
    }

    /// `weight · Σ aᵢ²` in float32, summed in NumPy's order — Gymnasium's `ctrl_cost_weight * np.sum(np.square(action))`
    /// on a float32 action is a float32 scalar.
    @inline(__always)
    func controlCost32(weight: Double) -> Float {
        let n = action32.count
        return action32.withUnsafeBufferPointer { a in
            squares32.withUnsafeMutableBufferPointer { sq in
                for i in 0..<n { sq[i] = a[i] * a[i] }
                return Float(weight) * numpySum(UnsafeBufferPointer(rebasing: sq[0..<n]))
            }
        }
    }
}

/// NumPy's summation order for a contiguous array (`np.sum`, `np.add.reduce`): plain left-to-right below 8
/// elements, eight interleaved partial sums up to 128, and recursive halving above. Reproducing it makes sums
/// agree with Gymnasium to the last bit.
@inline(__always)
func numpySum<T: BinaryFloatingPoint>(_ a: UnsafeBufferPointer<T>) -> T {
    pairwise(a.baseAddress!, a.count)
}

@usableFromInline
func pairwise<T: BinaryFloatingPoint>(_ a: UnsafePointer<T>, _ n: Int) -> T {
    if n < 8 {
        var res: T = 0
        for i in 0..<n { res += a[i] }
        return res
    } else if n <= 128 {
        var r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3], r4 = a[4], r5 = a[5], r6 = a[6], r7 = a[7]
        var i = 8
        let end = n - n % 8
        while i < end {
            r0 += a[i]; r1 += a[i + 1]; r2 += a[i + 2]; r3 += a[i + 3]
            r4 += a[i + 4]; r5 += a[i + 5]; r6 += a[i + 6]; r7 += a[i + 7]
            i += 8
        }
        var res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < n { res += a[i]; i += 1 }
        return res
    } else {
        var n2 = n / 2
        n2 -= n2 % 8
        return pairwise(a, n2) + pairwise(a + n2, n - n2)
    }
}

/// NumPy's `np.clip(x, lo, hi)` for one value.
@inline(__always)
func clip(_ x: Double, _ lo: Double, _ hi: Double) -> Double {
    x.isNaN ? x : Swift.min(Swift.max(x, lo), hi)
}
