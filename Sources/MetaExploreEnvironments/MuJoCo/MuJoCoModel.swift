import CMuJoCo
import Foundation

/// Owns one MuJoCo model (`mjModel*`) and its simulation data (`mjData*`); both are freed in `deinit`.
///
/// Reads of `qpos`, `qvel` and the other state arrays go through unsafe buffer pointers into MuJoCo's memory,
/// so there are no copies in the stepping hot path. Not thread-safe: one instance per thread.
public final class MuJoCoModel {
    /// The MuJoCo library version this package targets (3.3.7 → 337).
    public static let requiredVersion: Int32 = 337

    public let model: UnsafeMutablePointer<mjModel>
    public let data: UnsafeMutablePointer<mjData>
    /// The file the model was loaded from.
    public let path: String

    /// Loads a model file from Gymnasium's asset directory (or an absolute path).
    public init(asset file: String) throws {
        let version = mj_version()
        guard version == MuJoCoModel.requiredVersion else {
            throw EnvironmentError.mujoco("library version \(version) found, \(MuJoCoModel.requiredVersion) required")
        }
        let path = file.hasPrefix("/") ? file : try MuJoCoAssets.path(of: file)
        var error = [CChar](repeating: 0, count: 1000)
        guard let m = mj_loadXML(path, nil, &error, Int32(error.count)) else {
            let message = error.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw EnvironmentError.mujoco("could not load \(path): \(message)")
        }
        guard let d = mj_makeData(m) else {
            mj_deleteModel(m)
            throw EnvironmentError.mujoco("could not allocate data for \(path)")
        }
        self.model = m
        self.data = d
        self.path = path
    }

    deinit {
        mj_deleteData(data)
        mj_deleteModel(model)
    }

    public var nq: Int { Int(model.pointee.nq) }
    public var nv: Int { Int(model.pointee.nv) }
    public var nu: Int { Int(model.pointee.nu) }
    public var nbody: Int { Int(model.pointee.nbody) }
    public var timestep: Double { model.pointee.opt.timestep }

    @inline(__always) public var qpos: UnsafeMutableBufferPointer<Double> {
        UnsafeMutableBufferPointer(start: data.pointee.qpos, count: nq)
    }
    @inline(__always) public var qvel: UnsafeMutableBufferPointer<Double> {
        UnsafeMutableBufferPointer(start: data.pointee.qvel, count: nv)
    }
    @inline(__always) public var ctrl: UnsafeMutableBufferPointer<Double> {
        UnsafeMutableBufferPointer(start: data.pointee.ctrl, count: nu)
    }
    /// Body positions in world coordinates, `nbody × 3`.
    @inline(__always) public var xpos: UnsafeMutableBufferPointer<Double> {
        UnsafeMutableBufferPointer(start: data.pointee.xpos, count: 3 * nbody)
    }
    /// External contact forces per body (`nbody × 6`), filled by `mj_rnePostConstraint`.
    @inline(__always) public var cfrcExt: UnsafeMutableBufferPointer<Double> {
        UnsafeMutableBufferPointer(start: data.pointee.cfrc_ext, count: 6 * nbody)
    }
    /// Site positions in world coordinates, `nsite × 3`.
    @inline(__always) public var siteXpos: UnsafeMutableBufferPointer<Double> {
        UnsafeMutableBufferPointer(start: data.pointee.site_xpos, count: 3 * Int(model.pointee.nsite))
    }
    /// Constraint forces in joint space (`nv`).
    @inline(__always) public var qfrcConstraint: UnsafeMutableBufferPointer<Double> {
        UnsafeMutableBufferPointer(start: data.pointee.qfrc_constraint, count: nv)
    }

    /// The actuator control ranges as (low, high) arrays.
    public var ctrlRange: (low: [Double], high: [Double]) {
        let r = UnsafeBufferPointer(start: model.pointee.actuator_ctrlrange, count: 2 * nu)
        return ((0..<nu).map { r[2 * $0] }, (0..<nu).map { r[2 * $0 + 1] })
    }

    /// The id of the body with this name.
    public func bodyID(_ name: String) throws -> Int {
        let id = mj_name2id(model, Int32(mjOBJ_BODY.rawValue), name)
        guard id >= 0 else { throw EnvironmentError.mujoco("no body named '\(name)' in \(path)") }
        return Int(id)
    }

    /// `mj_resetData`: the model's default state (qpos0, zero velocity), warm starts cleared.
    public func resetData() { mj_resetData(model, data) }

