import Foundation
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
