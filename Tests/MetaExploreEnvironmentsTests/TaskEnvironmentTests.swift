import MetaExploreEnvironments
import MetaExploreRandom
import Testing

/// A one-dimensional goal task: the agent moves on a line by actions in [−1, 1] and is rewarded −|x − goal|; the
/// goal is the task, drawn from U(−1, 1).
final class GoalOnALine: TaskEnvironment {
    let observationSpace = Box.unbounded(1)
    let actionSpace = Space.box(Box(low: [-1], high: [1]))
    let taskFamily = "GoalOnALine-v0"
    private(set) var task = 0.0
    private var pending = 0.0
    private var x = 0.0

    func sampleTasks(_ count: Int, using rng: inout RandomStream) -> [Double] { (0..<count).map { _ in rng.uniform(-1, 1) } }

    func setTask(_ task: Double) throws {
        guard task.isFinite, abs(task) <= 1 else { throw EnvironmentError.invalidConfiguration("goal \(task) outside [−1, 1]") }
        pending = task
    }

    func descriptor(of task: Double) -> [Double] { [task] }

    func reset(seed: UInt64?, options: [String: Double]) throws -> (observation: [Double], info: Info) {
        task = pending
        x = 0
        return ([x], Info())
    }

    func step(_ action: [Double]) throws -> StepResult {
        x += action[0]
        return StepResult(observation: [x], reward: -abs(x - task), terminated: false, truncated: false)
    }
}

@Suite("Task environments") struct TaskEnvironmentTests {
    @Test func seededSamplingIsReproducible() {
        let env = GoalOnALine()
        #expect(env.sampleTasks(5, seed: 3) == env.sampleTasks(5, seed: 3))
        #expect(env.sampleTasks(5, seed: 3) != env.sampleTasks(5, seed: 4))
        #expect(env.sampleTasks(5, seed: 3).allSatisfy { abs($0) <= 1 })
    }

    /// A task set mid-episode applies from the next reset; the reward is the task's.
    @Test func taskAppliesAtTheNextReset() throws {
        let env = GoalOnALine()
        try env.setTask(0.5)
        _ = try env.reset(seed: 0)
        try env.setTask(-0.5)
        #expect(env.task == 0.5)
        #expect(try env.step([0.5]).reward == 0)
        _ = try env.reset(seed: 0)
        #expect(env.task == -0.5 && env.descriptor(of: env.task) == [-0.5])
        #expect(try env.step([0.5]).reward == -1)
        #expect(throws: EnvironmentError.self) { try env.setTask(3) }
    }
}
