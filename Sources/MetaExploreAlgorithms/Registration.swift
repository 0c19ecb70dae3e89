import Foundation
@_exported import MetaExploreRuntime

extension FamilyRegistry {
    /// Every family of the package, registered here and nowhere else: adding a family is its folder plus one line
    /// in this list (and its presets under `Presets/<family name>/`).
    public static let builtIn: FamilyRegistry = {
        do {
            return try FamilyRegistry(
                families: [
                    DDPGFamily.self,
                    TD3Family.self,
                    MetaPolicyGradientFamily.self,
                    CMPFamily.self,
                    MAMLFamily.self,
                    MAMEFamily.self,
                    DREAMFamily.self,
                ],
                presets: PresetLibrary(candidates: PresetLibrary.standardCandidates(
                    bundle: "MetaExplore_MetaExploreAlgorithms",
                    sourceFolder: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Presets"))),
                defaultPreset: "ddpg-pendulum", benchmarkPreset: "ddpg-bench")
        } catch {
            // Unreachable: the list above has unique names (tested); a duplicate is a programming error.
            fatalError("FamilyRegistry.builtIn: \(error)")
        }
    }()
}
