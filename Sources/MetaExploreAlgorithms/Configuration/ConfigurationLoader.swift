import Foundation
import Yams

/// A problem with a configuration file or override; the message names the key.
public enum ConfigurationError: Error, CustomStringConvertible, Equatable {
    case unknownKey(String)
    case invalidValue(key: String, message: String)
    case badOverride(String)
    case syntax(String)
    case unknownPreset(String, available: [String])
    case unknownAlgorithm(String)

    public var description: String {
        switch self {
        case .unknownKey(let k): return "unknown configuration key '\(k)'"
        case let .invalidValue(k, m): return "invalid value for '\(k)': \(m)"
        case .badOverride(let o): return "cannot read override '\(o)': expected key=value with a dotted key, e.g. learner.tau=0.005"
        case .syntax(let m): return "configuration is not valid YAML: \(m)"
        case let .unknownPreset(n, available): return "no preset named '\(n)' (available: \(available.joined(separator: ", ")))"
        case .unknownAlgorithm(let a):
            return "unknown algorithm '\(a)' (expected one of \(AnyExperimentConfiguration.algorithmNames.joined(separator: ", ")))"
        }
    }
}

/// Any kind of experiment configuration, chosen by the `algorithm` key.
public enum AnyExperimentConfiguration: Equatable, Sendable {
    case ddpg(DDPGConfiguration)
    case td3(TD3Configuration)
    /// `meta`, `meta-variance` or `meta-state` (Xu et al. 2018).
    case meta(MetaPolicyGradientExperimentConfiguration)
    /// `cmp`, `ma2c` or `l2explore` (Counterfactual Meta Policy and its ablations).
    case cmp(CMPExperimentConfiguration)

    /// Every value the `algorithm` key accepts.
    public static let algorithmNames = [DDPGConfiguration.algorithmName, TD3Configuration.algorithmName]
        + MetaPolicyGradientExperimentConfiguration.algorithmNames + CMPExperimentConfiguration.algorithmNames

    public var algorithm: String {
        switch self {
        case .ddpg: return DDPGConfiguration.algorithmName
        case .td3: return TD3Configuration.algorithmName
        case .meta(let c): return c.algorithm
        case .cmp(let c): return c.algorithm
        }
    }

    /// The method's name as reproduction plans and tables use it: the `algorithm` value, except for `cmp`, which
    /// carries its β: `cmp-0`, `cmp-1` (the paper's CMP-0 and CMP-1; `CMPExperimentConfiguration.label`).
    public var label: String {
        if case .cmp(let c) = self { return c.label }
        return algorithm
    }

    /// Whether the configuration is a learned-exploration method (meta-policy gradient or CMP), run by
    /// `MetaPolicyGradientTrainer` rather than `OffPolicyTrainer`.
    public var isLearnedExploration: Bool {
        switch self {
        case .meta, .cmp: return true
        case .ddpg, .td3: return false
        }
    }

    /// The run settings (budget, evaluation, checkpoints, seed).
    public var run: RunSettings {
        switch self {
        case .ddpg(let c): return c.run
        case .td3(let c): return c.run
        case .meta(let c): return c.run
        case .cmp(let c): return c.run
        }
    }
}

/// Reads configurations from YAML: the file's keys are laid over the defaults, then `--set key=value` overrides
/// (dotted keys, values in YAML syntax: `learner.tau=0.005`, `learner.hiddenSizes=[400,300]`) over that. Keys the
/// configuration does not have are rejected, as are values of the wrong type or out of range; every error names
/// the key. The result is the full resolved configuration (`yaml(_:)` writes it back, e.g. as a run's
/// `config.yaml`).
public enum ConfigurationLoader {
    /// Loads a configuration of a known type.
    public static func load<C: ExperimentConfiguration>(_ type: C.Type, yaml: String?, overrides: [String] = []) throws -> C {
        var tree = try node(of: C.defaults)
        if let yaml {
            let user = try compose(yaml)
            if let user { tree = try merge(user, into: tree, path: [], optional: C.optionalKeys) }
        }
        for o in overrides {
            let (path, value) = try parseOverride(o)
            tree = try set(value, at: path, in: tree, optional: C.optionalKeys, fullPath: path)
        }
        let config: C
        do {
            config = try YAMLDecoder().decode(C.self, from: try Yams.serialize(node: tree))
        } catch let error as DecodingError {
            throw describe(error)
        }
        try config.validate()
        return config
    }

    /// Loads any algorithm's configuration, chosen by the `algorithm` key of the file or an override.
    public static func loadAny(yaml: String?, overrides: [String] = []) throws -> AnyExperimentConfiguration {
        var algorithm: String?
        if let yaml, let root = try compose(yaml), let mapping = root.mapping {
            algorithm = mapping.first { $0.key.string == "algorithm" }?.value.string
        }
        for o in overrides {
            let (path, value) = try parseOverride(o)
            if path == ["algorithm"] { algorithm = value.string }
        }
        switch algorithm {
        case DDPGConfiguration.algorithmName: return .ddpg(try load(DDPGConfiguration.self, yaml: yaml, overrides: overrides))
        case TD3Configuration.algorithmName: return .td3(try load(TD3Configuration.self, yaml: yaml, overrides: overrides))
        case let name? where MetaPolicyGradientExperimentConfiguration.algorithmNames.contains(name):
            return .meta(try load(MetaPolicyGradientExperimentConfiguration.self, yaml: yaml, overrides: overrides))
        case let name? where CMPExperimentConfiguration.algorithmNames.contains(name):
            return .cmp(try load(CMPExperimentConfiguration.self, yaml: yaml, overrides: overrides))
        case nil:
            throw ConfigurationError.invalidValue(
                key: "algorithm",
                message: "missing (expected one of \(AnyExperimentConfiguration.algorithmNames.joined(separator: ", ")))")
        case let other?: throw ConfigurationError.unknownAlgorithm(other)
        }
    }

