import Foundation

/// The MAML family's policies adapt to tasks: `metaexplore meta-eval` and `FamilyRegistry.metaEvaluate` reach
/// `metaEvaluate(tasks:trajectoriesPerTask:steps:seed:)` through this conformance.
extension MAMLProcedure: AdaptingProcedure {
    public func adaptationCurve(tasks: Int, trajectories: Int, steps: Int, seed: UInt64) throws -> AdaptationCurve {
        let result = try metaEvaluate(tasks: tasks, trajectoriesPerTask: trajectories, steps: steps, seed: seed)
        return AdaptationCurve(returns: result.returns, table: result.table)
    }
}
