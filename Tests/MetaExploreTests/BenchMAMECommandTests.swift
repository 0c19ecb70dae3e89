import Foundation
import MetaExplore
import Testing

/// `metaexplore bench mame` runs at a tiny size and prints both algorithms' phases, totals and their ratio (no
/// timing is asserted).
@Test func benchMAMETinyRunPrintsItsKeys() throws {
    let exe = ReproductionTests.executable
    try #require(FileManager.default.isExecutableFile(atPath: exe),
                 "metaexplore not found at \(exe); build it with `swift build --build-tests`")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: exe)
    process.arguments = ["bench", "mame", "--tasks", "2", "--trajectories", "2", "--horizon", "10", "--repeats", "1"]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(text)")
    var values: [String: Double] = [:]
    for label in ["mame", "maml_trpo"] {
        for key in ["sampling_s", "inner_s", "outer_s"] + [""] {
            let name = key.isEmpty ? "\(label)_iteration_s" : "\(label)_iteration_\(key)"
            let line = text.split(separator: "\n").first { $0.hasPrefix(name + "=") }
            let value = line.flatMap { Double($0.split(separator: "=")[1]) }
            #expect(value.map { $0 >= 0 && $0.isFinite } == true, "missing or bad \(name) in:\n\(text)")
            values[name] = value
        }
    }
    let ratio = text.split(separator: "\n").first { $0.hasPrefix("mame_over_maml_trpo=") }.flatMap { Double($0.split(separator: "=")[1]) }
    if let a = values["mame_iteration_s"], let b = values["maml_trpo_iteration_s"], let ratio {
        #expect(Swift.abs(ratio - a / b) <= 0.05 * ratio + 2e-3)   // printed values are rounded
    } else {
        Issue.record("missing ratio in:\n\(text)")
    }
}

/// Runs `metaexplore` with `arguments`; returns its exit status and its output (stdout and stderr).
private func runTool(_ arguments: [String]) throws -> (status: Int32, text: String) {
    let exe = ReproductionTests.executable
    try #require(FileManager.default.isExecutableFile(atPath: exe),
                 "metaexplore not found at \(exe); build it with `swift build --build-tests`")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: exe)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, text)
}

/// `--only mame` times MAME alone (what scripts/bench/compare_torch_maml.sh runs beside `bench meta`) on the task
/// and batch given, with its CPU seconds; a bad `--only` is an error, not a trap.
@Test func benchMAMEOnlyMAMEOnHalfCheetahDirPrintsItsCPUSeconds() throws {
    let (status, text) = try runTool(["bench", "mame", "--env", "HalfCheetahDir-v1", "--tasks", "2", "--trajectories", "2",
                                      "--horizon", "10", "--repeats", "1", "--only", "mame"])
    #expect(status == 0, "\(text)")
    #expect(text.contains("HalfCheetahDir-v1: 2 tasks × 2 trajectories × 10 steps"), "\(text)")
    for key in ["mame_iteration_sampling_s", "mame_iteration_inner_s", "mame_iteration_outer_s", "mame_iteration_s",
                "mame_iteration_cpu_s"] {
        let value = text.split(separator: "\n").first { $0.hasPrefix(key + "=") }.flatMap { Double($0.split(separator: "=")[1]) }
        #expect(value.map { $0 > 0 && $0.isFinite } == true, "missing or bad \(key) in:\n\(text)")
    }
    #expect(!text.contains("maml_trpo_iteration") && !text.contains("mame_over_maml_trpo"), "\(text)")
    let bad = try runTool(["bench", "mame", "--only", "mame,trpo"])
    #expect(bad.status != 0 && bad.text.contains("--only takes mame, maml-trpo; got 'trpo'"), "\(bad.text)")
}

/// `--dump` writes one MAME iteration for the PyTorch check: the parameters before and after (which differ), both
/// batches at the requested size, z′ per task, the settings and the logged statistics.
@Test func benchMAMEDumpWritesOneIteration() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("me-mame-dump-\(UUID().uuidString).safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    let (status, text) = try runTool(["bench", "mame", "--env", "HalfCheetahDir-v1", "--tasks", "2", "--trajectories", "3",
                                      "--horizon", "10", "--dump", url.path])
    #expect(status == 0, "\(text)")
    let file = try SafeTensors.read(from: url)
    let names = Set(file.names)
    for name in ["before.exploration.0.weight", "before.exploitation.logStd", "before.selfSupervision.2.bias",
                 "before.latent", "after.latent", "adapted_latents", "tasks"] {
        #expect(names.contains(name), "missing \(name)")
    }
    for prefix in ["exploration", "post"] {
        #expect(file["\(prefix).observations"]?.shape == [2 * 3 * 10, 17])
        #expect(file["\(prefix).actions"]?.shape == [2 * 3 * 10, 6])
        #expect(file["\(prefix).rewards"]?.shape == [60] && file["\(prefix).logProbabilities"]?.shape == [60])
        #expect(file["\(prefix).lengths"]?.doubles == [Double](repeating: 10, count: 6))
    }
    #expect(file["adapted_latents"]?.shape == [2, 32])
    #expect(file["before.latent"]?.doubles != file["after.latent"]?.doubles)
    #expect(file["adapted_latents"]?.doubles != [Double](repeating: 0, count: 64))
    #expect(file.metadata["tasks"] == "2" && file.metadata["trajectories"] == "3" && file.metadata["horizon"] == "10")
    #expect(file.metadata["innerLoss"] == "regression" && file.metadata["explorationGradient"] == "lowVariance")
    for key in ["inner_loss_before", "inner_loss_after", "outer_loss", "outer_loss_after", "grad_norm_theta",
                "grad_norm_beta", "grad_norm_phi", "grad_norm_z", "exploration_reward_abs_mean"] {
        #expect(file.metadata[key].flatMap(Double.init).map { $0.isFinite } == true, "metadata \(key)")
    }
    #expect(try runTool(["bench", "mame", "--dump", ""]).status != 0)
}