    /// Loads a preset by name (see `Presets`), with overrides.
    public static func loadPreset(_ name: String, overrides: [String] = []) throws -> AnyExperimentConfiguration {
        try loadAny(yaml: try Presets.yaml(named: name), overrides: overrides)
    }

    /// The configuration as YAML (every key, resolved).
    public static func yaml<C: ExperimentConfiguration>(_ config: C) throws -> String {
        guard let tree = try compose(try YAMLEncoder().encode(config)) else { return "" }
        return try Yams.serialize(node: readable(tree))
    }

    /// Numbers as Swift prints them (0.99 rather than 9.9e-1) and lists of numbers in flow style ([400, 300]).
    static func readable(_ node: Node) -> Node {
        switch node {
        case .scalar(var scalar):
            if scalar.style == .plain || scalar.style == .any, Int(scalar.string) == nil, let d = Double(scalar.string),
               d.isFinite {
                scalar.string = "\(d)"
            }
            return .scalar(scalar)
        case .sequence(var sequence):
            let items = sequence.map(readable)
            let allScalars = items.allSatisfy { if case .scalar = $0 { return true } else { return false } }
            sequence = Node.Sequence(items, sequence.tag, allScalars ? .flow : sequence.style)
            return .sequence(sequence)
        case .mapping(let mapping):
            return .mapping(Node.Mapping(mapping.map { ($0.key, readable($0.value)) }, mapping.tag, mapping.style))
        }
    }

    public static func yaml(_ config: AnyExperimentConfiguration) throws -> String {
        switch config {
        case .ddpg(let c): return try yaml(c)
        case .td3(let c): return try yaml(c)
        case .meta(let c): return try yaml(c)
        case .cmp(let c): return try yaml(c)
        }
    }

    // MARK: - Trees

    static func compose(_ yaml: String) throws -> Node? {
        do { return try Yams.compose(yaml: yaml) } catch { throw ConfigurationError.syntax("\(error)") }
    }

    static func node<C: Encodable>(of value: C) throws -> Node {
        guard let n = try compose(try YAMLEncoder().encode(value)) else { return Node.mapping(.init([])) }
        return n
    }

    static func dotted(_ path: [String]) -> String { path.joined(separator: ".") }

    /// Lays `user` over `base`; keys must exist in `base` (or be listed optional).
    static func merge(_ user: Node, into base: Node, path: [String], optional: Set<String>) throws -> Node {
        guard case .mapping(let userMapping) = user else {
            if path.isEmpty { throw ConfigurationError.syntax("the top level must be a mapping of keys") }
            return user
        }
        guard case .mapping(let baseMapping) = base else {
            throw ConfigurationError.invalidValue(key: dotted(path), message: "expected a single value, found a mapping")
        }
        var pairs = baseMapping.map { ($0.key, $0.value) }
        for (k, v) in userMapping {
            guard let key = k.string else { throw ConfigurationError.syntax("non-string key under '\(dotted(path))'") }
            let childPath = path + [key]
            if let i = pairs.firstIndex(where: { $0.0.string == key }) {
                if case .mapping = pairs[i].1 {
                    guard case .mapping = v else {
                        throw ConfigurationError.invalidValue(key: dotted(childPath), message: "expected a mapping of keys")
                    }
                }
                pairs[i].1 = try merge(v, into: pairs[i].1, path: childPath, optional: optional)
            } else if optional.contains(dotted(childPath)) {
                pairs.append((Node(key), v))
            } else {
                throw ConfigurationError.unknownKey(dotted(childPath))
            }
        }
        return .mapping(Node.Mapping(pairs))
    }

    static func set(_ value: Node, at path: [String], in tree: Node, optional: Set<String>, fullPath: [String]) throws -> Node {
        var nested = value
        for key in path.reversed() { nested = .mapping(Node.Mapping([(Node(key), nested)])) }
        return try merge(nested, into: tree, path: [], optional: optional)
    }

    static func parseOverride(_ text: String) throws -> ([String], Node) {
        guard let eq = text.firstIndex(of: "=") else { throw ConfigurationError.badOverride(text) }
        let key = text[..<eq].trimmingCharacters(in: .whitespaces)
        let valueText = String(text[text.index(after: eq)...])
        let path = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !key.isEmpty, !path.contains(where: \.isEmpty) else { throw ConfigurationError.badOverride(text) }
        let value: Node
        do { value = try Yams.compose(yaml: valueText) ?? Node("") } catch {
            throw ConfigurationError.invalidValue(key: key, message: "'\(valueText)' is not a YAML value")
        }
        return (path, value)
    }

    static func describe(_ error: DecodingError) -> ConfigurationError {
        func key(_ path: [CodingKey]) -> String { path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".") }
        switch error {
        case let .typeMismatch(type, context):
            return .invalidValue(key: key(context.codingPath), message: "expected \(typeName(type))")
        case let .valueNotFound(type, context):
            return .invalidValue(key: key(context.codingPath), message: "missing \(typeName(type))")
        case let .keyNotFound(k, context):
            return .invalidValue(key: key(context.codingPath + [k]), message: "missing")
        case let .dataCorrupted(context):
            return .invalidValue(key: key(context.codingPath), message: context.debugDescription)
        @unknown default:
            return .syntax("\(error)")
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is UInt64.Type: return "an integer"
        case is Double.Type: return "a number"
        case is Bool.Type: return "true or false"
        case is String.Type: return "a string"
        default: return "\(type)"
        }
    }
}
