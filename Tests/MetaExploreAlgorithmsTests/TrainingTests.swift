import Foundation
import MetaExploreAlgorithms
import MetaExploreTensor
import Testing

private func ddpgSettings() -> (DDPGLearnerConfiguration, OffPolicyAgentSettings) {
    var learner = DDPGLearnerConfiguration()
    learner.hiddenSizes = [32, 32]
    learner.actorLearningRate = 1e-3
    learner.criticLearningRate = 1e-3
    learner.criticL2 = 0
    learner.gamma = 0.9
    learner.tau = 0.05
    var agent = OffPolicyAgentSettings()
    agent.noise = .gaussian
    agent.noiseScale = 0.3
    agent.batchSize = 64
    agent.bufferSize = 10_000
    agent.warmupSteps = 200
    agent.normalizeObservations = true
    return (learner, agent)
}

private func td3Settings() -> (TD3LearnerConfiguration, OffPolicyAgentSettings) {
    var learner = TD3LearnerConfiguration()
    learner.hiddenSizes = [32, 32]
    learner.gamma = 0.9
    learner.tau = 0.05
    var agent = OffPolicyAgentSettings()
    agent.noise = .gaussian
    agent.noiseScale = 0.3
    agent.batchSize = 64
    agent.bufferSize = 10_000
    agent.warmupSteps = 200
    agent.normalizeObservations = false
    return (learner, agent)
}

/// Mean optimal and zero-action returns over the evaluation starts of the last evaluation.
private func references(_ env: PointReach, episodes: Int) -> (optimal: Double, zero: Double) {
    let starts = env.starts.suffix(episodes)
    return (starts.map(PointReach.optimalReturn).reduce(0, +) / Double(starts.count),
            starts.map(PointReach.zeroActionReturn).reduce(0, +) / Double(starts.count))
}

@Test func ddpgLearnsPointReachNearOptimally() throws {
    let (learner, settings) = ddpgSettings()
    let agent = DDPGAgent(observationSize: 1, actionSize: 1, learner: learner, settings: settings, seed: 1)
    let env = PointReach(), evalEnv = PointReach()
    let schedule = TrainingSchedule(totalSteps: 3000, warmupSteps: settings.warmupSteps, evalInterval: 1000,
                                    evalEpisodes: 20, seed: 1)
    let trainer = OffPolicyTrainer(agent: agent, environment: env, evaluationEnvironment: evalEnv, schedule: schedule)
    let summary = try trainer.run()
    let final = summary.evaluations.last!
    let (optimal, zero) = references(evalEnv, episodes: 20)
    print("DDPG PointReach: eval returns \(summary.evaluations.map(\.mean)), optimal \(optimal), zero policy \(zero)")
    #expect(final.mean >= optimal - 0.3, "DDPG reached \(final.mean), optimal \(optimal)")
    #expect(zero < optimal - 3)  // the task separates a working learner from a broken one
}

@Test func td3LearnsPointReachNearOptimally() throws {
    let (learner, settings) = td3Settings()
    let agent = TD3Agent(observationSize: 1, actionSize: 1, learner: learner, settings: settings, seed: 2)
    let env = PointReach(), evalEnv = PointReach()
    let schedule = TrainingSchedule(totalSteps: 3000, warmupSteps: settings.warmupSteps, evalInterval: 1000,
                                    evalEpisodes: 20, seed: 2)
    let trainer = OffPolicyTrainer(agent: agent, environment: env, evaluationEnvironment: evalEnv, schedule: schedule)
    let summary = try trainer.run()
    let (optimal, zero) = references(evalEnv, episodes: 20)
    print("TD3 PointReach: eval returns \(summary.evaluations.map(\.mean)), optimal \(optimal), zero policy \(zero)")
    #expect(summary.evaluations.last!.mean >= optimal - 0.3, "TD3 reached \(summary.evaluations.last!.mean), optimal \(optimal)")
}

private func makeDDPGTrainer(seed: UInt64 = 3, totalSteps: Int, noise: ExplorationNoiseType = .ornsteinUhlenbeck,
                             sink: CheckpointSink? = nil, stop: StopRequest = StopRequest(), run: RunDirectory? = nil,
                             checkpointInterval: Int = 0) -> (OffPolicyTrainer<DDPGAgent, PointReach>, PointReach) {
    var (learner, settings) = ddpgSettings()
    settings.noise = noise
    settings.warmupSteps = 50
    let agent = DDPGAgent(observationSize: 1, actionSize: 1, learner: learner, settings: settings, seed: seed)
    let env = PointReach()
    let schedule = TrainingSchedule(totalSteps: totalSteps, warmupSteps: 50, evalInterval: 100, evalEpisodes: 2,
                                    checkpointInterval: checkpointInterval, logInterval: 50, seed: seed)
    return (OffPolicyTrainer(agent: agent, environment: env, evaluationEnvironment: PointReach(), schedule: schedule,
                             runDirectory: run, checkpointSink: sink, stop: stop), env)
}

