import MetaExploreEnvironments
import MetaExploreRandom
import Testing

/// The meta-RL task families: rewards by hand on constructed states, clipping, seeded and held-out task lists,
/// `setTask` timing, horizons and the PointCorner oracle.
@Suite("Task families") struct TaskFamilyTests {
    // MARK: PointGoal

    @Test func pointGoalRewardIsMinusDistanceAfterTheClippedMove() throws {
        let env = PointGoal()
        try env.setTask(PlanarGoal(x: 0.3, y: -0.4))
        #expect(try env.reset(seed: 1).observation == [0, 0])
        // Action (0.5, −0.05) is clipped to (0.1, −0.05): s′ = (0.1, −0.05), r = −‖(−0.2, 0.35)‖.
        let r = try env.step([0.5, -0.05])
        #expect(r.observation == [0.1, -0.05])
        #expect(abs(r.reward + (0.2 * 0.2 + 0.35 * 0.35).squareRoot()) < 1e-15)
        #expect(!r.terminated && !r.truncated)
        // Constructed state: from (0.3, −0.3) a step of (0, −0.1) lands on the goal: reward 0.
        env.setPosition(x: 0.3, y: -0.3)
        let atGoal = try env.step([0, -0.1])
        #expect(abs(atGoal.reward) < 1e-15)
        #expect(!atGoal.terminated)  // never terminates by default
        #expect(env.actionSpace.box?.high == [0.1, 0.1])
    }

    @Test func pointGoalMAMLToleranceOptionTerminates() throws {
        let env = try make("PointGoal-v1", options: ["goal_tolerance": 0.01])
        try (env.unwrapped as! PointGoal).setTask(PlanarGoal(x: 0.1, y: 0))
        _ = try env.reset(seed: 0)
        #expect(try env.step([0.1, 0.005]).terminated)
    }

    @Test func pointGoalSamplesTheSquareAndRejectsOutsideGoals() throws {
        let env = PointGoal()
        let tasks = env.sampleTasks(200, seed: 5)
        #expect(tasks.allSatisfy { abs($0.x) <= 0.5 && abs($0.y) <= 0.5 })
        #expect(tasks.contains { $0.x < -0.4 } && tasks.contains { $0.y > 0.4 })
        #expect(throws: EnvironmentError.self) { try env.setTask(PlanarGoal(x: 0.6, y: 0)) }
        #expect(throws: EnvironmentError.self) { try env.setTask(PlanarGoal(x: .nan, y: 0)) }
    }

    // MARK: PointCorner

    @Test func pointCornerRewardByHand() throws {
        let env = PointCorner()
        try env.setTask(PlanarGoal(x: 2, y: 2))
        _ = try env.reset(seed: 3)
        // Distance 1 after the move → reward 1.
        env.setPosition(x: 1, y: 2)
        var r = try env.step([0, 0])
        #expect(r.reward == 1)
        // Distance exactly 2 → 0, beyond 2 → 0, at the goal → 2.
        env.setPosition(x: 0, y: 2)
        #expect(try env.step([0, 0]).reward == 0)
        env.setPosition(x: -1, y: -1)
        #expect(try env.step([0.2, 0.2]).reward == 0)
        env.setPosition(x: 1.8, y: 2)
        r = try env.step([0.2, 0])
        #expect(r.reward == 2 && r.observation == [2, 2])
        // The reward is paid after the move: from distance 1.2, a 0.2 step toward the goal pays 1.
        env.setPosition(x: 0.8, y: 2)
        #expect(abs(try env.step([0.2, 0]).reward - 1) < 1e-15)
        #expect(PointCorner.reward(x: 2, y: 0.5, goal: PlanarGoal(x: 2, y: 2)) == 0.5)
    }

