import Foundation
import MetaExploreRandom

/// Pendulum-v1 (Gymnasium 1.4), in pure Swift: swing a frictionless pendulum up and keep it upright.
///
/// - State (θ, θ̇), θ = 0 upright. Observation: `(cos θ, sin θ, θ̇)` as float32 values (Gymnasium's observation
///   space is float32), carried as `Double`.
/// - Action: torque in [−2, 2], float32. Out-of-range torques are clipped to [−2, 2] (as Gymnasium does).
/// - Dynamics (dt = 0.05, m = l = 1, g = 10 by default): `θ̇' = clip(θ̇ + (3g/2l · sin θ + 3/(m l²) · u) · dt, ±8)`,
///   `θ' = θ + θ̇' · dt`.
/// - Reward: `−(normalize(θ)² + 0.1 θ̇² + 0.001 u²)` with normalize mapping to [−π, π). The torque terms are
///   float32, as in Gymnasium.
/// - Never terminates; `make` adds the 200-step time limit.
/// - Reset: θ ~ U(−x_init, x_init), θ̇ ~ U(−y_init, y_init) with defaults π and 1 (reset options `x_init`,
///   `y_init`).
public final class Pendulum: Environment {
    public struct Configuration: Sendable, Equatable {
        /// Gravity (Gymnasium's `g` keyword).
        public var g = 10.0

        public init() {}

        public init(options: [String: Double]) throws {
            var r = OptionReader(options)
            try r.read("g", into: &g)
            try r.finish("Pendulum-v1")
        }
    }

    public let configuration: Configuration
    public let maxSpeed = 8.0
    public let maxTorque = 2.0
    public let dt = 0.05
    public let m = 1.0
    public let l = 1.0
    public let observationSpace = Box(low: [-1, -1, -8], high: [1, 1, 8], dtype: .float32)
    public let actionSpace = Space.box(Box(low: [-2], high: [2], dtype: .float32))
    /// The environment's random stream (reset distribution).
    public var random = RandomStream(seed: 0)
    /// The state (θ, θ̇).
    public private(set) var theta = 0.0
    public private(set) var thetaDot = 0.0
    private var hasReset = false

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    public func reset(seed: UInt64?, options: [String: Double]) throws -> (observation: [Double], info: Info) {
        if let seed { random = RandomStream(seed: seed) }
        for key in options.keys where key != "x_init" && key != "y_init" {
            throw EnvironmentError.invalidConfiguration("Pendulum-v1 reset has options x_init and y_init, not \(key)")
        }
        let x = options["x_init"] ?? Double.pi
        let y = options["y_init"] ?? 1.0
        guard x.isFinite, y.isFinite else {
            throw EnvironmentError.invalidConfiguration("Pendulum-v1 reset options must be finite")
        }
        theta = random.uniform(-x, x)
        thetaDot = random.uniform(-y, y)
        hasReset = true
        return (observation, Info())
    }

    /// Sets the state exactly (Gymnasium's `env.unwrapped.state = [θ, θ̇]`) and returns its observation.
    @discardableResult
    public func setState(theta: Double, thetaDot: Double) -> [Double] {
        self.theta = theta
        self.thetaDot = thetaDot
        hasReset = true
        return observation
    }

    public var observation: [Double] {
        [Double(Float(cos(theta))), Double(Float(sin(theta))), Double(Float(thetaDot))]
    }

    public func step(_ action: [Double]) throws -> StepResult {
        guard hasReset else { throw EnvironmentError.needsReset("Call reset() before step().") }
        try checkAction(action, count: 1)
        let u = Swift.min(Swift.max(Float(action[0]), Float(-maxTorque)), Float(maxTorque))
        let g = configuration.g
        // Gymnasium squares NumPy scalars with `**`, which calls the C library's pow (not always equal to x·x).
        let costs = libmPow(Pendulum.angleNormalize(theta), 2) + 0.1 * libmPow(thetaDot, 2)
            + Double(Float(0.001) * libmPowf(u, 2))
        let torqueTerm = Float(3.0 / (m * l * l)) * u
        var newThetaDot = thetaDot + (3 * g / (2 * l) * sin(theta) + Double(torqueTerm)) * dt
        newThetaDot = Swift.min(Swift.max(newThetaDot, -maxSpeed), maxSpeed)
        theta = theta + newThetaDot * dt
        thetaDot = newThetaDot
        return StepResult(observation: observation, reward: -costs, terminated: false, truncated: false)
    }

    /// Maps an angle to [−π, π) with a floored modulo, as `(x + π) % 2π − π` does in NumPy.
    public static func angleNormalize(_ x: Double) -> Double {
        let period = 2 * Double.pi
        var r = fmod(x + Double.pi, period)
        if r != 0 && (r < 0) != (period < 0) { r += period }
        return r - Double.pi
    }
}
