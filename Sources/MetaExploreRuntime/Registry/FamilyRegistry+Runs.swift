import Foundation
import MetaExploreEnvironments

/// Runs in run folders with safetensors checkpoints: the library API behind `metaexplore train`, `eval` and
/// `bench train`.
extension FamilyRegistry {
    /// Versions written beside the results (besides the built-in MetaExplore/Swift/OS entries).
    public static var environmentVersions: [String: String] {
        ["mujoco": "3.3.7", "gymnasium_definitions": "1.4.0"]
    }

    /// Starts a new run of `configuration` in `directory` (created; it must not hold a run already). Everything is
    /// checked before anything is written.
    @discardableResult
    public func train(_ configuration: AnyExperimentConfiguration, in directory: URL, showProgress: Bool = true,
                      handleSignals: Bool = true) throws -> TrainingSummary {
        _ = try Registry.spec(configuration.environment)  // an unknown id fails here, with suggestions
        let lock = try RunLock(folder: directory)
        defer { lock.release() }
        let fm = FileManager.default
        for name in ["config.yaml", "progress.csv", "checkpoints/latest.safetensors"]
        where fm.fileExists(atPath: directory.appendingPathComponent(name).path) {
            throw TrainingSetupError.runFolderInUse(directory.path)
        }
        let store = try SafeTensorsCheckpointStore(directory: directory.appendingPathComponent("checkpoints"))
        var options = TrainingSessionOptions(outputDirectory: directory, checkpointSink: store)
        options.versions = Self.environmentVersions
        options.showProgress = showProgress
        options.handleSignals = handleSignals
        return try TrainingSession.run(configuration, options: options)
    }

    /// The configuration a run in `directory` continues with: the one stored in its latest checkpoint, after
    /// checking that today's code reads it as the run started (`ResumeError`), optionally with a raised budget.
    /// `overrides` and `preset` may restate the run's settings; any that differ from the stored ones are refused,
    /// naming the keys.
    ///
    /// The checkpoint is `checkpoints/latest.safetensors`, or `from` (a file name in `checkpoints/` or a path). A
    /// damaged or missing `latest` is refused with the newest intact step file named, so the user can resume from
    /// it knowingly; nothing is ever restored from a file whose checksums fail.
    public func resumableConfiguration(in directory: URL, totalSteps: Int? = nil, preset: String? = nil,
                                       overrides: [String] = [], from: String? = nil)
        throws -> (AnyExperimentConfiguration, CheckpointState) {
        let checkpoints = directory.appendingPathComponent("checkpoints")
        let store = SafeTensorsCheckpointStore.reader(directory: checkpoints)
        let state: CheckpointState
        if let from {
            let url = from.contains("/") ? URL(fileURLWithPath: from) : checkpoints.appendingPathComponent(from)
            guard FileManager.default.fileExists(atPath: url.path) else { throw TrainingSetupError.noCheckpoint(url.path) }
            state = try SafeTensorsCheckpointStore.read(url)
        } else {
            let latest = store.latestURL
            do {
                guard FileManager.default.fileExists(atPath: latest.path) else {
                    throw TrainingSetupError.noCheckpoint(directory.path)
                }
                state = try SafeTensorsCheckpointStore.read(latest)
            } catch {
                guard let intact = store.newestIntact() else { throw error }
                throw ResumeError.latestUnusable(folder: directory.path, reason: "\(error)",
                                                 intact: intact.url.lastPathComponent,
                                                 step: (try? intact.state.value("runner.step", as: Int.self)) ?? -1)
            }
        }
        guard let stored = state.metadata[TrainingSession.configurationKey] else {
            throw CheckpointStateError.missingMetadata(TrainingSession.configurationKey)
        }
        let config = try load(yaml: stored)
        // 1. The schema the run started under.
        if let tag = state.metadata[TrainingSession.schemaKey], tag != config.schemaTag {
            throw ResumeError.schemaChanged(stored: tag, current: config.schemaTag)
        }
        // 2. Keys today's code has that the stored configuration lacks: they would take today's defaults silently.
        let current = try config.yaml()
        let missing = try ConfigurationLoader.keys(current).subtracting(ConfigurationLoader.keys(stored))
        let restated = Set(try overrides.map { try ConfigurationLoader.parseOverride($0).0.joined(separator: ".") })
        let unstated = missing.subtracting(restated).sorted()
        if !unstated.isEmpty { throw ResumeError.keysAddedSinceStart(unstated) }
        // 3. The folder's config.yaml and the checkpoint must describe the same run.
        let folderFile = directory.appendingPathComponent("config.yaml")
        if let folderYAML = try? String(contentsOf: folderFile, encoding: .utf8) {
            let folderConfig = try load(yaml: folderYAML)
            let diff = try ConfigurationLoader.differences(try folderConfig.yaml(), current)
                .filter { !config.executionKeys.contains($0.key) }
            if !diff.isEmpty { throw ResumeError.folderDisagrees(diff.map(\.key)) }
        }
        // 4. Restated settings must agree with the stored ones (execution keys may change); the budget may only grow.
        var resolved = config
        if preset != nil || !overrides.isEmpty {
            let base = try preset.map { try presets.yaml(named: $0) } ?? current
            let restatedConfig = try load(yaml: base, overrides: overrides)
            let conflicts = try ConfigurationLoader.differences(current, try restatedConfig.yaml())
                .filter { !missing.contains($0.key) && !config.executionKeys.contains($0.key) }
            if !conflicts.isEmpty { throw ResumeError.conflictingSettings(conflicts.map { ($0.key, $0.a, $0.b) }) }
            resolved = restatedConfig
        }
        if let totalSteps {
            let step: Int = try state.value("runner.step")
            guard totalSteps >= step else { throw ResumeError.budgetBelowProgress(requested: totalSteps, done: step) }
            resolved = try load(yaml: try resolved.yaml(), overrides: ["run.totalSteps=\(totalSteps)"])
        }
        return (resolved, state)
    }

