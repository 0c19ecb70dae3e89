import Foundation

/// The preset files: readable YAML, one file per preset (`<name>.yaml`), in one subfolder per family, stating only
/// what differs from the family's defaults (the `algorithm` key selects the family and its defaults).
///
/// The library looks for its folder, in order, in:
/// 1. `$METAEXPLORE_PRESETS` (a folder of presets, e.g. a copy on a cluster's shared file system);
/// 2. the resource bundle SwiftPM builds beside the executable (`<bundle>.resources/Presets`, found from the
///    executable's real path, so a symlinked binary works; copy the binary and this folder together);
/// 3. the source tree the library was built from (a development checkout).
/// The first candidate that exists is used; if none exists every lookup fails with a `ConfigurationError` naming the
/// places searched.
public struct PresetLibrary: Sendable {
    /// The folders tried, in order.
    public let candidates: [URL]

    public init(candidates: [URL]) {
        self.candidates = candidates
    }

    /// The candidates for a module's presets: the environment variable, the SwiftPM resource bundle named `bundle`
    /// beside the running executable (and beside the test runner), then `sourceFolder`.
    public static func standardCandidates(bundle: String, sourceFolder: URL) -> [URL] {
        var out: [URL] = []
        if let env = ProcessInfo.processInfo.environment["METAEXPLORE_PRESETS"], !env.isEmpty {
            out.append(URL(fileURLWithPath: env))
        }
        var executables: [URL] = []
        if let exe = Bundle.main.executableURL { executables.append(exe.resolvingSymlinksInPath()) }
        if let first = CommandLine.arguments.first, !first.isEmpty {
            executables.append(URL(fileURLWithPath: first).resolvingSymlinksInPath())
        }
        for exe in executables {
            out.append(exe.deletingLastPathComponent().appendingPathComponent("\(bundle).resources/Presets"))
        }
        out.append(sourceFolder)
        return out
    }

    /// The folder in use (the first candidate that exists).
    public var folder: URL? {
        candidates.first { url in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
        }
    }

    /// Every preset file by name (`ddpg-pendulum` → its URL).
    public func files() throws -> [String: URL] {
        guard let folder else {
            throw ConfigurationError.invalidValue(
                key: "preset",
                message: "no preset folder found (searched \(candidates.map(\.path).joined(separator: ", "))); set "
                    + "METAEXPLORE_PRESETS to the Presets folder shipped beside the metaexplore binary")
        }
        var found: [String: URL] = [:]
        let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)
        while let url = walker?.nextObject() as? URL {
            guard url.pathExtension == "yaml" else { continue }
            let name = url.deletingPathExtension().lastPathComponent
            if let other = found[name] {
                throw ConfigurationError.invalidValue(
                    key: "preset", message: "two presets are named '\(name)': \(other.path) and \(url.path)")
            }
            found[name] = url
        }
        return found
    }

    /// The preset names, sorted.
    public func names() throws -> [String] { try files().keys.sorted() }

    /// The text of the preset `name`.
    public func yaml(named name: String) throws -> String {
        let all = try files()
        guard let url = all[name] else { throw ConfigurationError.unknownPreset(name, available: all.keys.sorted()) }
        do { return try String(contentsOf: url, encoding: .utf8) } catch {
            throw ConfigurationError.invalidValue(key: "preset", message: "cannot read \(url.path): \(error.localizedDescription)")
        }
    }
}
