// Validation helpers the families' `validate()` methods share (each throws `ConfigurationError.invalidValue` naming
// the key).
func check(_ condition: Bool, _ key: String, _ message: @autoclosure () -> String) throws {
    try requireSetting(condition, key, message())
}

func checkPositive(_ x: Double, _ key: String) throws {
    try check(x > 0 && x.isFinite, key, "must be a positive number, got \(x)")
}

func checkGamma(_ x: Double, _ key: String) throws {
    try check(x >= 0 && x <= 1, key, "must lie in [0, 1], got \(x)")
}

func checkTau(_ x: Double, _ key: String) throws {
    try check(x > 0 && x <= 1, key, "must lie in (0, 1], got \(x)")
}

func checkAlgorithm(_ value: String, _ expected: String) throws {
    try check(value == expected, "algorithm", "must be '\(expected)' for this configuration, got '\(value)'")
}

func checkEnvironment(_ value: String) throws {
    try check(!value.trimmingCharacters(in: .whitespaces).isEmpty, "environment", "must name an environment")
}
