import Foundation
import MetaExploreTensor
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The tensors and metadata of one `.safetensors` file, in the order their data is laid out.
public struct SafeTensorsFile {
    /// The file this was read from.
    public let url: URL
    /// The tensors in data order (the order the writer listed them).
    public let entries: [(name: String, tensor: Tensor)]
    /// The string-to-string "__metadata__" map (empty when the file has none).
    public let metadata: [String: String]

    public init(url: URL, entries: [(name: String, tensor: Tensor)], metadata: [String: String]) {
        self.url = url
        self.entries = entries
        self.metadata = metadata
    }

    /// The tensor names in data order.
    public var names: [String] { entries.map(\.name) }

    /// The tensor called `name`, if any.
    public subscript(name: String) -> Tensor? { entries.first { $0.name == name }?.tensor }

    /// The tensors whose names start with "`prefix`.", keyed by the rest of the name.
    public func tensors(withPrefix prefix: String) -> [String: Tensor] {
        let head = prefix + "."
        var out: [String: Tensor] = [:]
        for (name, t) in entries where name.hasPrefix(head) { out[String(name.dropFirst(head.count))] = t }
        return out
    }
}

/// Reading and writing the `.safetensors` format (Hugging Face, https://github.com/huggingface/safetensors):
///
///     [8 bytes: N, unsigned little-endian] [N bytes: JSON header] [data section]
///
/// The header is a UTF-8 JSON object mapping each tensor name to
/// `{"dtype": "F32"|"F64", "shape": [d0, d1, ...], "data_offsets": [begin, end]}` (byte offsets relative to the
/// data section), plus an optional `"__metadata__"` object of string values. Tensor data is row-major and
/// little-endian, laid out back to back with no gaps. The writer pads the header with spaces to a multiple of 8
/// bytes so the data section is 8-byte aligned (as the reference implementation does); the reader accepts any N.
/// Files written here load with Python's `safetensors.numpy.load_file` / `safetensors.torch.load_file`.
///
/// Only F32 and F64 are supported (the dtypes of `Tensor`). Machines are assumed little-endian (x86-64, AArch64).
public enum SafeTensors {
    /// Header sizes above this are rejected before parsing (the reference implementation's limit).
    public static let maximumHeaderLength: UInt64 = 100_000_000