    /// Sets positions and velocities and recomputes derived quantities (`mj_forward`), as Gymnasium's
    /// `MujocoEnv.set_state` does.
    /// Throws `EnvironmentError.invalidConfiguration` for lengths other than `nq` and `nv`, or non-finite values.
    public func setState(qpos newQpos: [Double], qvel newQvel: [Double]) throws {
        guard newQpos.count == nq && newQvel.count == nv else {
            throw EnvironmentError.invalidConfiguration(
                "setState needs \(nq) positions and \(nv) velocities, got \(newQpos.count) and \(newQvel.count)")
        }
        guard newQpos.allSatisfy(\.isFinite) && newQvel.allSatisfy(\.isFinite) else {
            throw EnvironmentError.invalidConfiguration("setState needs finite positions and velocities")
        }
        setStateUnchecked(qpos: newQpos, qvel: newQvel)
    }

    /// `setState` for arrays the caller built with the right lengths (the environments' own resets).
    func setStateUnchecked(qpos newQpos: [Double], qvel newQvel: [Double]) {
        let p = qpos, v = qvel
        for i in 0..<nq { p[i] = newQpos[i] }
        for i in 0..<nv { v[i] = newQvel[i] }
        mj_forward(model, data)
    }

    /// Applies `ctrl`, runs `frames` `mj_step`s and then `mj_rnePostConstraint` (so `cfrc_ext` is current), as
    /// Gymnasium's `MujocoEnv._step_mujoco_simulation` does.
    @inline(__always)
    public func simulate(frames: Int) {
        for _ in 0..<frames { mj_step(model, data) }
        mj_rnePostConstraint(model, data)
    }

    /// One raw `mj_step` (for benchmarks).
    @inline(__always)
    public func rawStep() { mj_step(model, data) }
}

/// Finds Gymnasium's MuJoCo asset directory.
///
/// Order: the `METAEXPLORE_MUJOCO_ASSETS` environment variable; then the directory reported by
/// `python3 -c 'import gymnasium…'` (asked once per process and cached); then common site-packages locations.
public enum MuJoCoAssets {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var cachedPythonDirectory: String??

    /// The full path of `file` inside the asset directory. Candidates are tried lazily, so Python is not asked
    /// when `METAEXPLORE_MUJOCO_ASSETS` already has the file.
    public static func path(of file: String) throws -> String {
        var searched: [String] = []
        for source in 0..<3 {
            let dirs: [String]
            switch source {
            case 0: dirs = environmentDirectory().map { [$0] } ?? []
            case 1: dirs = pythonDirectory().map { [$0] } ?? []
            default: dirs = probedDirectories()
            }
            for dir in dirs where !searched.contains(dir) {
                searched.append(dir)
                let p = (dir as NSString).appendingPathComponent(file)
                if FileManager.default.fileExists(atPath: p) { return p }
            }
        }
        throw EnvironmentError.missingAsset(file: file, searched: searched.isEmpty ? ["(no candidate directory)"] : searched)
    }

    /// The directories searched, in order.
    public static func candidateDirectories() -> [String] {
        var dirs: [String] = []
        if let env = environmentDirectory() { dirs.append(env) }
        if let py = pythonDirectory() { dirs.append(py) }
        dirs.append(contentsOf: probedDirectories())
        var seen = Set<String>()
        return dirs.filter { seen.insert($0).inserted }
    }

    private static func environmentDirectory() -> String? {
        guard let env = ProcessInfo.processInfo.environment["METAEXPLORE_MUJOCO_ASSETS"], !env.isEmpty else { return nil }
        return env
    }

    private static func pythonDirectory() -> String? {
        lock.lock()
        defer { lock.unlock() }
        if let cached = cachedPythonDirectory { return cached }
        let result = askPython()
        cachedPythonDirectory = .some(result)
        return result
    }

    private static func askPython() -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            "import gymnasium, os; print(os.path.join(os.path.dirname(gymnasium.__file__), 'envs', 'mujoco', 'assets'))",
        ]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let bytes = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let text = String(data: bytes, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
            !text.isEmpty
        else { return nil }
        return text
    }

    private static func probedDirectories() -> [String] {
        let fm = FileManager.default
        var roots: [String] = ["/usr/local/lib", "/usr/lib", "/opt/conda/lib"]
        let home = NSHomeDirectory()
        roots.append((home as NSString).appendingPathComponent(".local/lib"))
        let pyenv = (home as NSString).appendingPathComponent(".pyenv/versions")
        if let versions = try? fm.contentsOfDirectory(atPath: pyenv) {
            roots += versions.sorted().map { "\(pyenv)/\($0)/lib" }
        }
        var dirs: [String] = []
        for root in roots {
            guard let entries = try? fm.contentsOfDirectory(atPath: root) else { continue }
            for entry in entries.sorted() where entry.hasPrefix("python3") {
                for sub in ["site-packages", "dist-packages"] {
                    let d = "\(root)/\(entry)/\(sub)/gymnasium/envs/mujoco/assets"
                    if fm.fileExists(atPath: d) { dirs.append(d) }
                }
            }
        }
        return dirs
    }
}
