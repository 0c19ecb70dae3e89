import MetaExploreNN
import MetaExploreTensor

extension DDPGLearner: Checkpointable {
    /// Every network parameter, prefixed by network name.
    public var namedNetworkParameters: [(name: String, tensor: Tensor)] {
        prefixed("actor", actor.namedParameters) + prefixed("critic", critic.namedParameters)
            + prefixed("target_actor", targetActor.namedParameters)
            + prefixed("target_critic", targetCritic.namedParameters)
    }

    public func saveState(into state: inout CheckpointState, prefix: String) {
        state.add(prefix: prefix, namedNetworkParameters)
        state.add(prefix: prefix + "actor_optimizer.", actorOptimizer.stateTensors)
        state.add(prefix: prefix + "critic_optimizer.", criticOptimizer.stateTensors)
        state.set(prefix + "updates", updates)
    }

    public func restoreState(from state: CheckpointState, prefix: String) throws {
        try state.restore(prefix: prefix, into: namedNetworkParameters)
        try actorOptimizer.loadState(state.tensors(prefix: prefix + "actor_optimizer."))
        try criticOptimizer.loadState(state.tensors(prefix: prefix + "critic_optimizer."))
        updates = try state.value(prefix + "updates")
    }
}
