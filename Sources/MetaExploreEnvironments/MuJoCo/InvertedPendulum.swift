/// InvertedPendulum-v5 (Gymnasium 1.4): balance a pole on a cart.
///
/// - Observation (4): `qpos` (cart position, pole angle), `qvel`.
/// - Reward: 1 per step while not terminated, 0 on the terminating step.
/// - Terminated when the observation is not finite or `|pole angle| > 0.2`; `make` adds the 1000-step limit.
/// - Reset: `qpos = init + U(−s, s)`, `qvel = init + U(−s, s)`, `s = reset_noise_scale` (0.01).
/// - Info: `reward_survive`.
public final class InvertedPendulum: MuJoCoEnvironment {
    public struct Configuration: Sendable, Equatable {
        public var xmlFile = "inverted_pendulum.xml"
        public var frameSkip = 2
        public var resetNoiseScale = 0.01

        public init() {}

        /// Gymnasium keyword names: `frame_skip`, `reset_noise_scale`.
        public init(options: [String: Double]) throws {
            var r = OptionReader(options)
            try r.read("frame_skip", into: &frameSkip)
            try r.read("reset_noise_scale", into: &resetNoiseScale)
            try r.finish("InvertedPendulum-v5")
        }
    }

    public let configuration: Configuration
    static let stepKeys = ["reward_survive"]

    public init(configuration: Configuration = Configuration()) throws {
        self.configuration = configuration
        try super.init(asset: configuration.xmlFile, frameSkip: configuration.frameSkip, observationCount: 4)
    }

    override func resetModel() {
        let s = configuration.resetNoiseScale
        let qpos = uniformNoise(initialQpos, scale: s)
        let qvel = uniformNoise(initialQvel, scale: s)
        simulation.setStateUnchecked(qpos: qpos, qvel: qvel)
    }

    override func observation() -> [Double] { Array(simulation.qpos) + Array(simulation.qvel) }

    override func finishStep(xBefore: Double) -> StepResult {
        let obs = observation()
        let terminated = !obs.allSatisfy(\.isFinite) || abs(obs[1]) > 0.2
        let reward: Double = terminated ? 0 : 1
        return StepResult(
            observation: obs, reward: reward, terminated: terminated, truncated: false,
            info: Info(keys: Self.stepKeys, values: [reward]))
    }
}
