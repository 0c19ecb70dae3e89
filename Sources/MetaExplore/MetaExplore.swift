// The umbrella module: `import MetaExplore` gives the whole library.
@_exported import MetaExploreRandom
@_exported import MetaExploreTensor
@_exported import MetaExploreNN
@_exported import MetaExploreRuntime
@_exported import MetaExploreAlgorithms
@_exported import MetaExploreEnvironments
@_exported import MetaExploreAnalysis