    /// Continues the run in `directory` from its latest checkpoint (see `resumableConfiguration`); the result
    /// equals an uninterrupted run's.
    @discardableResult
    public func resume(in directory: URL, totalSteps: Int? = nil, preset: String? = nil, overrides: [String] = [],
                       from: String? = nil, showProgress: Bool = true, handleSignals: Bool = true) throws -> TrainingSummary {
        guard FileManager.default.fileExists(atPath: directory.path) else { throw TrainingSetupError.noCheckpoint(directory.path) }
        let lock = try RunLock(folder: directory)
        defer { lock.release() }
        if let pid = lock.takenOver {
            FileHandle.standardError.write(Data("note: taking over the run folder's lock from process \(pid), which has ended\n".utf8))
        }
        let (config, state) = try resumableConfiguration(in: directory, totalSteps: totalSteps, preset: preset,
                                                         overrides: overrides, from: from)
        let store = try SafeTensorsCheckpointStore(directory: directory.appendingPathComponent("checkpoints"))
        var options = TrainingSessionOptions(outputDirectory: directory, checkpointSink: store, resumeFrom: state)
        options.versions = Self.environmentVersions
        options.showProgress = showProgress
        options.handleSignals = handleSignals
        return try TrainingSession.run(config, options: options)
    }

    /// The deterministic policy of a checkpoint evaluated over `episodes` episodes (default: the run's setting) on a
    /// fresh environment; `seed` changes the evaluation episodes' starts.
    public func evaluate(checkpoint url: URL, episodes: Int? = nil, seed: UInt64? = nil) throws -> EvaluationResult {
        let state = try SafeTensorsCheckpointStore.read(url)
        guard let yaml = state.metadata[TrainingSession.configurationKey] else {
            throw CheckpointStateError.missingMetadata(TrainingSession.configurationKey)
        }
        let config = try load(yaml: yaml, overrides: episodes.map { ["run.evalEpisodes=\($0)"] } ?? [])
        var options = TrainingSessionOptions(resumeFrom: state)
        options.showProgress = false
        let loop = try TrainingSession.makeLoop(config, options: options)
        if let seed { loop.evaluationSeed = seed }
        return try loop.evaluate()
    }

    /// Environment steps per second of training (acting, stepping, storing, updating), timed over `steps` steps
    /// after a warm-up of `warmupSteps` steps, without evaluation, logging or checkpoints.
    public func trainingSpeed(_ configuration: AnyExperimentConfiguration, steps: Int, warmupSteps: Int) throws -> Double {
        var options = TrainingSessionOptions()
        options.showProgress = false
        let loop = try TrainingSession.makeLoop(configuration, options: options)
        loop.schedule.evalEpisodes = 0
        loop.schedule.checkpointInterval = 0
        loop.schedule.totalSteps = warmupSteps
        try loop.run()
        let before = loop.step
        loop.schedule.totalSteps = before + steps
        let start = DispatchTime.now().uptimeNanoseconds
        try loop.run()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Double(loop.step - before) / seconds
    }
}

