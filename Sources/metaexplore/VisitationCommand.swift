import ArgumentParser
import Foundation
import MetaExplore

/// `metaexplore visitation RUN...`: where the teacher, the student and DDPG go, early and late (Xu et al. 2018, Fig. 4).
struct Visitation: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw the state-visitation densities of runs early and late in training (Xu et al. 2018, Figure 4).",
        discussion: "Each run must have been trained with --set run.visitationWindow=N (the first and latest N states "
            + "of every acting policy: teacher, student, or the behavior policy of an off-policy learner). All runs' states are "
            + "standardized and projected together onto their first two principal components. Writes the PNG and, "
            + "beside it, a Markdown summary (states, occupied cells, spread, teacher–student overlap).")

    @Argument(help: "Run folders (same environment), e.g. a learned-exploration run and its baseline.") var runs: [String]
    @Option(help: "Output image (default: visitation-<environment>.png).") var out: String?
    @Option(help: "Histogram bins per axis.") var bins: Int = 60

    func validate() throws {
        if runs.isEmpty { throw ValidationError("give at least one run folder") }
        if bins < 2 || bins > 1000 { throw ValidationError("--bins must be in 2...1000, got \(bins)") }
    }

    func run() throws {
        let records = try runs.map { try VisitationRecord(run: URL(fileURLWithPath: $0)) }
        let analysis = try StateVisitationAnalysis(records: records, bins: bins)
        let url = URL(fileURLWithPath: out ?? "visitation-\(records[0].environment).png")
        try analysis.write(figureTo: url)
        print(analysis.markdown())
        print("figure: \(url.path)")
    }
}
