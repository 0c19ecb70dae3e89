import Foundation
import Testing

/// Runs the real `metaexplore` executable (built next to the test bundle by `swift build --build-tests`) with
/// `arguments`, the test process's environment plus `environment`, and returns its exit status and its output
/// (stdout and stderr together). Fails the test when the executable is missing.
func runMetaexplore(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, text: String) {
    let exe = ReproductionTests.executable
    try #require(FileManager.default.isExecutableFile(atPath: exe),
                 "metaexplore not found at \(exe); build it with `swift build -c release --build-tests`")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: exe)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, given in given }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, text)
}