    @Test func pointCornerClipsActionsThenState() throws {
        let env = PointCorner()
        try env.setTask(PlanarGoal(x: -2, y: 2))
        _ = try env.reset(seed: 0)
        env.setPosition(x: 0, y: 0)
        #expect(try env.step([5, -5]).observation == [0.2, -0.2])  // actions clipped to ±0.2
        env.setPosition(x: 3.9, y: -3.9)
        #expect(try env.step([0.2, -0.2]).observation == [4, -4])  // state clipped to ±4 after the move
        env.setPosition(x: 4, y: -4)
        #expect(try env.step([1, -1]).observation == [4, -4])
        #expect(try env.step([-1, 1]).observation == [3.8, -3.8])
        #expect(throws: EnvironmentError.self) { try env.setTask(PlanarGoal(x: 1, y: 1)) }
    }

    @Test func pointCornerStartsNearTheOriginAndSamplesCorners() throws {
        let env = PointCorner()
        for seed in 0..<50 {
            let s = try env.reset(seed: UInt64(seed)).observation
            #expect(abs(s[0]) <= 0.2 && abs(s[1]) <= 0.2)
        }
        let tasks = env.sampleTasks(400, seed: 1)
        for corner in PointCorner.corners { #expect(tasks.filter { $0 == corner }.count > 60) }
    }

    /// Walking straight to the corner at full speed from the origin: nothing for two steps, then the approach,
    /// then 2 per step for 90 steps — 188.08…, the seed's "about 188".
    @Test func pointCornerOracleReturn() throws {
        let expected = 188.08040405071068
        #expect(abs(PointCorner.oracleReturnFromOrigin - expected) < 1e-9)
        let env = try make("PointCorner-v1")
        try (env.unwrapped as! PointCorner).setTask(PlanarGoal(x: -2, y: 2))
        _ = try env.reset(seed: 0)
        (env.unwrapped as! PointCorner).setPosition(x: 0, y: 0)
        var total = 0.0, steps = 0, s = [0.0, 0.0]
        while true {
            let r = try env.step([max(min(-2 - s[0], 0.2), -0.2), max(min(2 - s[1], 0.2), -0.2)])
            total += r.reward
            steps += 1
            s = r.observation
            #expect(!r.terminated)
            if r.truncated { break }
        }
        #expect(steps == 100)
        #expect(abs(total - expected) < 1e-9)
    }

    // MARK: Shared semantics

    @Test func heldOutListsArePinnedAndDisjointFromTraining() throws {
        let goals = PointGoal.testTasks()
        #expect(goals.count == 40)
        #expect(goals == PointGoal.testTasks())
        #expect(Array(goals.prefix(10)) == PointGoal.testTasks(count: 10))
        #expect(goals == PointGoal().heldOutTasks())
        // Pinned values: the list is part of the family's definition.
        #expect(abs(goals[0].x - pinned.pointGoal[0]) < 1e-15 && abs(goals[0].y - pinned.pointGoal[1]) < 1e-15)
        #expect(abs(goals[1].x - pinned.pointGoal[2]) < 1e-15 && abs(goals[1].y - pinned.pointGoal[3]) < 1e-15)
        let velocities = HalfCheetahVel.testTasks()
        #expect(abs(velocities[0] - pinned.cheetahVelocity[0]) < 1e-15)
        #expect(abs(velocities[1] - pinned.cheetahVelocity[1]) < 1e-15)
        #expect(velocities.allSatisfy { $0 >= 0 && $0 <= 2 })
        #expect(Array(PointCorner.testTasks(count: 4)) == pinned.corners.map { PointCorner.corners[$0] })
        #expect(HalfCheetahDir.testTasks(count: 4) == pinned.directions)
        #expect(AntDir.testTasks() == HalfCheetahDir.testTasks())
        #expect(AntVel.testTasks().allSatisfy { $0 >= 0 && $0 <= 3 })
        // A training run seeded with the held-out seed still draws other tasks (different stream).
        let training = PointGoal().sampleTasks(40, seed: HeldOutTasks.seed)
        #expect(Set(training).isDisjoint(with: Set(goals)))
        #expect(training == PointGoal().sampleTasks(40, seed: HeldOutTasks.seed))
    }

    @Test func setTaskAppliesAtTheNextReset() throws {
        let env = PointGoal()
        try env.setTask(PlanarGoal(x: 0.5, y: 0))
        _ = try env.reset(seed: 0)
        try env.setTask(PlanarGoal(x: -0.5, y: 0))
        #expect(env.task == PlanarGoal(x: 0.5, y: 0))
        #expect(abs(try env.step([0.1, 0]).reward + 0.4) < 1e-15)
        _ = try env.reset(seed: nil)
        #expect(env.task == PlanarGoal(x: -0.5, y: 0))
        #expect(env.descriptor(of: env.task) == [-0.5, 0])
        #expect(abs(try env.step([0.1, 0]).reward + 0.6) < 1e-15)

        let corner = PointCorner()
        try corner.setTask(PointCorner.corners[0])
        _ = try corner.reset(seed: 0)
        try corner.setTask(PointCorner.corners[1])
        #expect(corner.task == PointCorner.corners[0])
        _ = try corner.reset(seed: 0)
        #expect(corner.task == PointCorner.corners[1])

        let cheetah = try HalfCheetahVel()
        try cheetah.setTask(1.5)
        #expect(cheetah.task != 1.5)
        _ = try cheetah.reset(seed: 0)
        #expect(cheetah.task == 1.5)
    }

    @Test func horizonsTruncateAndPointTasksNeverTerminate() throws {
        for (id, horizon) in [("PointGoal-v1", 100), ("PointCorner-v1", 100)] {
            let env = try make(id)
            _ = try env.reset(seed: 0)
            var rng = RandomStream(seed: 9)
            for t in 1...horizon {
                let r = try env.step(env.actionSpace.sample(using: &rng).map { $0 * 3 })
                #expect(!r.terminated, "\(id)")
                #expect(r.truncated == (t == horizon), "\(id) step \(t)")
            }
        }
        let lengths = Dictionary(uniqueKeysWithValues: Registry.specs.map { ($0.id, $0.maxEpisodeSteps) })
        #expect(lengths["HalfCheetahVel-v1"] == 200 && lengths["HalfCheetahDir-v1"] == 200)
        #expect(lengths["AntDir-v1"] == 200 && lengths["AntVel-v1"] == 200)
        let cheetah = try make("HalfCheetahDir-v1")
        _ = try cheetah.reset(seed: 0)
        var last: StepResult?
        for _ in 0..<200 { last = try cheetah.step(Array(repeating: 0, count: 6)) }
        #expect(last?.truncated == true && last?.terminated == false)
        #expect(cheetah.observationSpace.count == 17)
        #expect(try make("AntDir-v1").observationSpace.count == 105)
    }

    // MARK: MuJoCo families

    /// A constructed state (the model's initial pose, moving forward at 1.3 m/s) stepped with a known action:
    /// the reward is −|vx − v*| − 0.05‖clip(a)‖² with vx = Δx/dt.
    @Test func halfCheetahVelocityRewardByHand() throws {
        let env = try HalfCheetahVel()
        try env.setTask(1.25)
        _ = try env.reset(seed: 0)
        var qvel = env.initialQvel
        qvel[0] = 1.3
        try env.setState(qpos: env.initialQpos, qvel: qvel)
        let x0 = env.simulation.qpos[0]
        let action = [0.5, -0.25, 2.0, 0, 0, 0]  // 2.0 is clipped to 1 for the cost
        let r = try env.step(action)
        let vx = (env.simulation.qpos[0] - x0) / env.dt
        #expect(r.info["x_velocity"] == vx)
        let ctrl = 0.05 * (0.25 + 0.0625 + 1)
        #expect(abs(r.reward - (-abs(vx - 1.25) - ctrl)) < 1e-12)
        #expect(abs(r.info["reward_ctrl"]! + ctrl) < 1e-15)
        #expect(vx > 0.5)  // the constructed forward velocity carries through the step
        #expect(throws: EnvironmentError.self) { try env.setTask(2.5) }
        let wide = try HalfCheetahVel(configuration: { var c = HalfCheetahVel.Configuration(); c.maxGoalVelocity = 3; return c }())
        try wide.setTask(2.5)
        #expect(wide.sampleTasks(100, seed: 0).contains { $0 > 2 })
    }

    @Test func halfCheetahDirectionRewardByHand() throws {
        let env = try HalfCheetahDir()
        for direction in [1.0, -1.0] {
            try env.setTask(direction)
            _ = try env.reset(seed: 0)
            var qvel = env.initialQvel
            qvel[0] = 2
            try env.setState(qpos: env.initialQpos, qvel: qvel)
            let x0 = env.simulation.qpos[0]
            let r = try env.step([0.1, 0, 0, 0, 0, -0.2])
            let vx = (env.simulation.qpos[0] - x0) / env.dt
            let ctrl = 0.05 * (Double(Float(0.1)) * Double(Float(0.1)) + Double(Float(0.2)) * Double(Float(0.2)))
            #expect(abs(r.reward - (direction * vx - ctrl)) < 1e-12)
        }
        #expect(throws: EnvironmentError.self) { try env.setTask(0.5) }
        let tasks = env.sampleTasks(100, seed: 2)
        #expect(tasks.allSatisfy { $0 == 1 || $0 == -1 } && Set(tasks).count == 2)
    }

    @Test func antRewardsByHand() throws {
        let dir = try AntDir()
        try dir.setTask(-1)
        _ = try dir.reset(seed: 0)
        var qvel = dir.initialQvel
        qvel[0] = 1
        try dir.setState(qpos: dir.initialQpos, qvel: qvel)
        let x0 = dir.simulation.xpos[3]
        let action = [0.5, 0, 0, 0, 0, 0, 0, -0.5]
        let r = try dir.step(action)
        let vx = (dir.simulation.xpos[3] - x0) / dir.dt
        let contact = -r.info["reward_contact"]!
        #expect(contact >= 0 && contact <= 0.0005 * 6 * 14)
        #expect(abs(r.reward - (-vx - 0.005 * 0.5 - contact + 0.05)) < 1e-12)
        #expect(r.info["x_velocity"] == vx)
        #expect(!r.terminated)

        let vel = try AntVel()
        try vel.setTask(2)
        _ = try vel.reset(seed: 0)
        try vel.setState(qpos: vel.initialQpos, qvel: qvel)
        let y0 = vel.simulation.xpos[3]
        let s = try vel.step(Array(repeating: 0, count: 8))
        let v = (vel.simulation.xpos[3] - y0) / vel.dt
        #expect(abs(s.reward - (-abs(v - 2) + 1 + s.info["reward_contact"]! + 0.05)) < 1e-12)
        // Torso above 1.0 (dropped from 1.5): terminated.
        var high = vel.initialQpos
        high[2] = 1.5
        try vel.setState(qpos: high, qvel: vel.initialQvel)
        #expect(try vel.step(Array(repeating: 0, count: 8)).terminated)
    }

    /// Values pinned from the first run of the held-out lists (seed `HeldOutTasks.seed`, stream "held-out-tasks").
    private let pinned = Pinned()
    private struct Pinned {
        let pointGoal: [Double] = [-0.07047989395077492, -0.2558225725418386, 0.1422838338445539, 0.11957463017996217]
        let cheetahVelocity: [Double] = [0.8590402120984502, 0.4883548549163228]
        let corners: [Int] = [1, 0, 2, 2]
        let directions: [Double] = [-1, -1, 1, 1]
    }
}