    /// The file bytes for `tensors` (in the given order) and `metadata`. `path` only labels errors.
    public static func encode(
        _ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:], path: String = "<memory>"
    ) throws -> [UInt8] {
        var seen = Set<String>()
        for (name, _) in tensors {
            guard !name.isEmpty, name != "__metadata__" else { throw CheckpointError.invalidTensorName(path: path, name: name) }
            guard seen.insert(name).inserted else { throw CheckpointError.duplicateName(path: path, name: name) }
        }
        var parts: [String] = []
        if !metadata.isEmpty {
            let members = metadata.sorted { $0.key < $1.key }.map { "\(jsonQuoted($0.key)):\(jsonQuoted($0.value))" }
            parts.append("\"__metadata__\":{\(members.joined(separator: ","))}")
        }
        var offset = 0
        for (name, t) in tensors {
            let size = t.count * t.dtype.byteSize
            let shape = t.shape.map(String.init).joined(separator: ",")
            parts.append("\(jsonQuoted(name)):{\"dtype\":\"\(t.dtype.safetensorsName)\",\"shape\":[\(shape)],"
                         + "\"data_offsets\":[\(offset),\(offset + size)]}")
            offset += size
        }
        var header = Array("{\(parts.joined(separator: ","))}".utf8)
        header += Array(repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8)

        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes += $0 }
        bytes += header
        for (_, t) in tensors { t.withUnsafeBytes { bytes += $0 } }
        return bytes
    }

    /// Writes `tensors` and `metadata` to `url` atomically: the bytes go to a temporary file in the same directory
    /// (`temporaryURL(for:)`), which is flushed to disk (fsync) and then renamed over the destination, so readers
    /// see either the old file or the complete new one, never a partial write. On failure the temporary file is
    /// removed and any existing file at `url` is unchanged.
    public static func write(
        _ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:], to url: URL
    ) throws {
        try writeAtomically(try encode(tensors, metadata: metadata, path: url.path), to: url)
    }

    /// Writes already encoded file bytes (`encode`) to `url` atomically, as `write(_:metadata:to:)` does — for a
    /// caller that writes the same checkpoint to two files and encodes it once.
    public static func writeAtomically(_ bytes: [UInt8], to url: URL) throws {
        let path = url.path
        let tmp = temporaryURL(for: url).path
        func failure(_ what: String) -> CheckpointError {
            .writeFailed(path: path, reason: "\(what): \(String(cString: strerror(errno)))")
        }
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("cannot create temporary file \(tmp)") }
        var committed = false
        var isOpen = true
        defer {
            if isOpen { close(fd) }
            if !committed { unlink(tmp) }
        }
        try bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = posixWrite(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw failure("cannot write temporary file \(tmp)")
                }
                done += n
            }
        }
        guard fsync(fd) == 0 else { throw failure("cannot flush temporary file \(tmp)") }
        isOpen = false
        guard close(fd) == 0 else { throw failure("cannot close temporary file \(tmp)") }
        guard rename(tmp, path) == 0 else { throw failure("cannot rename \(tmp) to the destination") }
        committed = true
        // Persist the directory entry too (best effort: some file systems refuse fsync on directories).
        let dirFD = posixOpen(url.deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            _ = fsync(dirFD)
            close(dirFD)
        }
    }

    /// Where `write(_:metadata:to:)` stages the file before renaming it over `destination`: a hidden name in the
    /// same directory (so the rename stays on one file system), unique to the calling process and thread, so
    /// concurrent writers never share a staging file. A stale one left by a crash is simply overwritten.
    public static func temporaryURL(for destination: URL) -> URL {
        destination.deletingLastPathComponent()
            .appendingPathComponent(".\(destination.lastPathComponent).\(getpid())-\(UInt(bitPattern: Int(bitPattern: pthread_self()))).tmp")
    }

    /// Reads and validates a `.safetensors` file.
    public static func read(from url: URL) throws -> SafeTensorsFile {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CheckpointError.fileNotFound(path: path)
        }
        guard !isDirectory.boolValue else { throw CheckpointError.unreadable(path: path, reason: "it is a directory") }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw CheckpointError.unreadable(path: path, reason: "\(error.localizedDescription)")
        }
        return try decode([UInt8](data), url: url)
    }

    /// Parses and validates the bytes of a `.safetensors` file; `url` names the file in errors.
    public static func decode(_ bytes: [UInt8], url: URL) throws -> SafeTensorsFile {
        let path = url.path
        guard bytes.count >= 8 else { throw CheckpointError.fileTooShort(path: path, size: bytes.count) }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard n <= UInt64(bytes.count - 8) else {
            throw CheckpointError.headerLengthOutOfBounds(path: path, headerLength: n, fileSize: bytes.count)
        }
        guard n <= maximumHeaderLength else {
            throw CheckpointError.invalidHeader(path: path, reason: "header length \(n) exceeds \(maximumHeaderLength) bytes")
        }
        let headerEnd = 8 + Int(n)
        let root: JSONValue
        do {
            root = try JSONParser.parse(Array(bytes[8..<headerEnd]))
        } catch {
            throw CheckpointError.invalidHeader(path: path, reason: "\(error)")
        }
        guard case .object(let members) = root else {
            throw CheckpointError.invalidHeader(path: path, reason: "the header is a JSON \(root.typeName), not an object")
        }
        let dataSize = bytes.count - headerEnd

        struct Info { let name: String, dtype: DType, shape: [Int], begin: Int, end: Int }
        var infos: [Info] = []
        var metadata: [String: String]?
        var seen = Set<String>()
        for (name, value) in members {
            guard seen.insert(name).inserted else { throw CheckpointError.duplicateName(path: path, name: name) }
            if name == "__metadata__" {
                guard case .object(let entries) = value else {
                    throw CheckpointError.invalidHeader(path: path, reason: "__metadata__ is a \(value.typeName), not an object")
                }
                var m: [String: String] = [:]
                for (key, v) in entries {
                    guard case .string(let s) = v else {
                        throw CheckpointError.invalidHeader(path: path, reason: "__metadata__ entry '\(key)' is a \(v.typeName), not a string")
                    }
                    guard m.updateValue(s, forKey: key) == nil else {
                        throw CheckpointError.invalidHeader(path: path, reason: "__metadata__ key '\(key)' occurs more than once")
                    }
                }
                metadata = m
                continue
            }
            func bad(_ reason: String) -> CheckpointError {
                .invalidHeader(path: path, reason: "tensor '\(name)': \(reason)")
            }
            guard case .object(let fields) = value else { throw bad("entry is a \(value.typeName), not an object") }
            var dtypeName: String?, shape: [Int]?, offsets: [Int]?
            for (key, v) in fields {
                switch key {
                case "dtype":
                    guard case .string(let s) = v else { throw bad("dtype is a \(v.typeName), not a string") }
                    dtypeName = s
                case "shape":
                    guard case .array(let items) = v else { throw bad("shape is a \(v.typeName), not an array") }
                    let dims = items.compactMap(\.nonNegativeInt)
                    guard dims.count == items.count else { throw bad("shape must hold non-negative integers") }
                    shape = dims
                case "data_offsets":
                    guard case .array(let items) = v, items.count == 2,
                          let b = items[0].nonNegativeInt, let e = items[1].nonNegativeInt
                    else { throw bad("data_offsets must be two non-negative integers") }
                    offsets = [b, e]
                default:
                    throw bad("unknown field '\(key)'")
                }
            }
            guard let dtypeName else { throw bad("missing \"dtype\"") }
            guard let shape else { throw bad("missing \"shape\"") }
            guard let offsets else { throw bad("missing \"data_offsets\"") }
            let dtype: DType
            switch dtypeName {
            case "F32": dtype = .float32
            case "F64": dtype = .float64
            default: throw CheckpointError.unsupportedDType(path: path, tensor: name, dtype: dtypeName)
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin <= end, end <= dataSize else {
                throw CheckpointError.offsetsOutOfBounds(path: path, tensor: name, begin: begin, end: end, dataSize: dataSize)
            }
            var expected = dtype.byteSize
            var overflow = false
            for d in shape {
                let (p, o) = expected.multipliedReportingOverflow(by: d)
                expected = p
                overflow = overflow || o
            }
            guard !overflow, expected == end - begin else {
                throw CheckpointError.byteCountMismatch(path: path, tensor: name, shape: shape, dtype: dtypeName,
                                                        byteCount: end - begin)
            }
            infos.append(Info(name: name, dtype: dtype, shape: shape, begin: begin, end: end))
        }

        // The data section must be covered exactly, tensor after tensor.
        infos.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var cursor = 0
        for info in infos {
            guard info.begin == cursor else {
                throw CheckpointError.nonContiguousData(path: path, tensor: info.name, begin: info.begin, expectedBegin: cursor)
            }
            cursor = info.end
        }
        guard cursor == dataSize else { throw CheckpointError.trailingData(path: path, byteCount: dataSize - cursor) }

        let entries: [(name: String, tensor: Tensor)] = bytes.withUnsafeBytes { raw in
            infos.map { info in
                let t = Tensor.zeros(info.shape, dtype: info.dtype)
                if info.end > info.begin {
                    t.assign(bytes: UnsafeRawBufferPointer(rebasing: raw[(headerEnd + info.begin)..<(headerEnd + info.end)]))
                }
                return (info.name, t)
            }
        }
        return SafeTensorsFile(url: url, entries: entries, metadata: metadata ?? [:])
    }
}

// The C library's write(2) and open(2), under names that the `SafeTensors.write` method does not shadow.
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int { write(fd, buffer, count) }
private func posixOpen(_ path: String, _ flags: Int32) -> Int32 { open(path, flags) }
