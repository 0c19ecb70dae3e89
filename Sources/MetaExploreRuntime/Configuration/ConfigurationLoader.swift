import Foundation
import Yams

/// A problem with a configuration file or override; the message names the key.
public enum ConfigurationError: Error, CustomStringConvertible, Equatable {
    case unknownKey(String)
    case invalidValue(key: String, message: String)
    case badOverride(String)
    case syntax(String)
    case unknownPreset(String, available: [String])
    case unknownAlgorithm(String, available: [String])

    public var description: String {
        switch self {
        case .unknownKey(let k): return "unknown configuration key '\(k)'"
        case let .invalidValue(k, m): return "invalid value for '\(k)': \(m)"
        case .badOverride(let o): return "cannot read override '\(o)': expected key=value with a dotted key, e.g. learner.tau=0.005"
        case .syntax(let m): return "configuration is not valid YAML: \(m)"
        case let .unknownPreset(n, available): return "no preset named '\(n)' (available: \(available.joined(separator: ", ")))"
        case let .unknownAlgorithm(a, available):
            return "unknown algorithm '\(a)' (expected one of \(available.joined(separator: ", ")))"
        }
    }
}

/// Reads configurations from YAML: the file's keys are laid over the defaults, then `--set key=value` overrides
/// (dotted keys, values in YAML syntax: `learner.tau=0.005`, `learner.hiddenSizes=[400,300]`) over that. Keys the
/// configuration does not have are rejected, as are values of the wrong type or out of range; every error names
/// the key. The result is the full resolved configuration (`yaml(_:)` writes it back, e.g. as a run's
/// `config.yaml`).
public enum ConfigurationLoader {
    /// Mappings whose keys are free (names chosen by the user, not declared by a type): a key under one of these is
    /// accepted whatever its name, and its value is checked by decoding.
    public static let openMappings: Set<String> = ["run.environmentOptions"]

    /// Loads a configuration of type `C`: `yaml` laid over `defaults`, then the overrides, then validation.
    public static func load<C: ExperimentConfiguration>(_ type: C.Type, defaults: C, yaml: String?,
                                                        overrides: [String] = []) throws -> C {
        var tree = try node(of: defaults)
        let optional = C.optionalKeys.union(RunSettings.optionalKeys)
        if let yaml {
            let user = try compose(yaml)
            if let user { tree = try merge(user, into: tree, path: [], optional: optional) }
        }
        for o in overrides {
            let (path, value) = try parseOverride(o)
            tree = try set(value, at: path, in: tree, optional: optional, fullPath: path)
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

    /// The value of the top-level `algorithm` key after `yaml` and the overrides (nil when neither sets it).
    public static func algorithm(yaml: String?, overrides: [String]) throws -> String? {
        var algorithm: String?
        if let yaml, let root = try compose(yaml), let mapping = root.mapping {
            algorithm = mapping.first { $0.key.string == "algorithm" }?.value.string
        }
        for o in overrides {
            let (path, value) = try parseOverride(o)
            if path == ["algorithm"] { algorithm = value.string }
        }
        return algorithm
    }

    /// The dotted keys whose values differ between two configuration texts (keys present in one only included),
    /// sorted, each with both values as YAML text ("absent" when missing).
    public static func differences(_ a: String, _ b: String) throws -> [(key: String, a: String, b: String)] {
        var out: [(key: String, a: String, b: String)] = []
        func flatten(_ node: Node?, _ path: [String], into dict: inout [String: String]) {
            guard let node else { return }
            if case .mapping(let m) = node {
                for (k, v) in m { flatten(v, path + [k.string ?? "?"], into: &dict) }
            } else {
                dict[dotted(path)] = ((try? Yams.serialize(node: readable(node))) ?? "\(node)")
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        var fa: [String: String] = [:], fb: [String: String] = [:]
        flatten(try compose(a), [], into: &fa)
        flatten(try compose(b), [], into: &fb)
        for key in Set(fa.keys).union(fb.keys).sorted() where fa[key] != fb[key] {
            out.append((key, fa[key] ?? "absent", fb[key] ?? "absent"))
        }
        return out
    }

    /// The dotted keys of every leaf value in a configuration text.
    public static func keys(_ yaml: String) throws -> Set<String> {
        Set(try differences(yaml, "{}").map(\.key))
    }

    /// The configuration as YAML (every key, resolved).
    public static func yaml<C: ExperimentConfiguration>(_ config: C) throws -> String {
        guard let tree = try compose(try YAMLEncoder().encode(config)) else { return "" }
        return try Yams.serialize(node: readable(sortingOpenMappings(tree, path: [])))
    }

    /// The keys of open mappings (dictionaries, whose encoding order is not fixed) sorted, so the same configuration
    /// always prints the same text; declared keys keep their declaration order.
    static func sortingOpenMappings(_ node: Node, path: [String]) -> Node {
        guard case .mapping(let mapping) = node else { return node }
        var pairs = mapping.map { pair in
            (pair.key, sortingOpenMappings(pair.value, path: path + [pair.key.string ?? ""]))
        }
        if openMappings.contains(dotted(path)) { pairs.sort { ($0.0.string ?? "") < ($1.0.string ?? "") } }
        return .mapping(Node.Mapping(pairs, mapping.tag, mapping.style))
    }

    /// Numbers as Swift prints them (0.99 rather than 9.9e-1) and lists of numbers in flow style ([400, 300]).
    static func readable(_ node: Node) -> Node {
        switch node {
        case .scalar(var scalar):
            if scalar.style == .plain || scalar.style == .any, Int(scalar.string) == nil, UInt64(scalar.string) == nil,
               let d = Double(scalar.string),
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
        var seen: Set<String> = []
        for (k, v) in userMapping {
            guard let key = k.string else { throw ConfigurationError.syntax("non-string key under '\(dotted(path))'") }
            guard seen.insert(key).inserted else {
                throw ConfigurationError.invalidValue(key: dotted(path + [key]), message: "given twice")
            }
            let childPath = path + [key]
            if let i = pairs.firstIndex(where: { $0.0.string == key }) {
                if case .mapping = pairs[i].1 {
                    guard case .mapping = v else {
                        throw ConfigurationError.invalidValue(key: dotted(childPath), message: "expected a mapping of keys")
                    }
                }
                pairs[i].1 = try merge(v, into: pairs[i].1, path: childPath, optional: optional)
            } else if optional.contains(dotted(childPath)) || openMappings.contains(dotted(path)) {
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
