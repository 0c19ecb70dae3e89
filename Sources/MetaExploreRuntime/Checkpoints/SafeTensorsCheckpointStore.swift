import Foundation
import MetaExploreNN
import MetaExploreTensor

/// Checkpoints of a run as `.safetensors` files under `<run>/checkpoints/`.
///
/// Every checkpoint is written atomically (temporary file, fsync, rename) as `step-<N>.safetensors`, then becomes
/// `latest.safetensors` (again by an atomic write: a crash leaves either the old or the new file, never a torn
/// one). Files open in PyTorch/NumPy (`safetensors.numpy.load_file`): tensors under dotted names, the run's metadata
/// (configuration YAML, counters, generator states) in `__metadata__`.
///
/// **Integrity.** Every file carries a CRC-32C of each tensor's bytes (`checksum.<tensor>`) and of the rest of its
/// metadata (`checksum.__metadata__`), so damage inside the data — which the safetensors format itself cannot see —
/// is found on load: `read` throws `CheckpointIntegrityError`, naming the file and the first damaged entry, and
/// nothing is restored from it. A new step file is read back and verified before older ones are pruned, so the newest
/// checkpoint that verifies is never removed; `newestIntact` finds it when `latest` is damaged or missing.
public final class SafeTensorsCheckpointStore: CheckpointSink {
    public let directory: URL
    public let keep: Int
    public private(set) var lastWritten: URL?

    public init(directory: URL, keep: Int = 3) throws {
        self.directory = directory
        self.keep = max(keep, 1)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    public var latestURL: URL { directory.appendingPathComponent("latest.safetensors") }

    public func url(step: Int) -> URL {
        directory.appendingPathComponent(String(format: "step-%010d.safetensors", step))
    }

    /// A store for reading an existing folder (creates nothing).
    public static func reader(directory: URL) -> SafeTensorsCheckpointStore {
        SafeTensorsCheckpointStore(existing: directory)
    }

    private init(existing directory: URL) {
        self.directory = directory
        keep = 3
    }

    /// The metadata key prefix of the checksums.
    public static let checksumPrefix = "checksum."

    public func writeCheckpoint(_ state: CheckpointState, step: Int, reason: CheckpointReason) throws {
        var metadata = state.metadata
        metadata["checkpoint_step"] = String(step)
        metadata["checkpoint_reason"] = "\(reason)"
        metadata = Self.sealed(state.tensors, metadata: metadata)
        let target = url(step: step)
        let bytes = try SafeTensors.encode(state.tensors, metadata: metadata, path: target.path)  // encoded once
        try SafeTensors.writeAtomically(bytes, to: target)
        _ = try Self.read(target)  // verify what reached the disk before anything older is pruned
        try SafeTensors.writeAtomically(bytes, to: latestURL)
        lastWritten = target
        try prune(keeping: target)
    }

    /// `metadata` with the checksums of `tensors` and of itself added.
    static func sealed(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String]) -> [String: String] {
        var out = metadata.filter { !$0.key.hasPrefix(checksumPrefix) }
        for (name, tensor) in tensors { out[checksumPrefix + name] = String(checksum(tensor)) }
        out[checksumPrefix + "__metadata__"] = String(metadataChecksum(out))
        return out
    }

    static func checksum(_ tensor: Tensor) -> UInt32 {
        switch tensor.dtype {
        case .float32: return tensor.withUnsafeFloats { b in CRC32C.checksum(UnsafeRawBufferPointer(b)) }
        case .float64: return tensor.withUnsafeDoubles { b in CRC32C.checksum(UnsafeRawBufferPointer(b)) }
        }
    }

    /// CRC-32C of the metadata without its own checksum, keys sorted, as `key=value` lines.
    static func metadataChecksum(_ metadata: [String: String]) -> UInt32 {
        let key = checksumPrefix + "__metadata__"
        let text = metadata.keys.sorted().filter { $0 != key }.map { "\($0)=\(metadata[$0]!)\n" }.joined()
        return CRC32C.checksum(Array(text.utf8))
    }

    /// Reads a checkpoint back into a `CheckpointState`, verifying its checksums (a file written before checksums
    /// were stored is read as it is). Errors name the file and what is wrong.
    public static func read(_ url: URL) throws -> CheckpointState {
        let file = try SafeTensors.read(from: url)
        let metadata = file.metadata
        if let stored = metadata[checksumPrefix + "__metadata__"] {
            guard stored == String(metadataChecksum(metadata)) else {
                throw CheckpointIntegrityError.damaged(path: url.path, entry: "__metadata__")
            }
            for name in file.names {
                guard metadata[checksumPrefix + name] == String(checksum(file[name]!)) else {
                    throw CheckpointIntegrityError.damaged(path: url.path, entry: name)
                }
            }
        }
        let state = metadata.filter { !$0.key.hasPrefix(checksumPrefix) }
        return CheckpointState(tensors: file.names.map { ($0, file[$0]!) }, metadata: state)
    }

    /// The step files, newest first.
    public func stepFiles() -> [URL] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasPrefix("step-") && $0.hasSuffix(".safetensors") }
            .sorted(by: >)
            .map { directory.appendingPathComponent($0) }
    }

    /// The newest step file that reads and verifies, with its state (nil when none does).
    public func newestIntact() -> (url: URL, state: CheckpointState)? {
        for url in stepFiles() {
            if let state = try? Self.read(url) { return (url, state) }
        }
        return nil
    }

    /// Removes step files beyond the `keep` newest, never `protected` (the newest, verified one).
    private func prune(keeping protected: URL) throws {
        for url in stepFiles().dropFirst(keep) where url != protected {
            try? FileManager.default.removeItem(at: url)
        }
    }
}

/// A checkpoint whose bytes do not match the checksums stored in it.
public enum CheckpointIntegrityError: Error, CustomStringConvertible, Equatable {
    case damaged(path: String, entry: String)

    public var description: String {
        switch self {
        case let .damaged(path, entry):
            return "checkpoint \(path) is damaged: the bytes of '\(entry)' do not match their stored checksum; nothing "
                + "was restored from it"
        }
    }
}
