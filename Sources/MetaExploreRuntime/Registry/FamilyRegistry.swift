import Foundation

/// The registered algorithm families, their presets and plans: what `train`, `eval`, `list`, `reproduce` and
/// configuration loading consult. `MetaExploreAlgorithms` provides the built-in registry (`FamilyRegistry.builtIn`,
/// one line per family); another package can build its own with more families.
///
/// ```swift
/// let registry = FamilyRegistry.builtIn
/// let config = try registry.configuration(preset: "td3-paper", overrides: ["environment=Hopper-v5"])
/// let summary = try registry.train(config, in: URL(fileURLWithPath: "runs/td3-hopper"))
/// ```
public struct FamilyRegistry: @unchecked Sendable {
    /// The families, in registration order.
    public let families: [any AlgorithmFamily.Type]
    /// Where the presets are.
    public let presets: PresetLibrary
    /// The preset a bare `metaexplore train` runs.
    public let defaultPreset: String
    /// The preset `metaexplore bench train` times by default.
    public let benchmarkPreset: String

    /// Registers `families`; algorithm names and family names must be unique.
    public init(families: [any AlgorithmFamily.Type], presets: PresetLibrary, defaultPreset: String,
                benchmarkPreset: String? = nil) throws {
        var names: Set<String> = [], familyNames: Set<String> = []
        for family in families {
            guard familyNames.insert(family.name).inserted else {
                throw ConfigurationError.invalidValue(key: "family", message: "two families are named '\(family.name)'")
            }
            for algorithm in family.algorithms.map(\.name) {
                guard names.insert(algorithm).inserted else {
                    throw ConfigurationError.invalidValue(key: "algorithm", message: "'\(algorithm)' is registered twice")
                }
            }
        }
        self.families = families
        self.presets = presets
        self.defaultPreset = defaultPreset
        self.benchmarkPreset = benchmarkPreset ?? defaultPreset
    }

    /// Every algorithm with its one-line summary, in registration order.
    public var algorithmSummaries: [(name: String, summary: String)] {
        var out: [(name: String, summary: String)] = []
        for family in families { out += family.algorithms }
        return out
    }

    /// Each family's paragraph for `train --help`, in registration order.
    public var helpTexts: [String] {
        var out: [String] = []
        for family in families { out.append(family.help) }
        return out
    }

    /// Every value the `algorithm` key accepts, in registration order.
    public var algorithmNames: [String] { families.flatMap { $0.algorithms.map(\.name) } }

    /// The family that runs `algorithm`.
    public func family(of algorithm: String) throws -> any AlgorithmFamily.Type {
        guard let f = families.first(where: { $0.algorithms.contains { $0.name == algorithm } }) else {
            throw ConfigurationError.unknownAlgorithm(algorithm, available: algorithmNames)
        }
        return f
    }

    /// Every plan of every family, by name.
    public var plans: [String: ReproductionPlan] {
        var all: [String: ReproductionPlan] = [:]
        for family in families { for plan in family.plans { all[plan.name] = plan } }
        return all
    }

    // MARK: - Configurations

    /// Reads a configuration: `yaml` (a preset or file; its `algorithm` key, or an `algorithm=` override, picks the
    /// family) laid over the family's defaults for that algorithm, then `overrides` in order. Every error names the
    /// key at fault.
    public func load(yaml: String?, overrides: [String] = []) throws -> AnyExperimentConfiguration {
        guard let algorithm = try ConfigurationLoader.algorithm(yaml: yaml, overrides: overrides) else {
            throw ConfigurationError.invalidValue(
                key: "algorithm", message: "missing (expected one of \(algorithmNames.joined(separator: ", ")))")
        }
        return try load(family(of: algorithm), algorithm: algorithm, yaml: yaml, overrides: overrides)
    }

    private func load<F: AlgorithmFamily>(_ family: F.Type, algorithm: String, yaml: String?,
                                          overrides: [String]) throws -> AnyExperimentConfiguration {
        let c = try ConfigurationLoader.load(F.Configuration.self, defaults: F.defaults(algorithm: algorithm),
                                             yaml: yaml, overrides: overrides)
        return AnyExperimentConfiguration(c, family: family)
    }

    /// Resolves a configuration: a preset, a YAML file, or an algorithm's defaults (exactly one base; `algorithm`
    /// alone selects the defaults, and with a preset or file it replaces the file's algorithm), then the overrides in
    /// order (`key=value`, dotted keys). Nothing at all selects the default preset. Every error names the key, file
    /// or preset at fault, before any work starts.
    public func configuration(algorithm: String? = nil, preset: String? = nil, file: URL? = nil,
                              overrides: [String] = []) throws -> AnyExperimentConfiguration {
        var yaml: String?
        var all = overrides
        switch (preset, file) {
        case (let p?, nil):
            yaml = try presets.yaml(named: p)
        case (nil, let f?):
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: f.path, isDirectory: &isDirectory), isDirectory.boolValue {
                throw ExperimentError.unreadableConfiguration(f.path, "it is a folder, not a YAML file")
            }
            do { yaml = try String(contentsOf: f, encoding: .utf8) } catch {
                throw ExperimentError.unreadableConfiguration(f.path, error.localizedDescription)
            }
        case (nil, nil):
            if algorithm == nil { yaml = try presets.yaml(named: defaultPreset) }
        default:
            throw ExperimentError.conflictingOptions("give either a preset or a configuration file, not both")
        }
        if let algorithm {
            let wanted = try family(of: algorithm)
            // A preset or file configures one family; --algo may pick another algorithm of that family only (its
            // keys would not fit another family's configuration).
            if let base = try ConfigurationLoader.algorithm(yaml: yaml, overrides: []),
               let baseFamily = try? family(of: base), baseFamily.name != wanted.name {
                let source = preset.map { "preset '\($0)'" } ?? file.map { "the file \($0.path)" } ?? "the configuration"
                let alternatives = ((try? presets.names()) ?? []).filter { name in
                    (try? presets.yaml(named: name)).flatMap { try? ConfigurationLoader.algorithm(yaml: $0, overrides: []) }
                        .flatMap { try? family(of: $0) }.map { $0.name == wanted.name } ?? false
                }
                throw ConfigurationError.invalidValue(
                    key: "algorithm",
                    message: "\(source) configures '\(base)', and --algo \(algorithm) belongs to another family whose "
                        + "settings differ; use --algo \(algorithm) without it"
                        + (alternatives.isEmpty ? "" : ", or one of its presets: \(alternatives.joined(separator: ", "))"))
            }
            all.insert("algorithm=\(algorithm)", at: 0)
        }
        return try load(yaml: yaml, overrides: all)
    }
}

/// Problems with how an experiment was asked for.
public enum ExperimentError: Error, CustomStringConvertible, Equatable {
    case conflictingOptions(String)
    case unreadableConfiguration(String, String)

    public var description: String {
        switch self {
        case .conflictingOptions(let why): return why
        case let .unreadableConfiguration(path, why): return "cannot read the configuration file \(path): \(why)"
        }
    }
}
