/// A paper's experiment as a family registers it: algorithms × environments × seeds, each job one `metaexplore
/// train` run, with the reference numbers to print beside ours. `metaexplore reproduce` runs it (`Reproduction`).
public struct ReproductionPlan: Sendable {
    public var name: String
    public var title: String
    public var algorithms: [String]
    public var environments: [String]
    public var seeds: [Int]
    /// The `train` arguments of one job (without `--out`), e.g. `["--preset", "ddpg-pendulum", "--seed", "3"]`.
    public var trainArguments: @Sendable (_ algorithm: String, _ environment: String, _ seed: Int) -> [String]
    /// Reference values per algorithm and environment, printed in the table (e.g. "−123 ± 10").
    public var references: [String: [String: String]]
    /// Where the references come from.
    public var referenceSource: String
    /// Further learning-curve figures per environment (besides evaluation return against steps).
    public var extraFigures: [CurveFigure]
    /// What the runs' `eval_return` is, for the table's header ("evaluation return (deterministic policy)" unless
    /// the family's evaluation is another, e.g. a meta-RL policy's return after adaptation).
    public var evaluationDescription = "evaluation return (deterministic policy)"
    /// Evaluation returns per environment whose first crossing is tabulated in `results.md` (steps to reach them,
    /// `ThresholdCrossing`), e.g. a level the paper quotes sample efficiency at.
    public var thresholds: [String: Double]
    /// Digits after the decimal point in the results table (1 unless the returns are small, e.g. DREAM's grid worlds,
    /// whose optimum 0.8 and 95% level 0.76 differ in the second).
    public var tableDecimals = 1

    /// A learning-curve figure from two columns of every run's `progress.csv`: one line (mean, ±1 std band) per
    /// algorithm whose runs log the column; written as `curve-<environment>-<name>.png`.
    public struct CurveFigure: Sendable {
        public var name: String
        public var xColumn: String, yColumn: String
        public var xLabel: String, yLabel: String
        public var title: String
        /// Also tabulate every algorithm's y at the largest x all runs of the task reached (for wall-clock time: the
        /// comparison at the same time budget), in `results.md`.
        public var tabulateAtCommonEnd: Bool

        public init(name: String, xColumn: String, yColumn: String, xLabel: String, yLabel: String, title: String,
                    tabulateAtCommonEnd: Bool = false) {
            self.name = name
            self.xColumn = xColumn
            self.yColumn = yColumn
            self.xLabel = xLabel
            self.yLabel = yLabel
            self.title = title
            self.tabulateAtCommonEnd = tabulateAtCommonEnd
        }
    }

    public init(name: String, title: String, algorithms: [String], environments: [String], seeds: [Int],
                references: [String: [String: String]] = [:], referenceSource: String = "",
                extraFigures: [CurveFigure] = [], thresholds: [String: Double] = [:],
                evaluationDescription: String = "evaluation return (deterministic policy)",
                trainArguments: @escaping @Sendable (String, String, Int) -> [String]) {
        self.name = name
        self.title = title
        self.algorithms = algorithms
        self.environments = environments
        self.seeds = seeds
        self.references = references
        self.referenceSource = referenceSource
        self.extraFigures = extraFigures
        self.thresholds = thresholds
        self.evaluationDescription = evaluationDescription
        self.trainArguments = trainArguments
    }
}
