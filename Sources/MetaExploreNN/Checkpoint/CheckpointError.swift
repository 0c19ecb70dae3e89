import MetaExploreTensor

/// Why a `.safetensors` file could not be written, read or loaded. Every case names the file.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    /// There is no file at the path.
    case fileNotFound(path: String)
    /// The file exists but could not be read (a directory, no permission, ...).
    case unreadable(path: String, reason: String)
    /// Fewer than the 8 bytes of the header-length field.
    case fileTooShort(path: String, size: Int)
    /// The header-length field points past the end of the file (a truncated file or header).
    case headerLengthOutOfBounds(path: String, headerLength: UInt64, fileSize: Int)
    /// The header is not valid UTF-8 JSON of the expected structure.
    case invalidHeader(path: String, reason: String)
    /// A tensor name occurs twice (in the header, or in the list given to the writer).
    case duplicateName(path: String, name: String)
    /// A name the format cannot store (empty, or the reserved "__metadata__").
    case invalidTensorName(path: String, name: String)
    /// A dtype string other than the supported "F32" and "F64".
    case unsupportedDType(path: String, tensor: String, dtype: String)
    /// A tensor's data_offsets are reversed or reach past the data section.
    case offsetsOutOfBounds(path: String, tensor: String, begin: Int, end: Int, dataSize: Int)
    /// A tensor's data does not start where the previous one ends (overlap when `begin` is smaller, a gap when
    /// larger); the format lays tensors out back to back.
    case nonContiguousData(path: String, tensor: String, begin: Int, expectedBegin: Int)
    /// A tensor's byte range does not hold exactly shape × dtype-size bytes.
    case byteCountMismatch(path: String, tensor: String, shape: [Int], dtype: String, byteCount: Int)
    /// Bytes after the last tensor.
    case trailingData(path: String, byteCount: Int)
    /// The file could not be written; any previous file at the path is unchanged.
    case writeFailed(path: String, reason: String)
    /// The checkpoint does not fit the tensors it is loaded into; nothing was written.
    case incompatible(path: String, problems: [CheckpointProblem])

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "\(path): no such checkpoint file"
        case let .unreadable(path, reason):
            return "\(path): cannot read checkpoint: \(reason)"
        case let .fileTooShort(path, size):
            return "\(path): file has \(size) bytes, fewer than the 8-byte header length of a .safetensors file"
        case let .headerLengthOutOfBounds(path, length, size):
            return "\(path): header length \(length) exceeds the \(size - 8) bytes after the length field "
                + "(truncated file?)"
        case let .invalidHeader(path, reason):
            return "\(path): invalid .safetensors header: \(reason)"
        case let .duplicateName(path, name):
            return "\(path): tensor name '\(name)' occurs more than once"
        case let .invalidTensorName(path, name):
            return "\(path): '\(name)' cannot be used as a tensor name"
        case let .unsupportedDType(path, tensor, dtype):
            return "\(path): tensor '\(tensor)' has dtype \"\(dtype)\"; supported dtypes are F32 and F64"
        case let .offsetsOutOfBounds(path, tensor, begin, end, dataSize):
            return "\(path): tensor '\(tensor)' has data_offsets [\(begin), \(end)] outside the \(dataSize)-byte "
                + "data section"
        case let .nonContiguousData(path, tensor, begin, expected):
            return "\(path): tensor '\(tensor)' starts at byte \(begin) of the data section but the previous tensor "
                + "ends at \(expected) (\(begin < expected ? "overlapping" : "a gap in the") data)"
        case let .byteCountMismatch(path, tensor, shape, dtype, byteCount):
            return "\(path): tensor '\(tensor)' of dtype \(dtype) and shape \(shape) needs "
                + "\(shape.reduce(1, *) * (dtype == "F64" ? 8 : 4)) bytes but its data_offsets span \(byteCount)"
        case let .trailingData(path, count):
            return "\(path): \(count) bytes of trailing data after the last tensor"
        case let .writeFailed(path, reason):
            return "\(path): cannot write checkpoint: \(reason)"
        case let .incompatible(path, problems):
            return "\(path): checkpoint does not match the model (nothing was loaded):\n"
                + problems.map { "  - \($0)" }.joined(separator: "\n")
        }
    }
}

/// One way a checkpoint differs from the tensors it is loaded into.
public enum CheckpointProblem: Equatable, CustomStringConvertible {
    case missing(tensor: String, expectedShape: [Int], expectedDType: DType)
    case shapeMismatch(tensor: String, expected: [Int], found: [Int])
    case dtypeMismatch(tensor: String, expected: DType, found: DType)
    case unexpected(tensor: String, shape: [Int], dtype: DType)

    public var description: String {
        switch self {
        case let .missing(name, shape, dtype):
            return "missing tensor '\(name)' (expected \(dtype) \(shape))"
        case let .shapeMismatch(name, expected, found):
            return "tensor '\(name)' has shape \(found), expected \(expected)"
        case let .dtypeMismatch(name, expected, found):
            return "tensor '\(name)' has dtype \(found), expected \(expected)"
        case let .unexpected(name, shape, dtype):
            return "unexpected tensor '\(name)' (\(dtype) \(shape))"
        }
    }
}
