/// Xu et al. 2018's comparisons: Meta, Meta (variance) and DDPG (Table 2, Figure 4).
enum MetaPolicyGradientPlans {
   /// The preset suffix of an environment id ("InvertedDoublePendulum-v5" → "inverteddoublependulum").
    static func taskName(_ environment: String) -> String {
        String(environment.split(separator: "-").first ?? Substring(environment)).lowercased()
    }

    /// `train` arguments for the meta-policy-gradient comparison: Meta variants on `meta-<task>`, DDPG on
    /// `ddpg-paper-<task>` (baselines DDPG at the same budget).
    /// Every run keeps its first and latest 5000 states per acting policy for the Figure 4 analysis (50 D0
    /// rollouts of 100 steps on the 100-step tasks; recording draws no random numbers).
    @Sendable static func xu2018Arguments(_ algorithm: String, _ environment: String, _ seed: Int) -> [String] {
        let task = taskName(environment)
        let record = ["--set", "run.visitationWindow=5000"]
        if algorithm == "ddpg" { return ["--preset", "ddpg-paper-\(task)", "--seed", "\(seed)"] + record }
        return ["--preset", "meta-\(task)", "--algo", algorithm, "--seed", "\(seed)"] + record
    }

    static let xu2018Table2: [String: [String: String]] = [
        "meta": ["InvertedDoublePendulum-v5": "7718 ± 277", "InvertedPendulum-v5": "745 ± 27", "Hopper-v5": "205 ± 41",
                 "Pendulum-v1": "−123 ± 10", "HalfCheetah-v5": "2011 ± 339", "Reacher-v5": "−12.16 ± 1.19"],
        "ddpg": ["InvertedDoublePendulum-v5": "2795 ± 1325", "InvertedPendulum-v5": "499 ± 23", "Hopper-v5": "135 ± 42",
                 "Pendulum-v1": "−206 ± 31", "HalfCheetah-v5": "1594 ± 298", "Reacher-v5": "−11.67 ± 3.39"],
        "meta-variance": ["InvertedDoublePendulum-v5": "(figure 2 only)"],
    ]

    static let table2 = ReproductionPlan(
        name: "xu2018-table2",
        title: "Learning to explore via meta-policy gradient (Xu et al. 2018): Meta, Meta (variance) and DDPG",
        algorithms: ["meta", "meta-variance", "ddpg"],
        environments: ["Pendulum-v1", "InvertedPendulum-v5", "InvertedDoublePendulum-v5"], seeds: [0, 1, 2, 3, 4],
        references: xu2018Table2,
        referenceSource: "Xu et al. 2018, Table 2 (3 seeds; gym v1/v0 environments, paper budgets 0.9M/1.5M/1.5M)",
        trainArguments: xu2018Arguments)

    static let allTasks = ReproductionPlan(
        name: "xu2018-all", title: "Meta-policy gradient vs DDPG on the paper's six tasks (3 seeds)",
        algorithms: ["meta", "ddpg"],
        environments: ["Pendulum-v1", "InvertedPendulum-v5", "InvertedDoublePendulum-v5", "Hopper-v5",
                       "HalfCheetah-v5", "Reacher-v5"],
        seeds: [0, 1, 2], references: xu2018Table2,
        referenceSource: "Xu et al. 2018, Table 2 (3 seeds; gym v1/v0 environments)",
        trainArguments: xu2018Arguments)

    static var all: [ReproductionPlan] { [table2, allTasks] }
}
