/// A complete, typed experiment configuration of one algorithm family, read from YAML by `ConfigurationLoader`.
///
/// Each setting is declared once, as a stored property with its default (the family's `defaults(algorithm:)` may
/// change defaults per algorithm name); the YAML keys are the property names. Presets state only what differs from
/// those defaults.
public protocol ExperimentConfiguration: Codable, Equatable, Sendable {
    /// The value of the `algorithm` key (one of the family's names).
    var algorithm: String { get }
    /// The environment id (`HalfCheetah-v5`).
    var environment: String { get }
    /// Budget, evaluation, logging, checkpoints, seed.
    var run: RunSettings { get }
    /// Dotted keys that are optional (absent from the defaults when unset) but allowed in files. Default: none
    /// (`RunSettings.optionalKeys` apply to every family besides).
    static var optionalKeys: Set<String> { get }
    /// Dotted keys that choose how a run executes but not what it computes (e.g. how many threads step the
    /// environments, when samples are the same for any count): a resumed run may restate them with other values
    /// (`--set`), which then apply from the resumption on. Default: none.
    static var executionKeys: Set<String> { get }
    /// Throws `ConfigurationError.invalidValue` naming the first bad key.
    func validate() throws
}

extension ExperimentConfiguration {
    public static var optionalKeys: Set<String> { [] }
    public static var executionKeys: Set<String> { [] }

    /// Compares with a configuration of any type (false when the types differ).
    public func isEqual(to other: any ExperimentConfiguration) -> Bool {
        guard let other = other as? Self else { return false }
        return self == other
    }
}

/// Run-level settings every family shares: length, evaluation, checkpoints, seed.
public struct RunSettings: Codable, Equatable, Sendable {
    public var totalSteps: Int = 1_000_000
    /// Evaluate the deterministic policy every `evalInterval` environment steps (0: not by steps).
    public var evalInterval: Int = 5000
    /// Evaluate also every `evalIntervalEpisodes` finished training episodes, as the family counts them (a DREAM
    /// trial is one; the DREAM authors evaluate every 2000 trials). Optional (absent: not by episodes), so
    /// configurations written before it existed still describe the same runs.
    public var evalIntervalEpisodes: Int?
    public var evalEpisodes: Int = 10
    /// Write a checkpoint every `checkpointInterval` steps (0: only at the end and on interruption).
    public var checkpointInterval: Int = 50_000
    /// Write a progress record every `logInterval` steps (besides every evaluation).
    public var logInterval: Int = 1000
    public var seed: UInt64 = 0
    /// Keep the first and the latest `visitationWindow` states of each acting policy and write them to
    /// `visitation.safetensors` in the run folder, for `metaexplore visitation`. 0: off.
    public var visitationWindow: Int = 0
    /// Keyword options of the environment, as Gymnasium's `gym.make(id, **kwargs)` takes them and the environment
    /// registry's `make(_:options:)` reads them (`--set run.environmentOptions.max_goal_velocity=3` draws
    /// HalfCheetahVel-v1's goal velocities from U[0, 3]). Every environment the run builds — training, evaluation,
    /// meta-evaluation's held-out tasks — is made with them; an option the environment does not have is refused
    /// when the run is set up. Empty: the registered defaults.
    public var environmentOptions: [String: Double] = [:]

    public init() {}

    /// `run.*` keys that are optional in every family's configuration (absent when unset).
    public static let optionalKeys: Set<String> = ["run.evalIntervalEpisodes"]

    /// Throws `ConfigurationError.invalidValue` naming the first bad `run.*` key.
    public func validate() throws {
        try requireSetting(totalSteps >= 1, "run.totalSteps", "must be at least 1, got \(totalSteps)")
        try requireSetting(evalInterval >= 0, "run.evalInterval", "must be ≥ 0 (0: not by steps), got \(evalInterval)")
        if let evalIntervalEpisodes {
            try requireSetting(evalIntervalEpisodes >= 1, "run.evalIntervalEpisodes",
                               "must be at least 1 (leave it out for no evaluation by episodes), got \(evalIntervalEpisodes)")
        }
        try requireSetting(evalEpisodes >= 0, "run.evalEpisodes", "must be ≥ 0, got \(evalEpisodes)")
        try requireSetting(checkpointInterval >= 0, "run.checkpointInterval", "must be ≥ 0, got \(checkpointInterval)")
        try requireSetting(logInterval >= 1, "run.logInterval", "must be at least 1, got \(logInterval)")
        try requireSetting(visitationWindow >= 0, "run.visitationWindow", "must be ≥ 0, got \(visitationWindow)")
        for (name, value) in environmentOptions.sorted(by: { $0.key < $1.key }) {
            try requireSetting(!value.isNaN, "run.environmentOptions.\(name)", "must be a number, got NaN")
        }
    }
}

/// Throws `ConfigurationError.invalidValue(key:message:)` unless `condition` holds: the one validation primitive
/// every family's `validate()` builds on.
public func requireSetting(_ condition: Bool, _ key: String, _ message: @autoclosure () -> String) throws {
    if !condition { throw ConfigurationError.invalidValue(key: key, message: message()) }
}

/// A setting with a fixed set of values (a String-backed enum). Decoding an unknown value fails with a message that
/// lists the valid values, so a configuration error says "expected one of none, gaussian, ou, parameter" rather
/// than naming a Swift type.
public protocol SettingChoice: RawRepresentable, CaseIterable, Codable where RawValue == String {}

extension SettingChoice {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Self(rawValue: text) else {
            let valid = Self.allCases.map(\.rawValue).joined(separator: ", ")
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected one of \(valid), got '\(text)'")
        }
        self = value
    }
}
