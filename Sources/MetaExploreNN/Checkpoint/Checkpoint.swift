import Foundation
import MetaExploreTensor

/// Named groups of live tensors — network parameters, optimizer states, other buffers — saved to and loaded from
/// one `.safetensors` file, each tensor stored as "`prefix`.`name`".
///
/// ```swift
/// var checkpoint = Checkpoint()
/// checkpoint.add("actor", layer: actor)
/// checkpoint.add("critic", layer: critic)
/// checkpoint.add("actor_optimizer", optimizer: actorOptimizer)
/// try checkpoint.save(to: url, metadata: ["step": "100000"])      // atomic
/// ...
/// let file = try checkpoint.load(from: url)                       // all or nothing
/// ```
/// Loading first checks that the file holds every expected tensor with the expected shape and dtype, and no other
/// tensors (unless `allowUnexpected`); only when everything fits does it copy values into the live tensors, so a
/// mismatched checkpoint leaves the model untouched and reports every problem at once (`CheckpointError.incompatible`).
public struct Checkpoint {
    private struct Group {
        let prefix: String
        /// The group's tensors, read at save/load time (optimizer state may be created on demand).
        let tensors: () -> [(name: String, tensor: Tensor)]
        /// Copies validated values into the group (keys are names without the prefix).
        let restore: ([String: Tensor]) throws -> Void
    }

    private var groups: [Group] = []
    /// Metadata written with every save (merged with the per-save metadata, which wins on conflicts).
    public var metadata: [String: String]

    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
    }

    /// Adds a layer's parameters under `prefix`.
    public mutating func add(_ prefix: String, layer: Layer) {
        add(prefix, tensors: { layer.namedParameters })
    }

    /// Adds explicit named tensors (leaves) under `prefix`.
    public mutating func add(_ prefix: String, tensors: [(name: String, tensor: Tensor)]) {
        add(prefix, tensors: { tensors })
    }

    /// Adds an optimizer's state (moments, step count) under `prefix`; restored through `loadState(_:)`.
    public mutating func add(_ prefix: String, optimizer: RestorableOptimizer) {
        groups.append(Group(prefix: prefix, tensors: { optimizer.stateTensors }, restore: { try optimizer.loadState($0) }))
    }

    private mutating func add(_ prefix: String, tensors: @escaping () -> [(name: String, tensor: Tensor)]) {
        groups.append(Group(prefix: prefix, tensors: tensors, restore: { values in
            for (name, t) in tensors() { t.assign(values[name]!) }
        }))
    }

    private static func fullName(_ prefix: String, _ name: String) -> String {
        prefix.isEmpty ? name : "\(prefix).\(name)"
    }

    /// Every tensor with its full name, in group order.
    public var namedTensors: [(name: String, tensor: Tensor)] {
        groups.flatMap { g in g.tensors().map { (name: Checkpoint.fullName(g.prefix, $0.name), tensor: $0.tensor) } }
    }

    /// Writes all groups to `url` atomically (see `SafeTensors.write`).
    public func save(to url: URL, metadata extra: [String: String] = [:]) throws {
        try SafeTensors.write(namedTensors, metadata: metadata.merging(extra) { $1 }, to: url)
    }

    /// Reads `url`, checks it against every group, and only then restores all of them. Returns the file (for its
    /// metadata and any extra tensors).
    @discardableResult
    public func load(from url: URL, allowUnexpected: Bool = false) throws -> SafeTensorsFile {
        let file = try SafeTensors.read(from: url)
        try Checkpoint.check(file, against: namedTensors, allowUnexpected: allowUnexpected)
        for g in groups {
            let names = g.tensors().map(\.name)
            var values: [String: Tensor] = [:]
            for name in names { values[name] = file[Checkpoint.fullName(g.prefix, name)] }
            try g.restore(values)
        }
        return file
    }

    /// Loads the tensors of `url` into `tensors` by name, all or nothing (see `Checkpoint`).
    @discardableResult
    public static func load(
        from url: URL, into tensors: [(name: String, tensor: Tensor)], allowUnexpected: Bool = false
    ) throws -> SafeTensorsFile {
        let file = try SafeTensors.read(from: url)
        try check(file, against: tensors, allowUnexpected: allowUnexpected)
        for (name, t) in tensors { t.assign(file[name]!) }
        return file
    }

    /// Throws `CheckpointError.incompatible` listing every missing, mismatched or (unless allowed) unexpected tensor.
    public static func check(
        _ file: SafeTensorsFile, against expected: [(name: String, tensor: Tensor)], allowUnexpected: Bool = false
    ) throws {
        let path = file.url.path
        var stored: [String: Tensor] = [:]
        for (name, t) in file.entries { stored[name] = t }
        var problems: [CheckpointProblem] = []
        var expectedNames = Set<String>()
        for (name, t) in expected {
            guard expectedNames.insert(name).inserted else { throw CheckpointError.duplicateName(path: path, name: name) }
            guard let found = stored[name] else {
                problems.append(.missing(tensor: name, expectedShape: t.shape, expectedDType: t.dtype))
                continue
            }
            if found.shape != t.shape {
                problems.append(.shapeMismatch(tensor: name, expected: t.shape, found: found.shape))
            } else if found.dtype != t.dtype {
                problems.append(.dtypeMismatch(tensor: name, expected: t.dtype, found: found.dtype))
            }
        }
        if !allowUnexpected {
            for (name, t) in file.entries where !expectedNames.contains(name) {
                problems.append(.unexpected(tensor: name, shape: t.shape, dtype: t.dtype))
            }
        }
        if !problems.isEmpty { throw CheckpointError.incompatible(path: path, problems: problems) }
    }
}
