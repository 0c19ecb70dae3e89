/// The element type of a tensor.
///
/// Networks train in `float32`; `float64` exists so that gradient checks against finite differences can be tight
/// (central differences in Float32 carry errors around 1e-3). Ops require their operands to share one dtype.
public enum DType: String, Sendable, CaseIterable, CustomStringConvertible {
    case float32
    case float64

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .float32: return 4
        case .float64: return 8
        }
    }

    /// The dtype name used in `.safetensors` headers ("F32", "F64").
    public var safetensorsName: String {
        switch self {
        case .float32: return "F32"
        case .float64: return "F64"
        }
    }

    public var description: String { rawValue }
}
