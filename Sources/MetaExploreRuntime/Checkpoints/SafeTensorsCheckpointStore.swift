import Foundation
import MetaExploreNN

/// Checkpoints of a run as `.safetensors` files under `<run>/checkpoints/`.
///
/// Every checkpoint is written atomically (temporary file, fsync, rename) as `step-<N>.safetensors`, then becomes
/// `latest.safetensors` (again by an atomic write: a crash leaves either the old or the new file, never a torn
/// one). The `keep` most recent step files are kept. Files open in PyTorch/NumPy (`safetensors.numpy.load_file`):
/// tensors under dotted names, the run's metadata (configuration YAML, counters, generator states) in
/// `__metadata__`. A damaged file is reported by name and left untouched.
public final class SafeTensorsCheckpointStore: CheckpointSink {
    public let directory: URL
    public let keep: Int
    public private(set) var lastWritten: URL?

    public init(directory: URL, keep: Int = 3) throws {
        precondition(keep >= 1, "keep at least one checkpoint")
        self.directory = directory
        self.keep = keep
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    public var latestURL: URL { directory.appendingPathComponent("latest.safetensors") }

    public func url(step: Int) -> URL {
        directory.appendingPathComponent(String(format: "step-%010d.safetensors", step))
    }

    public func writeCheckpoint(_ state: CheckpointState, step: Int, reason: CheckpointReason) throws {
        var metadata = state.metadata
        metadata["checkpoint_step"] = String(step)
        metadata["checkpoint_reason"] = "\(reason)"
        let target = url(step: step)
        try SafeTensors.write(state.tensors, metadata: metadata, to: target)
        try SafeTensors.write(state.tensors, metadata: metadata, to: latestURL)
        lastWritten = target
        try prune()
    }

    /// Reads a checkpoint back into a `CheckpointState` (errors name the file and what is wrong).
    public static func read(_ url: URL) throws -> CheckpointState {
        let file = try SafeTensors.read(from: url)
        return CheckpointState(tensors: file.names.map { ($0, file[$0]!) }, metadata: file.metadata)
    }

    private func prune() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasPrefix("step-") && $0.hasSuffix(".safetensors") }
            .sorted()
        for name in files.dropLast(keep) {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
    }
}
