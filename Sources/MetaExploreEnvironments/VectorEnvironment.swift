import Dispatch
import Foundation
import MetaExploreRandom

/// The result of stepping every copy of a `VectorEnvironment` once.
public struct VectorStepResult: Sendable {
    /// Per copy: the observation to act on next. For a copy whose episode just ended this is the first
    /// observation of its new episode (same-step autoreset); the last observation of the ended episode is in
    /// `finalObservations`.
    public var observations: [[Double]]
    public var rewards: [Double]
    public var terminated: [Bool]
    public var truncated: [Bool]
    public var infos: [Info]
    /// Per copy: the ended episode's last observation, or nil if the copy's episode continues.
    public var finalObservations: [[Double]?]
    /// Per copy: the ended episode's last step info, or nil.
    public var finalInfos: [Info?]
}

/// N copies of an environment stepped as a batch, with automatic reset.
///
/// Autoreset mode: **same-step** (Gymnasium's `AutoresetMode.SAME_STEP`). When a copy terminates or is truncated,
/// it is reset inside the same `step` call: `observations[i]` is the new episode's first observation, `infos[i]`
/// its reset info, while `rewards`, `terminated` and `truncated` describe the step that ended the old episode,
/// whose last observation and info are in `finalObservations[i]` / `finalInfos[i]`. No step is wasted on a
/// reset, which suits meta-RL rollouts of fixed episode counts.
///
/// Copies are stepped in parallel with `DispatchQueue.concurrentPerform` over at most `threads` workers (default:
/// the core count) when there are at least `parallelThreshold` copies; each copy has its own simulator and random
/// stream, so results do not depend on the thread count.
public final class VectorEnvironment {
    public let environments: [Environment]
    public let threads: Int
    public var parallelThreshold = 4
    private var needsReset: [Bool]
    private var seeded = false

    /// Creates `count` copies with `factory(index)`.
    public init(count: Int, threads: Int? = nil, factory: (Int) throws -> Environment) throws {
        guard count > 0 else {
            throw EnvironmentError.invalidConfiguration("a vector environment needs at least one copy, got \(count)")
        }
        environments = try (0..<count).map(factory)
        self.threads = Swift.max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        needsReset = Array(repeating: true, count: count)
    }

    /// Creates `count` copies of a registered environment (`make(id, options:)` each).
    public convenience init(id: String, count: Int, options: [String: Double] = [:], threads: Int? = nil) throws {
        try self.init(count: count, threads: threads) { _ in try make(id, options: options) }
    }

    public var count: Int { environments.count }
    public var observationSpace: Box { environments[0].observationSpace }
    public var actionSpace: Space { environments[0].actionSpace }

    /// Resets every copy. With a seed, copy i is reset with `seed + i` (as Gymnasium's vector envs do). Without
    /// one, each copy continues its own stream — except on the very first reset, which uses seed 0 (copy i gets
    /// seed i) so that copies never start as identical twins.
    public func reset(seed: UInt64? = nil, options: [String: Double] = [:]) throws -> (observations: [[Double]], infos: [Info]) {
        let base = seed ?? (seeded ? nil : 0)
        let results = try mapCopies { i in
            try self.environments[i].reset(seed: base.map { $0 &+ UInt64(i) }, options: options)
        }
        seeded = true
        for i in 0..<count { needsReset[i] = false }
        return (results.map(\.observation), results.map(\.info))
    }

    /// Steps every copy with its action (`actions.count == count`), resetting finished copies.
    /// Every action is checked (count, shape, finiteness, discrete range) before any copy steps, so a bad action
    /// leaves every copy, and its time limit, where it was; the error names the copy.
    public func step(_ actions: [[Double]]) throws -> VectorStepResult {
        guard actions.count == count else {
            throw EnvironmentError.invalidConfiguration(
                "the vector environment has \(count) copies and was given \(actions.count) actions")
        }
        guard !needsReset.contains(true) else {
            throw EnvironmentError.needsReset("Call reset() on the vector environment before step().")
        }
        for (i, action) in actions.enumerated() {
            do { try validateAction(action, for: environments[i].actionSpace) } catch let error as EnvironmentError {
                throw EnvironmentError.invalidConfiguration("copy \(i): \(error)")
            }
        }
        let results = try mapCopies { i -> (StepResult, (observation: [Double], info: Info)?) in
            let env = self.environments[i]
            let s = try env.step(actions[i])
            return (s, s.done ? try env.reset(seed: nil, options: [:]) : nil)
        }
        var r = VectorStepResult(
            observations: [], rewards: [], terminated: [], truncated: [], infos: [], finalObservations: [],
            finalInfos: [])
        r.observations.reserveCapacity(count)
        for (s, next) in results {
            r.rewards.append(s.reward)
            r.terminated.append(s.terminated)
            r.truncated.append(s.truncated)
            if let next {
                r.observations.append(next.observation)
                r.infos.append(next.info)
                r.finalObservations.append(s.observation)
                r.finalInfos.append(s.info)
            } else {
                r.observations.append(s.observation)
                r.infos.append(s.info)
                r.finalObservations.append(nil)
                r.finalInfos.append(nil)
            }
        }
        return r
    }

    /// Samples one action per copy from `rng`.
    public func sampleActions(using rng: inout RandomStream) -> [[Double]] {
        (0..<count).map { _ in actionSpace.sample(using: &rng) }
    }

    /// Runs `body(i)` for every copy, in parallel chunks when worthwhile, and collects the results in copy order.
    /// On failure, the error of the lowest-index failing copy is thrown.
    private func mapCopies<T>(_ body: (Int) throws -> T) throws -> [T] {
        let n = count
        let workers = Swift.min(threads, n)
        if workers <= 1 || n < parallelThreshold {
            return try (0..<n).map(body)
        }
        var results = [Result<T, Error>?](repeating: nil, count: n)
        results.withUnsafeMutableBufferPointer { buffer in
            let out = UnsafeSendable(buffer)
            withoutActuallyEscaping(body) { body in
                let work = UnsafeSendable(body)
                DispatchQueue.concurrentPerform(iterations: workers) { w in
                    for i in (w * n / workers)..<((w + 1) * n / workers) {
                        out.value[i] = Result { try work.value(i) }
                    }
                }
            }
        }
        return try results.map { try $0!.get() }
    }
}

/// Checks an action against a space without stepping: component count, finiteness, and for a discrete space an
/// integer in range. (Bounds of a box are not enforced here, as Gymnasium environments accept out-of-range values.)
func validateAction(_ action: [Double], for space: Space) throws {
    switch space {
    case .box(let box): try checkAction(action, count: box.count)
    case .discrete(let d):
        try checkAction(action, count: 1)
        guard let k = Int(exactly: action[0]), d.contains(k) else {
            throw EnvironmentError.actionOutOfRange(value: action[0], n: d.n)
        }
    }
}

/// Carries a non-Sendable value into `concurrentPerform`; safe here because each worker touches disjoint indices.
private struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