private func parameters(_ agent: DDPGAgent) -> [[Float]] { agent.learner.namedNetworkParameters.map(\.tensor.scalars) }

@Test(arguments: [ExplorationNoiseType.ornsteinUhlenbeck, .parameter])
func resumingFromACheckpointIsExact(noise: ExplorationNoiseType) throws {
    let (straight, _) = makeDDPGTrainer(totalSteps: 400, noise: noise)
    try straight.run()

    let sink = InMemoryCheckpointSink()
    let (first, _) = makeDDPGTrainer(totalSteps: 400, noise: noise, sink: sink, checkpointInterval: 200)
    // Stop after step 200 (an episode boundary: episodes last 20 steps).
    let stop = first.stop
    first.environment.onStep = { if $0 == 200 { stop.request(reason: "test") } }
    let summary = try first.run()
    #expect(summary.steps == 200 && summary.interruption == "test")
    #expect(sink.checkpoints.map(\.reason) == [.interrupted])
    let (second, _) = makeDDPGTrainer(totalSteps: 400, noise: noise)
    try second.restoreState(sink.latest!)
    #expect(second.step == 200)
    let resumed = try second.run()
    #expect(resumed.steps == 400)
    #expect(parameters(second.agent) == parameters(straight.agent), "resumed parameters differ from the straight run")
    #expect(second.agent.learner.actorOptimizer.stepCount == straight.agent.learner.actorOptimizer.stepCount)
    // Everything but the measured wall-clock time.
    func saved(_ t: OffPolicyTrainer<DDPGAgent, PointReach>) -> [String: String] {
        t.saveState().metadata.filter { $0.key != "runner.wall_time" }
    }
    #expect(saved(second) == saved(straight))
}

@Test func checkpointStateCollectsEverything() throws {
    let sink = InMemoryCheckpointSink()
    let (trainer, _) = makeDDPGTrainer(totalSteps: 120, noise: .parameter, sink: sink, checkpointInterval: 100)
    try trainer.run()
    #expect(sink.checkpoints.map(\.step) == [100, 120])
    #expect(sink.checkpoints.map(\.reason) == [.periodic, .final])
    let state = sink.latest!
    let names = Set(state.tensors.map(\.name))
    for required in ["agent.learner.actor.0.weight", "agent.learner.target_critic.out.bias",
                     "agent.learner.actor_optimizer.m.0", "agent.learner.critic_optimizer.step",
                     "agent.replay.observations", "agent.replay.truncated", "agent.normalizer.mean",
                     "agent.perturbed_actor.0.weight"] {
        #expect(names.contains(required), "missing tensor \(required)")
    }
    for key in ["runner.step", "runner.rng.warmup", "runner.rng.episode_seeds", "agent.rng.noise", "agent.rng.sampling",
                "agent.replay.position", "agent.param_noise.stddev", "agent.learner.updates"] {
        #expect(state.metadata[key] != nil, "missing metadata \(key)")
    }
    #expect(state.metadata["runner.step"] == "120")
}

@Test func nonFiniteLossStopsTheRunAndKeepsTheLastGoodCheckpoint() throws {
    let sink = InMemoryCheckpointSink()
    let (trainer, env) = makeDDPGTrainer(totalSteps: 1000, sink: sink, checkpointInterval: 100)
    env.nanRewardFrom = 250
    do {
        try trainer.run()
        Issue.record("a NaN reward did not stop the run")
    } catch let error as TrainingError {
        guard case .diverged(let step, let what, let lastCheckpoint) = error else {
            Issue.record("expected a divergence, got \(error)")
            return
        }
        #expect(step >= 250 && step < 300, "detected at step \(step) (\(what))")
        #expect(lastCheckpoint == 200)
        #expect(error.description.contains("not finite") && error.description.contains("checkpoint of step 200"))
    }
    #expect(sink.checkpoints.map(\.step) == [100, 200])
    #expect(firstNonFinite(sink.latest!.tensors) == nil)
}

@Test func signalsBecomeStopRequests() async throws {
    let stop = StopRequest()
    let handler = SignalStopHandler(stop: stop, signals: [SIGUSR1])
    defer { handler.cancel() }
    kill(getpid(), SIGUSR1)  // process-directed, like Ctrl-C or `kill`
    for _ in 0..<200 where !stop.isRequested { try await Task.sleep(nanoseconds: 10_000_000) }
    #expect(stop.isRequested)
    #expect(stop.requestReason?.contains("signal") == true)
}

