import MetaExploreRuntime
import MetaExploreNN
import MetaExploreTensor

/// Switches of the Meta (state) features (see `AlgorithmicFeatures`).
public struct AlgorithmicFeatureOptions: Codable, Equatable, Sendable {
    public enum QNormalization: String, Codable, Sendable, CaseIterable, SettingChoice { case running, none }
    public enum ResidualChange: String, Codable, Sendable, CaseIterable, SettingChoice { case relative, absolute }
    public var qNormalization: QNormalization = .running
    public var residualChange: ResidualChange = .relative
    /// Normalized features are clipped to ±clip (baselines' observation clip is 5).
    public var clip: Double = 5
    public init() {}
}

/// Number of algorithmic features the Meta (state) teacher appends to the observation: [normalized Q, ΔBR].
public let algorithmicFeatureCount = 2

/// The algorithmic state features of the "Meta (state)" teacher (Xu et al. 2018, ICML Sec. 4.1 iii: "we augment
/// [the basic MDP states] with algorithmic states such as the normalized Q function and the Bellman residual error of
/// the Q function between the current and last policies").
///
/// The paper gives no formula; the choices made here (each switchable in `Options`):
/// 1. **Normalized Q.** φ₁(s) = clip((Q(s, μ(s)) − m)/√(v + ε), ±clip) with Q and μ the *current* student (the real
///    one, whose data the teacher is about to produce) and m, v the running mean and variance (Welford) of every
///    Q(s, μ(s)) the features have seen — the same running standardization baselines' DDPG applies to observations.
///    `.none` feeds the raw Q.
/// 2. **Bellman-residual change.** One scalar per iteration, shared by all steps of D0: with the reference batch
///    R (the last D1, i.e. the student's own most recent data) and BR(π) = mean over R of (Q_π(s, a) − y_π)², where
///    y_π is that student's own target r + γ(1 − d)Q′_π(s′, μ′_π(s′)), the feature is
///    φ₂ = (BR(current) − BR(last)) / (BR(last) + ε) (`.relative`, scale-free; default) or the plain difference
///    (`.absolute`). "Last" is the student as it was at the start of the previous iteration (a clone kept here), so
///    both residuals are measured on the same batch. φ₂ = 0 until two iterations have passed.
/// A per-state residual is not used: at acting time the transition (r, s′) out of s is not yet known.
public final class AlgorithmicFeatures<S: ValueStudent> {
    public static var count: Int { algorithmicFeatureCount }

    public typealias Options = AlgorithmicFeatureOptions

    public let options: Options
    /// Running statistics of Q(s, μ(s)).
    public private(set) var qCount = 0.0
    public private(set) var qMean = 0.0
    private var qM2 = 0.0
    /// φ₂ of the current iteration.
    public private(set) var residualChange = 0.0
    private var lastStudent: S?

    public init(options: Options = .init()) { self.options = options }

    /// Mean squared Bellman residual of `student` on `batch` against its own targets.
    public static func bellmanResidual(of student: S, on batch: TransitionBatch) -> Double {
        withoutGradients {
            (student.qValues(batch.observations, batch.actions) - student.bellmanTargets(batch)).squared().mean().item
        }
    }

    /// Called at the start of each iteration (before D0): recomputes φ₂ from the current student and the one kept
    /// from the previous call, on `referenceBatch`, then keeps a copy of the current student for the next call.
    public func beginIteration(student: S, referenceBatch: TransitionBatch?) {
        if let last = lastStudent, let batch = referenceBatch {
            let current = Self.bellmanResidual(of: student, on: batch)
            let previous = Self.bellmanResidual(of: last, on: batch)
            let change: Double
            switch options.residualChange {
            case .relative: change = (current - previous) / (previous + 1e-8)
            case .absolute: change = current - previous
            }
            residualChange = max(-options.clip, min(options.clip, change))
        } else {
            residualChange = 0
        }
        if let last = lastStudent { last.copyState(from: student) } else { lastStudent = student.clone() }
    }

    /// The features [N, 2] = [φ₁(s), φ₂] for normalized observations and the student's actions μ(s) at them.
    /// With `updateStatistics`, the Q values also update the running mean and variance (before normalizing).
    public func features(observations: Tensor, studentActions: Tensor, student: S,
                         updateStatistics: Bool = true) -> Tensor {
        let q = student.qValues(observations, studentActions).doubles
        if updateStatistics {
            for value in q {
                qCount += 1
                let delta = value - qMean
                qMean += delta / qCount
                qM2 += delta * (value - qMean)
            }
        }
        let normalized: [Double]
        switch options.qNormalization {
        case .none:
            normalized = q
        case .running:
            let variance = qCount > 1 ? qM2 / qCount : 1
            let scale = 1 / (variance + 1e-8).squareRoot()
            normalized = q.map { max(-options.clip, min(options.clip, ($0 - qMean) * scale)) }
        }
        var values: [Double] = []
        values.reserveCapacity(2 * q.count)
        for v in normalized { values += [v, residualChange] }
        return Tensor(shape: [q.count, 2], doubles: values, dtype: .float32)
    }
}

extension AlgorithmicFeatures where S: Checkpointable {
    /// Saves the running Q statistics, the current φ₂ and the kept previous student (under `prefix + "last_student."`).
    public func saveState(into state: inout CheckpointState, prefix: String) {
        state.setDoubles(prefix + "q_statistics", [qCount, qMean, qM2, residualChange])
        state.set(prefix + "has_last_student", lastStudent != nil)
        lastStudent?.saveState(into: &state, prefix: prefix + "last_student.")
    }

    /// Restores what `saveState` wrote; `template` (any student of the same architecture) is cloned to hold the
    /// previous student when one was saved.
    public func restoreState(from state: CheckpointState, prefix: String, template: S) throws {
        let q = try state.doubles(prefix + "q_statistics")
        guard q.count == 4 else { throw CheckpointStateError.incompatible("\(prefix)q_statistics has \(q.count) values") }
        (qCount, qMean, qM2, residualChange) = (q[0], q[1], q[2], q[3])
        if try state.value(prefix + "has_last_student", as: Bool.self) {
            let last = lastStudent ?? template.clone()
            try last.restoreState(from: state, prefix: prefix + "last_student.")
            lastStudent = last
        } else {
            lastStudent = nil
        }
    }
}
