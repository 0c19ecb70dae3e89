import MetaExploreRandom

/// Named scalar side information returned by `reset` and `step` (Gymnasium's `info` dict, restricted to numbers).
///
/// Stored as two parallel arrays; the key array of an environment is a shared constant, so building an `Info`
/// costs one small allocation. Look values up by name with the subscript.
public struct Info: Sendable, Equatable, CustomStringConvertible {
    public private(set) var keys: [String]
    public private(set) var values: [Double]

    public init() {
        keys = []
        values = []
    }

    /// Builds an info from parallel key and value arrays (same length).
    public init(keys: [String], values: [Double]) {
        precondition(keys.count == values.count, "Info needs as many values as keys")
        self.keys = keys
        self.values = values
    }

    /// The value stored under `key`, or nil. Setting a key that is absent appends it.
    public subscript(key: String) -> Double? {
        get {
            for i in keys.indices where keys[i] == key { return values[i] }
            return nil
        }
        set {
            if let i = keys.firstIndex(of: key) {
                if let newValue {
                    values[i] = newValue
                } else {
                    keys.remove(at: i)
                    values.remove(at: i)
                }
            } else if let newValue {
                keys.append(key)
                values.append(newValue)
            }
        }
    }

    public var isEmpty: Bool { keys.isEmpty }

    /// The info as a dictionary.
    public var dictionary: [String: Double] {
        Dictionary(zip(keys, values), uniquingKeysWith: { _, last in last })
    }

    public var description: String {
        "[" + zip(keys, values).map { "\($0): \($1)" }.joined(separator: ", ") + "]"
    }
}

/// What `Environment.step(_:)` returns: Gymnasium's five-tuple.
///
/// `terminated` means the task's own rules ended the episode (an MDP terminal state: do not bootstrap);
/// `truncated` means something outside the task (a time limit) cut the episode short (bootstrap from the
/// observation). They are independent flags and both may be true.
public struct StepResult: Sendable {
    public var observation: [Double]
    public var reward: Double
    public var terminated: Bool
    public var truncated: Bool
    public var info: Info

    public init(observation: [Double], reward: Double, terminated: Bool, truncated: Bool, info: Info = Info()) {
        self.observation = observation
        self.reward = reward
        self.terminated = terminated
        self.truncated = truncated
        self.info = info
    }

    /// True when the episode is over for either reason (call `reset` next).
    public var done: Bool { terminated || truncated }
}

/// An environment with Gymnasium's semantics.
///
/// - `reset(seed:options:)` starts an episode. A seed reseeds the environment's `RandomStream` (the same seed
///   always gives the same initial state); `nil` continues the current stream. `options` carries numeric
///   reset options (e.g. Pendulum's `x_init`, `y_init`).
/// - `step(_:)` advances one step. Actions are `[Double]` of the action space's shape; a wrong shape or a
///   non-finite value throws. Out-of-range values are passed on as Gymnasium does (see each environment).
///
/// Environments are single-threaded objects; use one instance per thread (`VectorEnvironment` does).
public protocol Environment: AnyObject {
    /// The space observations belong to.
    var observationSpace: Box { get }
    /// The space actions are drawn from.
    var actionSpace: Space { get }
    /// Starts an episode and returns the first observation.
    func reset(seed: UInt64?, options: [String: Double]) throws -> (observation: [Double], info: Info)
    /// Advances one step.
    func step(_ action: [Double]) throws -> StepResult
}

extension Environment {
    /// Starts an episode without options.
    public func reset(seed: UInt64? = nil) throws -> (observation: [Double], info: Info) {
        try reset(seed: seed, options: [:])
    }

    /// Follows `wrapped` references down to the innermost environment.
    public var unwrapped: Environment {
        var env: Environment = self
        while let wrapper = env as? EnvironmentWrapper { env = wrapper.inner }
        return env
    }
}

/// An environment that wraps another one (time limits, normalization, ...).
public protocol EnvironmentWrapper: Environment {
    /// The wrapped environment.
    var inner: Environment { get }
}

/// Errors from environments, wrappers, the registry and the MuJoCo loader.
public enum EnvironmentError: Error, CustomStringConvertible, Equatable {
    /// `make` was given an id that is not registered; `suggestions` lists the closest registered ids.
    case unknownID(String, suggestions: [String])
    /// An action had the wrong number of components.
    case wrongActionShape(expected: Int, got: Int)
    /// An action contained NaN or an infinity.
    case nonFiniteAction(index: Int, value: Double)
    /// A discrete action was outside `0..<n`.
    case actionOutOfRange(value: Double, n: Int)
    /// `step` was called before `reset`, or after the episode ended without a `reset`.
    case needsReset(String)
    /// A MuJoCo model file could not be found.
    case missingAsset(file: String, searched: [String])
    /// MuJoCo failed to load a model or the library version is wrong.
    case mujoco(String)
    /// A configuration or option value is invalid.
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case let .unknownID(id, suggestions):
            let hint = suggestions.isEmpty ? "" : " Did you mean: \(suggestions.joined(separator: ", "))?"
            return "Unknown environment id '\(id)'.\(hint) Registered ids: \(Registry.ids.joined(separator: ", "))."
        case let .wrongActionShape(expected, got):
            return "Action has \(got) components but the action space has \(expected)."
        case let .nonFiniteAction(index, value):
            return "Action component \(index) is \(value); actions must be finite."
        case let .actionOutOfRange(value, n):
            return "Discrete action \(value) is not an integer in 0..<\(n)."
        case let .needsReset(message):
            return message
        case let .missingAsset(file, searched):
            return "MuJoCo model file '\(file)' not found (searched: \(searched.joined(separator: ", "))). "
                + "Install the pinned Gymnasium and MuJoCo with `bash scripts/setup.sh`, or set "
                + "METAEXPLORE_MUJOCO_ASSETS to the directory holding Gymnasium's MuJoCo assets."
        case let .mujoco(message):
            return "MuJoCo: \(message) (run `bash scripts/setup.sh` to install MuJoCo 3.3.7)."
        case let .invalidConfiguration(message):
            return "Invalid configuration: \(message)"
        }
    }
}

/// Validates a continuous action: shape, then finiteness.
@inline(__always)
func checkAction(_ action: [Double], count: Int) throws {
    if action.count != count { throw EnvironmentError.wrongActionShape(expected: count, got: action.count) }
    for i in 0..<count where !action[i].isFinite {
        throw EnvironmentError.nonFiniteAction(index: i, value: action[i])
    }
}