extension Environment {
    /// The environment's action box, after checking that it is a bounded Box of `actionSize` dimensions and that
    /// observations have `observationSize` components (what a learner built for those sizes needs); `id` names the
    /// environment in the error.
    public func boundedActionBox(id: String, observationSize: Int, actionSize: Int) throws -> Box {
        guard let box = actionSpace.box, box.isBounded else {
            throw TrainingSetupError.unsupportedActionSpace(id, actionSpace.description)
        }
        guard observationSpace.count == observationSize && box.count == actionSize else {
            throw TrainingSetupError.unsupportedActionSpace(
                id, "\(box.description) with \(observationSpace.count) observations (the learner was built for "
                    + "\(observationSize) observations and \(actionSize) actions)")
        }
        return box
    }
}

/// Problems found while setting a run up, before any training step.
public enum TrainingSetupError: Error, CustomStringConvertible, Equatable {
    case unsupportedActionSpace(String, String)
    case runFolderInUse(String)
    case noCheckpoint(String)
    case notAFolder(String)
    case unwritableFolder(String, String)

    public var description: String {
        switch self {
        case let .unsupportedActionSpace(id, space):
            return "\(id) has action space \(space); this algorithm needs a bounded continuous (Box) space"
        case .runFolderInUse(let path):
            return "the run folder \(path) already holds a run; pass --resume to continue it or choose another --out"
        case .noCheckpoint(let path):
            return "no checkpoint to resume from in \(path) (expected checkpoints/latest.safetensors)"
        case .notAFolder(let path):
            return "\(path) is a file, not a folder: give --out a folder for the run"
        case let .unwritableFolder(path, why):
            return "cannot write the run folder \(path): \(why)"
        }
    }
}

/// Why a run cannot be resumed as asked: each case names what differs, so the run never continues under settings it
/// did not start with.
public enum ResumeError: Error, CustomStringConvertible, Equatable {
    /// The checkpoint was written under another version of the family's configuration schema.
    case schemaChanged(stored: String, current: String)
    /// Keys today's configuration has and the stored one lacks (they would take today's defaults).
    case keysAddedSinceStart([String])
    /// The folder's `config.yaml` and the checkpoint's configuration differ in these keys.
    case folderDisagrees([String])
    /// Settings given on the resume command differ from the run's: (key, the run's value, the value given).
    case conflictingSettings([(String, String, String)])
    /// `--steps` below the steps already done.
    case budgetBelowProgress(requested: Int, done: Int)
    /// `latest.safetensors` is damaged or missing; `intact` is the newest step file that verifies.
    case latestUnusable(folder: String, reason: String, intact: String, step: Int)

    public static func == (a: ResumeError, b: ResumeError) -> Bool { a.description == b.description }

    public var description: String {
        switch self {
        case let .schemaChanged(stored, current):
            return "cannot resume: the run's configuration was written under schema \(stored) and this build reads "
                + "\(current); its settings may mean something else now. Resume it with the build that started it, "
                + "or start a new run"
        case .keysAddedSinceStart(let keys):
            return "cannot resume: the run's stored configuration has no value for \(keys.joined(separator: ", ")) "
                + "(added since the run started); today's default would apply silently. State the value the run "
                + "should continue with, e.g. --set \(keys[0])=<value>"
        case .folderDisagrees(let keys):
            return "cannot resume: the run folder's config.yaml and its checkpoint disagree on "
                + "\(keys.joined(separator: ", ")); the folder may have been edited or shared by two runs"
        case .conflictingSettings(let list):
            let items = list.map { "\($0.0) (run: \($0.1), given: \($0.2))" }.joined(separator: "; ")
            return "cannot resume: settings given on the command differ from the run's: \(items). A resumed run keeps "
                + "its settings; start a new run to change them"
        case let .latestUnusable(folder, reason, intact, step):
            return "cannot resume from \(folder)/checkpoints/latest.safetensors: \(reason). The newest intact checkpoint "
                + "is \(intact) (step \(step)); resume from it with: metaexplore train --resume --out \(folder) "
                + "--from \(intact) (the logs are cut back to that step)"
        case let .budgetBelowProgress(requested, done):
            return "cannot resume with --steps \(requested): the run has already done \(done) steps"
        }
    }
}