@Test func trainingWritesTheRunDirectory() throws {
    let trainRoot = temporaryDirectory("train")
    defer { try? FileManager.default.removeItem(at: trainRoot) }
    let dir = trainRoot.appendingPathComponent("run")
    let run = try RunDirectory(url: dir)
    let (trainer, _) = makeDDPGTrainer(totalSteps: 200, run: run)
    try trainer.run()
    let csv = try String(contentsOf: run.csvURL, encoding: .utf8).split(separator: "\n")
    #expect(csv.first == "step," + trainer.columns.joined(separator: ","))
    #expect(csv.count == 1 + 4)  // records at 50, 100, 150, 200
    let jsonl = try String(contentsOf: run.jsonLinesURL, encoding: .utf8).split(separator: "\n")
    #expect(jsonl.count == 4 && jsonl[1].contains("\"eval_return\""))
    let tb = try FileManager.default.contentsOfDirectory(atPath: run.tensorBoardURL.path)
    let records = try TFRecord.parse([UInt8](Data(contentsOf: run.tensorBoardURL.appendingPathComponent(tb[0]))))
    #expect(records.count == 1 + 4)
}

@Test func td3ResumeIsExact() throws {
    func make(_ sink: CheckpointSink?) -> OffPolicyTrainer<TD3Agent, PointReach> {
        var (learner, settings) = td3Settings()
        settings.warmupSteps = 50
        let agent = TD3Agent(observationSize: 1, actionSize: 1, learner: learner, settings: settings, seed: 5)
        let schedule = TrainingSchedule(totalSteps: 300, warmupSteps: 50, evalInterval: 100, evalEpisodes: 1,
                                        checkpointInterval: 160, seed: 5)
        return OffPolicyTrainer(agent: agent, environment: PointReach(), evaluationEnvironment: PointReach(),
                                schedule: schedule, checkpointSink: sink)
    }
    let straight = make(nil)
    try straight.run()
    let sink = InMemoryCheckpointSink()
    try make(sink).run()
    let resumed = make(nil)
    try resumed.restoreState(sink.checkpoints.first { $0.step == 160 }!.state)
    try resumed.run()
    #expect(resumed.agent.learner.namedNetworkParameters.map(\.tensor.scalars)
            == straight.agent.learner.namedNetworkParameters.map(\.tensor.scalars))
    #expect(resumed.agent.learner.rng == straight.agent.learner.rng)
}

@Test func trainingSessionRunsAPresetEndToEnd() throws {
    let config = try Experiments.configuration(preset: 
        "ddpg-pendulum",
        overrides: ["environment=PointReach", "run.totalSteps=100", "run.evalInterval=50", "run.evalEpisodes=1",
                    "agent.warmupSteps=20", "agent.bufferSize=1000", "learner.hiddenSizes=[8]", "run.logInterval=25"])
    let sessionRoot = temporaryDirectory("session")
    defer { try? FileManager.default.removeItem(at: sessionRoot) }
    let out = sessionRoot.appendingPathComponent("run")
    var options = TrainingSessionOptions(outputDirectory: out, checkpointSink: InMemoryCheckpointSink())
    options.showProgress = false
    var made = 0
    let summary = try TrainingSession.run(config, options: options) {
        made += 1
        return PointReach()
    }
    #expect(made == 2)  // one environment for training, one for evaluation
    #expect(summary.steps == 100 && summary.evaluations.count == 2)
    let saved = try String(contentsOf: out.appendingPathComponent("config.yaml"), encoding: .utf8)
    #expect(try Experiments.registry.load(yaml: saved) == config)
    let sink = options.checkpointSink as! InMemoryCheckpointSink
    #expect(sink.latest?.metadata["config"] == saved)
}

/// The control for the learning tests: the same run without learner updates stays far from the optimum, so the
/// thresholds above can only be met by learning.
@Test func withoutUpdatesPointReachStaysFarFromOptimal() throws {
    let (learner, settings) = ddpgSettings()
    let agent = DDPGAgent(observationSize: 1, actionSize: 1, learner: learner, settings: settings, seed: 1)
    let evalEnv = PointReach()
    let schedule = TrainingSchedule(totalSteps: 3000, warmupSteps: settings.warmupSteps, updatesPerStep: 0,
                                    evalInterval: 1000, evalEpisodes: 20, seed: 1)
    let summary = try OffPolicyTrainer(agent: agent, environment: PointReach(), evaluationEnvironment: evalEnv,
                                       schedule: schedule).run()
    let (optimal, _) = references(evalEnv, episodes: 20)
    #expect(summary.updates == 0)
    #expect(summary.evaluations.last!.mean < optimal - 1, "an untrained actor scored \(summary.evaluations.last!.mean)")
}
