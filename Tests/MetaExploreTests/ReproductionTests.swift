import Foundation
import MetaExplore
import Testing

/// `Reproduction` end to end through the real `metaexplore` executable (built next to the test bundle by
/// `swift build --build-tests`): parallel training processes, results table and figure, and a second invocation
/// that skips finished jobs.
@Suite struct ReproductionTests {
    static var executable: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("metaexplore").path
    }

    /// Every built-in plan names presets and algorithms that resolve to valid configurations.
    @Test func builtInPlansResolve() throws {
        for plan in Reproduction.plans.values {
            for algorithm in plan.algorithms {
                for env in plan.environments {
                    let args = plan.trainArguments(algorithm, env, 0)
                    var preset: String?, algo: String?, overrides: [String] = []
                    var i = 0
                    while i < args.count {
                        switch args[i] {
                        case "--preset": preset = args[i + 1]
                        case "--algo": algo = args[i + 1]
                        case "--env": overrides.append("environment=\(args[i + 1])")
                        case "--steps": overrides.append("run.totalSteps=\(args[i + 1])")
                        case "--seed": overrides.append("run.seed=\(args[i + 1])")
                        case "--set": overrides.append(args[i + 1])
                        default: Issue.record("unexpected argument \(args[i]) in plan \(plan.name)")
                        }
                        i += 2
                    }
                    let config = try FamilyRegistry.builtIn.configuration(algorithm: algo, preset: preset, overrides: overrides)
                    // `label` is the algorithm name, with CMP's β: cmp-0, cmp-1.
                    #expect(config.label == algorithm, "\(plan.name): \(algorithm) on \(env)")
                    #expect(config.environment == env, "\(plan.name): \(algorithm) on \(env)")
                }
            }
        }
    }

    /// cmp-2019 runs every method at the `cmp-<task>` preset's budget and settings (L2Explore with its own
    /// teacher-step count: 100 on the 1000-step tasks, 1 elsewhere), DDPG at the same budget; cmp-2019-nested-metaq
    /// the same CMP runs with Algorithm 1's Q̂ nesting.
    @Test(arguments: [("cmp-2019", MetaQSchedule.perIteration), ("cmp-2019-nested-metaq", .perTeacherUpdate)])
    func cmpPlanMatchesTheCMPPresets(name: String, schedule: MetaQSchedule) throws {
        let registry = FamilyRegistry.builtIn
        let plan = try #require(Reproduction.plans[name])
        for env in plan.environments {
            let presetName = "cmp-" + env.split(separator: "-")[0].lowercased()
            let preset = try #require(registry.configuration(preset: presetName).typed(CMPExperimentConfiguration.self))
            for (algorithm, variant) in [("cmp-0", CMPVariant.cmp(beta: 0)), ("cmp-1", .cmp(beta: 1)), ("ma2c", .ma2c),
                                         ("l2explore", .l2explore)] where plan.algorithms.contains(algorithm) {
                let args = plan.trainArguments(algorithm, env, 2)
                var overrides: [String] = [], algo: String?
                for i in stride(from: 0, to: args.count, by: 2) where args[i] == "--set" || args[i] == "--algo" {
                    if args[i] == "--set" { overrides.append(args[i + 1]) } else { algo = args[i + 1] }
                }
                let preset2 = args[args.firstIndex(of: "--preset")! + 1]
                let resolved = try registry.configuration(algorithm: algo, preset: preset2, overrides: overrides)
                guard let c = resolved.typed(CMPExperimentConfiguration.self) else {
                    Issue.record("\(algorithm) is not a CMP configuration"); continue
                }
                var expected = preset.cmpConfiguration
                expected.variant = variant
                if case .cmp(let beta) = variant { expected.beta = beta }
                if variant == .l2explore { expected.teacherUpdates = expected.explorationSteps == 1000 ? 100 : 1 }
                expected.metaQ.schedule = schedule
                #expect(c.cmpConfiguration == expected, "\(algorithm) on \(env)")
            }
            guard plan.algorithms.contains("ddpg") else { continue }
            let ddpg = plan.trainArguments("ddpg", env, 2)
            let config = try registry.configuration(preset: ddpg[1], overrides: [])
            #expect(config.run.totalSteps == preset.run.totalSteps, "ddpg on \(env)")
        }
    }

    @Test func tinyGridWritesTableFigureAndResumes() throws {
        let exe = Self.executable
        try #require(FileManager.default.isExecutableFile(atPath: exe),
                     "metaexplore not found at \(exe); build it with `swift build -c release --build-tests`")
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("me-repro-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let plan = ReproductionPlan(
            name: "tiny", title: "tiny", algorithms: ["ddpg"], environments: ["Pendulum-v1"], seeds: [0, 1],
            references: ["ddpg": ["Pendulum-v1": "ref"]],
            extraFigures: [
                .init(name: "time", xColumn: "wall_time", yColumn: "eval_return", xLabel: "seconds", yLabel: "return", title: "t",
                      tabulateAtCommonEnd: true),
                .init(name: "absent", xColumn: "step", yColumn: "no_such_column", xLabel: "", yLabel: "", title: ""),
            ],
            thresholds: ["Pendulum-v1": -1e5]
        ) { _, env, seed in
            ["--preset", "ddpg-pendulum", "--env", env, "--seed", "\(seed)", "--steps", "600",
             "--set", "agent.warmupSteps=200", "--set", "run.evalInterval=300", "--set", "run.evalEpisodes=1",
             "--set", "run.visitationWindow=100"]
        }
        let first = try Reproduction.run(plan, root: root, executable: exe, maxParallel: 2, showProgress: false)
        #expect(first.failures.isEmpty, "\(first.failures)")
        #expect(first.report.succeeded.count == 2)
        let markdown = try String(contentsOf: root.appendingPathComponent("results.md"), encoding: .utf8)
        #expect(markdown.contains("| Pendulum-v1 | ddpg |") && markdown.contains("| 2 | ref |"))
        #expect(markdown.contains("Budget per run: Pendulum-v1 600 steps."), "\(markdown)")
        // The same-budget table: both runs' returns at the shorter run's last logged time.
        #expect(markdown.contains("Return at the same seconds") && markdown.contains("| Pendulum-v1 | "))
        // n is 2 when both runs evaluated by the common time; a run that started late on a loaded machine may have
        // its first evaluation after the other run's last one, and is then left out (n = 1).
        let budgetRow = markdown.split(separator: "\n").first {
            $0.hasPrefix("| Pendulum-v1 |") && ($0.hasSuffix("| 2 |") || $0.hasSuffix("| 1 |")) && $0.contains("±")
                && !$0.contains("[")
        }
        #expect(budgetRow != nil, "\(markdown)")
        // The threshold table: every evaluation of Pendulum is above −1e5, so both seeds reach it at their first.
        let crossing = markdown.split(separator: "\n").first { $0.hasPrefix("| Pendulum-v1 | -100000 | ddpg |") }
        #expect(crossing?.contains("| 2/2 |") == true, "\(markdown)")
        let png = try Data(contentsOf: root.appendingPathComponent("curve-Pendulum-v1.png"))
        #expect(png.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]))
        // The extra figure for a logged column, none for a column no run logs, and the seed-0 visitation figure.
        let exists = { (name: String) in FileManager.default.fileExists(atPath: root.appendingPathComponent(name).path) }
        #expect(exists("curve-Pendulum-v1-time.png") && !exists("curve-Pendulum-v1-absent.png"))
        #expect(exists("visitation-Pendulum-v1.png") && exists("visitation-Pendulum-v1.md"))
        #expect(first.figures.map(\.lastPathComponent).sorted()
                == ["curve-Pendulum-v1-time.png", "curve-Pendulum-v1.png", "visitation-Pendulum-v1.png"])
        let second = try Reproduction.run(plan, root: root, executable: exe, maxParallel: 2, showProgress: false)
        #expect(second.report.skipped.count == 2 && second.report.succeeded.isEmpty)
        #expect(second.table.markdown() == first.table.markdown())
        // An invocation for a subset (here seed 1 only, finished, so skipped) keeps the record of every seed asked
        // for in the folder: plan.json names seeds 0 and 1, not only the last invocation's.
        var narrower = plan
        narrower.seeds = [1]
        let third = try Reproduction.run(narrower, root: root, executable: exe, maxParallel: 2, showProgress: false)
        #expect(third.report.skipped.count == 1 && third.report.succeeded.isEmpty)
        let record = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: root.appendingPathComponent("plan.json"))) as? [String: Any])
        #expect((record["seeds"] as? [Any])?.compactMap { ($0 as? NSNumber)?.intValue } == [0, 1], "\(record)")
        #expect(record["environments"] as? [String] == ["Pendulum-v1"] && record["algorithms"] as? [String] == ["ddpg"])

        // --report: seed 1 made to look stopped (no done.json), seed 2 never started; nothing is trained, the
        // unfinished run is tabulated at its last evaluation and both are named in the PARTIAL line.
        try FileManager.default.removeItem(at: root.appendingPathComponent("ddpg/Pendulum-v1/seed-1/done.json"))
        var wider = plan
        wider.seeds = [0, 1, 2]
        let report = try Reproduction.report(wider, root: root)
        #expect(report.report.succeeded.isEmpty && report.failures.isEmpty, "\(report.failures)")
        #expect(!exists("ddpg/Pendulum-v1/seed-2"))
        #expect(report.table.markdown() == first.table.markdown())
        let partial = try String(contentsOf: root.appendingPathComponent("results.md"), encoding: .utf8)
        #expect(partial.contains("**PARTIAL** — runs not finished, read at their last evaluation: "
                                 + "ddpg/Pendulum-v1/seed-1 (600 of 600 steps); not started: ddpg/Pendulum-v1/seed-2."),
                "\(partial)")
        #expect(partial.contains("- ddpg/Pendulum-v1/seed-1: not finished"))
        // Runs that share no evaluation step (as when evaluating by episodes): the mean over seeds is not defined,
        // which the threshold table says instead of "never" (—).
        let csvURL = root.appendingPathComponent("ddpg/Pendulum-v1/seed-1/progress.csv")
        let shifted = try String(contentsOf: csvURL, encoding: .utf8).split(separator: "\n").enumerated().map { i, line in
            guard i > 0, let comma = line.firstIndex(of: ","), let step = Int(line[..<comma]) else { return String(line) }
            return "\(step + 1)" + line[comma...]
        }.joined(separator: "\n") + "\n"
        try shifted.write(to: csvURL, atomically: true, encoding: .utf8)
        _ = try Reproduction.report(wider, root: root)
        let unshared = try String(contentsOf: root.appendingPathComponent("results.md"), encoding: .utf8)
        #expect(unshared.contains("| Pendulum-v1 | -100000 | ddpg | n/a (no evaluation step shared by every run) | 2/2 |"),
                "\(unshared)")
        // Another plan's folder, and a folder without results, are refused.
        var other = plan
        other.name = "other"
        #expect(throws: ReproductionError.otherPlan(folder: root.path, recorded: "tiny", requested: "other")) {
            _ = try Reproduction.report(other, root: root)
        }
        let empty = root.appendingPathComponent("empty")
        #expect(throws: ReproductionError.noResults(folder: empty.path, plan: "tiny")) {
            _ = try Reproduction.report(plan, root: empty)
        }
    }
}
