/// Why a checkpoint is written.
public enum CheckpointReason: String, Sendable {
    case periodic, final, interrupted
}

/// Receives complete training states (`SafeTensorsCheckpointStore` writes them as files).
public protocol CheckpointSink: AnyObject {
    func writeCheckpoint(_ state: CheckpointState, step: Int, reason: CheckpointReason) throws
}

/// Keeps checkpoints in memory (tests, short experiments).
public final class InMemoryCheckpointSink: CheckpointSink {
    public private(set) var checkpoints: [(step: Int, reason: CheckpointReason, state: CheckpointState)] = []
    public init() {}
    public func writeCheckpoint(_ state: CheckpointState, step: Int, reason: CheckpointReason) throws {
        checkpoints.append((step, reason, state))
    }
    public var latest: CheckpointState? { checkpoints.last?.state }
}
