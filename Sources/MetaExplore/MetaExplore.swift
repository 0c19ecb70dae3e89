// The umbrella module: `import MetaExplore` gives the whole library.
@_exported import MetaExploreRandom
@_exported import MetaExploreEnvironments
