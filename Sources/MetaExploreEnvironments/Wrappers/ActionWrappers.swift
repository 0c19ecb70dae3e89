/// Clips continuous actions into the action space's bounds before passing them on (Gymnasium's `ClipAction`).
/// The reported action space becomes unbounded, as in Gymnasium. NaN is still rejected by the environment.
public final class ClipAction: EnvironmentWrapper {
    public let inner: Environment
    private let bounds: Box

    public init(_ env: Environment) {
        guard case let .box(b) = env.actionSpace else { preconditionFailure("ClipAction needs a Box action space") }
        inner = env
        bounds = b
    }

    public var observationSpace: Box { inner.observationSpace }
    public var actionSpace: Space { .box(Box(low: -.infinity, high: .infinity, count: bounds.count, dtype: bounds.dtype)) }

    public func reset(seed: UInt64?, options: [String: Double]) throws -> (observation: [Double], info: Info) {
        try inner.reset(seed: seed, options: options)
    }

    public func step(_ action: [Double]) throws -> StepResult {
        try checkAction(action, count: bounds.count)
        return try inner.step(bounds.clip(action))
    }
}

/// Affinely maps actions from `[minAction, maxAction]` (default [−1, 1]) onto the environment's action bounds
/// (Gymnasium's `RescaleAction`): `low + (high − low) · (a − min) / (max − min)`. Values outside the source range
/// map outside the target range; combine with `ClipAction` to clip.
public final class RescaleAction: EnvironmentWrapper {
    public let inner: Environment
    private let target: Box
    public let minAction: Double
    public let maxAction: Double

    public init(_ env: Environment, minAction: Double = -1, maxAction: Double = 1) {
        guard case let .box(b) = env.actionSpace, b.isBounded else {
            preconditionFailure("RescaleAction needs a bounded Box action space")
        }
        precondition(minAction < maxAction, "RescaleAction needs minAction < maxAction")
        inner = env
        target = b
        self.minAction = minAction
        self.maxAction = maxAction
    }

    public var observationSpace: Box { inner.observationSpace }
    public var actionSpace: Space { .box(Box(low: minAction, high: maxAction, count: target.count, dtype: target.dtype)) }

    /// The environment action that `action` maps to.
    public func transform(_ action: [Double]) -> [Double] {
        var out = action
        for i in 0..<Swift.min(action.count, target.count) {
            out[i] = target.low[i] + (target.high[i] - target.low[i]) * (action[i] - minAction) / (maxAction - minAction)
        }
        return out
    }

    public func reset(seed: UInt64?, options: [String: Double]) throws -> (observation: [Double], info: Info) {
        try inner.reset(seed: seed, options: options)
    }

    public func step(_ action: [Double]) throws -> StepResult {
        try checkAction(action, count: target.count)
        return try inner.step(transform(action))
    }
}
