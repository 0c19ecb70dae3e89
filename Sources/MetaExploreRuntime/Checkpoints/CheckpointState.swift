import MetaExploreRandom
import MetaExploreTensor

/// Everything a training run needs to resume exactly: named tensors (network parameters, optimizer moments,
/// normalizer statistics, the filled part of the replay buffer) plus a string-to-string metadata blob (counters,
/// generator states, noise state). The shape matches a safetensors file: tensors by name and a `__metadata__`
/// dictionary of strings, so a checkpoint writer only has to copy both across.
///
/// Components write under a prefix ("agent.replay.", "runner.") so names never collide. Integer counters and
/// generator words are stored as decimal strings in the metadata: exact for every 64-bit value.
public struct CheckpointState {
    public private(set) var tensors: [(name: String, tensor: Tensor)] = []
    public var metadata: [String: String] = [:]
    private var index: [String: Int] = [:]

    public init() {}

    /// Builds a state from tensors and metadata read back from a checkpoint file.
    public init(tensors: [(name: String, tensor: Tensor)], metadata: [String: String]) {
        for (name, tensor) in tensors { add(name, tensor) }
        self.metadata = metadata
    }

    /// Adds (or replaces) a tensor. The tensor is copied, so later training does not change a saved state;
    /// pass `copy: false` for a tensor made just for the checkpoint (large replay arrays are not copied twice).
    public mutating func add(_ name: String, _ tensor: Tensor, copy: Bool = true) {
        let stored = copy ? tensor.copy() : tensor
        if let i = index[name] { tensors[i] = (name, stored) } else {
            index[name] = tensors.count
            tensors.append((name, stored))
        }
    }

    /// Adds every tensor of a list under `prefix`.
    public mutating func add(prefix: String, _ list: [(name: String, tensor: Tensor)]) {
        for (name, tensor) in list { add(prefix + name, tensor) }
    }

    /// The tensor saved under `name`.
    public func tensor(_ name: String) throws -> Tensor {
        guard let i = index[name] else { throw CheckpointStateError.missingTensor(name) }
        return tensors[i].tensor
    }

    /// The tensors whose names start with `prefix`, keyed by the rest of the name.
    public func tensors(prefix: String) -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (name, tensor) in tensors where name.hasPrefix(prefix) { out[String(name.dropFirst(prefix.count))] = tensor }
        return out
    }

    /// Copies the saved tensors `prefix + name` into the given parameters (same shapes and dtypes).
    public func restore(prefix: String, into list: [(name: String, tensor: Tensor)]) throws {
        for (name, target) in list {
            let saved = try tensor(prefix + name)
            guard saved.shape == target.shape, saved.dtype == target.dtype else {
                throw CheckpointStateError.shapeMismatch(prefix + name, expected: target.shape, found: saved.shape)
            }
            target.assign(saved)
        }
    }

    public mutating func set(_ key: String, _ value: some LosslessStringConvertible) { metadata[key] = String(describing: value) }

    /// A metadata value parsed as `T`.
    public func value<T: LosslessStringConvertible>(_ key: String, as type: T.Type = T.self) throws -> T {
        guard let text = metadata[key] else { throw CheckpointStateError.missingMetadata(key) }
        guard let v = T(text) else { throw CheckpointStateError.badMetadata(key, text) }
        return v
    }

    /// Saves a generator's seed and four state words.
    public mutating func setGenerator(_ key: String, _ rng: RandomStream) {
        metadata[key] = ([rng.seed] + rng.state).map(String.init).joined(separator: " ")
    }

    /// A generator saved with `setGenerator`.
    public func generator(_ key: String) throws -> RandomStream {
        guard let text = metadata[key] else { throw CheckpointStateError.missingMetadata(key) }
        let words = text.split(separator: " ").compactMap { UInt64($0) }
        guard words.count == 5 else { throw CheckpointStateError.badMetadata(key, text) }
        return RandomStream(seed: words[0], state: Array(words[1...]))
    }

    /// Saves a list of doubles exactly (as their bit patterns).
    public mutating func setDoubles(_ key: String, _ values: [Double]) {
        metadata[key] = values.map { String($0.bitPattern) }.joined(separator: " ")
    }

    public func doubles(_ key: String) throws -> [Double] {
        guard let text = metadata[key] else { throw CheckpointStateError.missingMetadata(key) }
        let words = text.split(separator: " ").map { UInt64($0) }
        guard !words.contains(nil) else { throw CheckpointStateError.badMetadata(key, text) }
        return words.map { Double(bitPattern: $0!) }
    }
}

/// Something whose complete state goes into a checkpoint.
public protocol Checkpointable: AnyObject {
    /// Writes this component's state under `prefix`.
    func saveState(into state: inout CheckpointState, prefix: String)
    /// Restores the state written by `saveState` (of a component built with the same configuration).
    func restoreState(from state: CheckpointState, prefix: String) throws
}

public enum CheckpointStateError: Error, CustomStringConvertible, Equatable {
    case missingTensor(String)
    case missingMetadata(String)
    case badMetadata(String, String)
    case shapeMismatch(String, expected: [Int], found: [Int])
    case incompatible(String)

    public var description: String {
        switch self {
        case .missingTensor(let n): return "checkpoint has no tensor '\(n)'"
        case .missingMetadata(let k): return "checkpoint metadata has no entry '\(k)'"
        case let .badMetadata(k, v): return "checkpoint metadata '\(k)' has an unreadable value '\(v)'"
        case let .shapeMismatch(n, e, f): return "checkpoint tensor '\(n)' has shape \(f), expected \(e)"
        case .incompatible(let why): return "checkpoint does not fit this run: \(why)"
        }
    }
}
