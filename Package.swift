// swift-tools-version:6.0
// MetaExplore: reinforcement learning with learned exploration, in Swift.
//
// Module layout (each target has a README.md beside its sources):
//   CBLAS, CMuJoCo            system libraries (OpenBLAS through cblas.h, MuJoCo 3.3.7 through mujoco.h)
//   MetaExploreRandom         seeded, portable random streams (xoshiro256**), independent per component
//   CMetaExploreKernels       Float32 elementwise kernels in C, compiled for AVX-512/AVX2/baseline, picked at load
//   MetaExploreTensor         dense tensors, tape-based reverse-mode autodiff with higher-order gradients
//   MetaExploreNN             layers, parameter collections, optimizers, distributions, safetensors checkpoints
//   MetaExploreEnvironments   Gymnasium-style environments, spaces, wrappers, vector envs, MuJoCo tasks
//   MetaExploreRuntime        the run loop, the algorithm-family registry, configuration loading and presets, run
//                             folders, atomic files, CSV/JSONL/TensorBoard records, checkpoints, signals (no
//                             algorithm, no plotting)
//   MetaExploreAlgorithms     one folder per algorithm family (off-policy DDPG/TD3, learned exploration) and the
//                             one list that registers them; each family's presets as YAML resources
//   MetaExploreAnalysis       PNG plots, bitmap font, statistics, results tables, parallel experiment grids
//   MetaExplore               umbrella module re-exporting all of the above
//   metaexplore               the command-line tool (a thin layer over the library)
import PackageDescription

let package = Package(
    name: "MetaExplore",
    products: [
        .library(name: "MetaExplore", targets: ["MetaExplore"]),
        .executable(name: "metaexplore", targets: ["metaexplore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CMuJoCo", path: "Sources/CMuJoCo", pkgConfig: "mujoco",
            providers: [.apt(["(run scripts/setup.sh: MuJoCo 3.3.7 from the PyPI wheel)"])]),
        .target(name: "MetaExploreRandom", exclude: ["README.md"]),
        .target(name: "CMetaExploreKernels", exclude: ["README.md"]),
        .target(
            name: "MetaExploreTensor", dependencies: ["CBLAS", "CMetaExploreKernels", "MetaExploreRandom"],
            exclude: ["README.md"]),
        .target(name: "MetaExploreNN", dependencies: ["MetaExploreTensor", "MetaExploreRandom"], exclude: ["README.md"]),
        .target(
            name: "MetaExploreEnvironments", dependencies: ["CMuJoCo", "MetaExploreRandom"], exclude: ["README.md"]),
        .target(
            name: "MetaExploreRuntime",
            dependencies: [
                "MetaExploreTensor", "MetaExploreNN", "MetaExploreRandom", "MetaExploreEnvironments",
                .product(name: "Yams", package: "Yams"),
            ],
            exclude: ["README.md"]),
        // Presets are YAML files under Presets/<family>/, shipped as the module's resource bundle
        // (PresetLibrary finds it beside the executable; see the Runtime README).
        .target(
            name: "MetaExploreAlgorithms",
            dependencies: [
                "MetaExploreTensor", "MetaExploreNN", "MetaExploreRandom", "MetaExploreEnvironments",
                "MetaExploreRuntime",
            ],
            exclude: ["README.md"],
            resources: [.copy("Presets")]),
        .target(name: "MetaExploreAnalysis", dependencies: ["MetaExploreRandom", "MetaExploreRuntime"], exclude: ["README.md"]),
        .target(
            name: "MetaExplore",
            dependencies: [
                "MetaExploreRandom", "MetaExploreTensor", "MetaExploreNN", "MetaExploreEnvironments",
                "MetaExploreRuntime", "MetaExploreAlgorithms", "MetaExploreAnalysis",
            ],
            exclude: ["README.md"]),
        // Reusable test helpers (finite-difference gradient checks); a library target so test targets share it.
        .target(
            name: "MetaExploreTestSupport", dependencies: ["MetaExploreTensor", "MetaExploreRandom"], exclude: ["README.md"]),
        .executableTarget(
            name: "metaexplore",
            dependencies: ["MetaExplore", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            exclude: ["README.md"]),
        .testTarget(name: "MetaExploreRandomTests", dependencies: ["MetaExploreRandom"]),
        .testTarget(
            name: "MetaExploreTensorTests", dependencies: ["MetaExploreTensor", "MetaExploreTestSupport", "CMetaExploreKernels"]),
        .testTarget(name: "MetaExploreNNTests", dependencies: ["MetaExploreNN", "MetaExploreTestSupport"]),
        .testTarget(
            name: "MetaExploreEnvironmentsTests", dependencies: ["MetaExploreEnvironments"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "MetaExploreRuntimeTests", dependencies: ["MetaExploreRuntime"]),
        .testTarget(
            name: "MetaExploreAlgorithmsTests",
            dependencies: ["MetaExploreAlgorithms", "MetaExploreRuntime", "MetaExploreEnvironments"]),
        .testTarget(
            name: "MetaPolicyGradientTests",
            dependencies: ["MetaExploreAlgorithms", "MetaExploreEnvironments", "MetaExploreNN", "MetaExploreTensor",
                           "MetaExploreRandom", "MetaExploreRuntime"]),
        .testTarget(name: "MetaExploreAnalysisTests", dependencies: ["MetaExploreAnalysis"]),
        .testTarget(name: "MetaExploreTests", dependencies: ["MetaExplore"], exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v5]
)
