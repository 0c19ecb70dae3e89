import Foundation

/// Reads Gymnasium-style keyword options (`["ctrl_cost_weight": 0.2]`) into a typed configuration.
///
/// Booleans are 0/1; a `(low, high)` tuple option such as `healthy_z_range` is given as two keys,
/// `healthy_z_range_low` and `healthy_z_range_high`. Keys the configuration does not know are an error.
struct OptionReader {
    private var remaining: [String: Double]
    private var known: [String] = []

    init(_ options: [String: Double]) { remaining = options }

    /// Reads a number option; NaN is refused (it would make every reward NaN). Infinities are refused too, except
    /// for keys whose meaning allows them (`allowInfinite`, e.g. an unbounded range).
    mutating func read(_ key: String, into value: inout Double, allowInfinite: Bool = false) throws {
        known.append(key)
        if let v = remaining.removeValue(forKey: key) {
            guard !v.isNaN, allowInfinite || v.isFinite else {
                throw EnvironmentError.invalidConfiguration("option \(key) must be a finite number, got \(v)")
            }
            value = v
        }
    }

    mutating func read(_ key: String, into value: inout Int) throws {
        known.append(key)
        if let v = remaining.removeValue(forKey: key) {
            guard let i = Int(exactly: v) else {
                throw EnvironmentError.invalidConfiguration("option \(key) must be an integer, got \(v)")
            }
            value = i
        }
    }

    mutating func read(_ key: String, into value: inout Bool) throws {
        known.append(key)
        if let v = remaining.removeValue(forKey: key) {
            guard v == 0 || v == 1 else {
                throw EnvironmentError.invalidConfiguration("option \(key) is a boolean (0 or 1), got \(v)")
            }
            value = v == 1
        }
    }

    mutating func read(_ key: String, into range: inout ClosedRange<Double>) throws {
        var low = range.lowerBound, high = range.upperBound
        try read(key + "_low", into: &low, allowInfinite: true)
        try read(key + "_high", into: &high, allowInfinite: true)
        guard low <= high else { throw EnvironmentError.invalidConfiguration("\(key): low \(low) > high \(high)") }
        range = low...high
    }

    /// Throws if options were given that no `read` consumed.
    func finish(_ environment: String) throws {
        guard remaining.isEmpty else {
            throw EnvironmentError.invalidConfiguration(
                "\(environment) has no option(s) \(remaining.keys.sorted().joined(separator: ", ")); "
                    + "known options: \(known.joined(separator: ", "))")
        }
    }
}

/// The C library's `pow(x, y)`, never rewritten by the optimizer (LLVM turns a literal `pow(x, 2)` into `x * x`,
/// which differs from glibc's pow in the last bit for some x). Gymnasium squares NumPy scalars with `**`, which is
/// this pow, so matching it bit for bit needs the real call.
@inline(never) @_optimize(none)
func libmPow(_ x: Double, _ y: Double) -> Double { pow(x, y) }

/// The C library's `powf(x, y)`; see `libmPow`.
@inline(never) @_optimize(none)
func libmPowf(_ x: Float, _ y: Float) -> Float { powf(x, y) }
