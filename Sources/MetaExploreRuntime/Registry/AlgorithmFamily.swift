import MetaExploreEnvironments

/// Makes a fresh environment instance of the run's task (one per role: training, evaluation, look-ahead …).
public typealias EnvironmentMaker = () throws -> any Environment

/// One algorithm family, as the runtime sees it: its names, its configuration type (defaults, validation, YAML
/// round trip), its presets, its reproduction plans and a builder of its unit of work. A family lives in its own
/// folder of `MetaExploreAlgorithms` and is registered by one line of `FamilyRegistry.builtIn`; `train`, `eval`,
/// `list`, the help text, configuration loading and `reproduce` find it through the registry and name no family.
public protocol AlgorithmFamily {
    associatedtype Configuration: ExperimentConfiguration

    /// The family's name (also the folder of its presets, `Presets/<name>/`).
    static var name: String { get }
    /// The values of the `algorithm` key this family runs, each with one line for `list` and `train --help`.
    static var algorithms: [(name: String, summary: String)] { get }
    /// A paragraph for `train --help`: how to select the family's variants and where its settings live.
    static var help: String { get }
    /// The version of the configuration's schema. Raise it whenever a key is added, removed or changes meaning:
    /// resuming a run whose checkpoint carries another version is refused, so no run finishes under settings it did
    /// not start with.
    static var schemaVersion: Int { get }

    /// Every setting at its default for one of the family's algorithm names (presets are laid over this).
    static func defaults(algorithm: String) -> Configuration
    /// The method's name in tables and plans (default: the `algorithm` value; CMP adds its β: `cmp-1`).
    static func label(of configuration: Configuration) -> String
    /// The family's unit of work for a configuration, on fresh environments from `makeEnvironment`.
    static func makeProcedure(_ configuration: Configuration, makeEnvironment: EnvironmentMaker) throws
        -> any TrainingProcedure
    /// Messages about settings that are valid but probably not what the user wants (printed before the run).
    static func warnings(for configuration: Configuration) -> [String]
    /// The family's paper reproductions (`metaexplore reproduce NAME`).
    static var plans: [ReproductionPlan] { get }
}

extension AlgorithmFamily {
    public static func label(of configuration: Configuration) -> String { configuration.algorithm }
    public static func warnings(for configuration: Configuration) -> [String] { [] }
    public static var plans: [ReproductionPlan] { [] }
    /// The `config_schema` entry of checkpoints and `versions.json`: `<family>/<version>`.
    public static var schemaTag: String { "\(name)/\(schemaVersion)" }
}

/// A resolved configuration of any registered family: the typed value and its family, behind one type that the
/// runner, the CLI and reproduction plans handle without knowing which family it is.
public struct AnyExperimentConfiguration: Equatable, @unchecked Sendable {
    /// The typed configuration (cast with `typed(_:)`).
    public let base: any ExperimentConfiguration
    /// The family that runs it.
    public let family: any AlgorithmFamily.Type

    private let labelText: String
    private let warningTexts: [String]
    private let build: (EnvironmentMaker) throws -> any TrainingProcedure

    public init<F: AlgorithmFamily>(_ configuration: F.Configuration, family: F.Type) {
        base = configuration
        self.family = family
        labelText = F.label(of: configuration)
        warningTexts = F.warnings(for: configuration)
        build = { try F.makeProcedure(configuration, makeEnvironment: $0) }
    }

    public var algorithm: String { base.algorithm }
    public var environment: String { base.environment }
    public var run: RunSettings { base.run }
    /// The method's name in tables and plans (`cmp-1` for CMP with β = 1).
    public var label: String { labelText }
    /// Settings that are valid but probably not meant (e.g. a budget shorter than the warm-up).
    public var warnings: [String] { warningTexts }
    /// `<family>/<schema version>`.
    public var schemaTag: String { family.schemaTag }
    /// The configuration type's `executionKeys`: settings a resumed run may change.
    public var executionKeys: Set<String> { type(of: base).executionKeys }

    /// The typed configuration, if it is of type `C`.
    public func typed<C: ExperimentConfiguration>(_ type: C.Type) -> C? { base as? C }

    /// The full resolved configuration as YAML (every key).
    public func yaml() throws -> String { try ConfigurationLoader.yaml(base) }

    /// The family's unit of work for this configuration.
    public func makeProcedure(makeEnvironment: EnvironmentMaker) throws -> any TrainingProcedure {
        try build(makeEnvironment)
    }

    public static func == (a: AnyExperimentConfiguration, b: AnyExperimentConfiguration) -> Bool {
        a.base.isEqual(to: b.base)
    }
}
