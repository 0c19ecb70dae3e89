import Foundation
import Testing
import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor

/// A fresh empty directory under the system temporary directory.
func scratchDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("metaexplore-ckpt-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The CheckpointError thrown by `body`, or nil.
func checkpointError(_ body: () throws -> Void) -> CheckpointError? {
    do {
        try body()
        return nil
    } catch let e as CheckpointError {
        return e
    } catch {
        return nil
    }
}

/// A file made of an 8-byte length, the given header text (unpadded) and raw data.
func rawFile(header: String, data: [UInt8] = [], headerLength: UInt64? = nil) -> [UInt8] {
    let h = Array(header.utf8)
    var out: [UInt8] = []
    withUnsafeBytes(of: (headerLength ?? UInt64(h.count)).littleEndian) { out += $0 }
    return out + h + data
}

func littleEndianBytes(_ values: [Float]) -> [UInt8] {
    values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
}

@Suite struct SafeTensorsTests {
    @Test func roundTripAcrossDTypesRanksAndMetadata() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = RandomStream(seed: 1)
        for dtype in DType.allCases {
            let tensors: [(name: String, tensor: Tensor)] = [
                ("scalar", Tensor.randomNormal([], dtype: dtype, using: &rng)),
                ("vector", Tensor.randomNormal([5], dtype: dtype, using: &rng)),
                ("matrix", Tensor.randomNormal([3, 4], dtype: dtype, using: &rng)),
                ("cube", Tensor.randomNormal([2, 3, 2], dtype: dtype, using: &rng)),
                ("empty", Tensor.zeros([2, 0], dtype: dtype)),
                ("a.b/c ünïcode \"quoted\"", Tensor.randomNormal([2], dtype: dtype, using: &rng)),
            ]
            for metadata in [[:], ["format": "pt", "note": "line1\nline2 \"q\" \\ tab\t ✓", "": "empty key"]] {
                let url = dir.appendingPathComponent("rt-\(dtype)-\(metadata.count).safetensors")
                try SafeTensors.write(tensors, metadata: metadata, to: url)
                let file = try SafeTensors.read(from: url)
                #expect(file.names == tensors.map(\.name))
                #expect(file.metadata == metadata)
                for (name, t) in tensors {
                    let back = try #require(file[name])
                    #expect(back.shape == t.shape && back.dtype == t.dtype)
                    #expect(back.doubles == t.doubles)  // bit-exact
                }
            }
        }
        // No temporary files are left behind.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty)
    }

    @Test func byteLevelFormat() throws {
        let bytes = try SafeTensors.encode([("w", Tensor(shape: [2], scalars: [1, -2])),
                                            ("d", Tensor(shape: [1, 1], doubles: [0.5]))], metadata: ["k": "v"])
        let n = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        #expect(n % 8 == 0)
        #expect(bytes.count == 8 + Int(n) + 8 + 8)
        let header = Array(bytes[8..<(8 + Int(n))])
        #expect(header.first == UInt8(ascii: "{"))
        // Padding is spaces after the closing brace.
        let close = try #require(header.lastIndex(of: UInt8(ascii: "}")))
        #expect(header[(close + 1)...].allSatisfy { $0 == UInt8(ascii: " ") })
        // An independent JSON parser sees the expected keys and values.
        let json = try #require(try JSONSerialization.jsonObject(with: Data(header)) as? [String: Any])
        #expect(Set(json.keys) == ["__metadata__", "w", "d"])
        #expect(json["__metadata__"] as? [String: String] == ["k": "v"])
        let w = try #require(json["w"] as? [String: Any])
        #expect(w["dtype"] as? String == "F32")
        #expect(w["shape"] as? [Int] == [2])
        #expect(w["data_offsets"] as? [Int] == [0, 8])
        let d = try #require(json["d"] as? [String: Any])
        #expect(d["dtype"] as? String == "F64")
        #expect(d["shape"] as? [Int] == [1, 1])
        #expect(d["data_offsets"] as? [Int] == [8, 16])
        // Exact data bytes: little-endian IEEE 754.
        let data = Array(bytes[(8 + Int(n))...])
        #expect(Array(data[0..<8]) == [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0])  // 1.0f, -2.0f
        #expect(Array(data[8..<16]) == [0, 0, 0, 0, 0, 0, 0xE0, 0x3F])  // 0.5
    }

    @Test func readsFilesLaidOutByOtherWriters() throws {
        // The layout of Python's safetensors: "__metadata__" first, entries in another order than the data,
        // an unpadded header.
        let header = #"{"__metadata__":{"format":"np"},"b":{"dtype":"F32","shape":[],"data_offsets":[8,12]},"#
            + #""a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("other.safetensors")
        try Data(rawFile(header: header, data: littleEndianBytes([1, 2, 3]))).write(to: url)
        let file = try SafeTensors.read(from: url)
        #expect(file.names == ["a", "b"])
        #expect(file["a"]?.scalars == [1, 2] && file["b"]?.shape == [] && file["b"]?.item == 3)
        #expect(file.metadata == ["format": "np"])
    }

    @Test func writeIsAtomic() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("model.safetensors")
        let old = Tensor(shape: [3], scalars: [1, 2, 3])
        try SafeTensors.write([("x", old)], to: url)
        // Overwriting a good file replaces it completely.
        try SafeTensors.write([("x", Tensor(shape: [2], scalars: [7, 8])), ("y", Tensor.zeros([1]))], to: url)
        #expect(try SafeTensors.read(from: url).names == ["x", "y"])
        try SafeTensors.write([("x", old)], to: url)

        // A failing write (the staging name is taken by a directory) throws and leaves the old file intact.
        let staging = SafeTensors.temporaryURL(for: url)
        #expect(staging.deletingLastPathComponent().path == url.deletingLastPathComponent().path)
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: false)
        let error = checkpointError { try SafeTensors.write([("x", Tensor.zeros([1000]))], to: url) }
        guard case .writeFailed(let path, _)? = error else { Issue.record("expected writeFailed, got \(String(describing: error))"); return }
        #expect(path == url.path && error!.description.contains("model.safetensors"))
        #expect(try SafeTensors.read(from: url)["x"]?.scalars == [1, 2, 3])
        try FileManager.default.removeItem(at: staging)

        // A failing rename (the destination is a non-empty directory) removes the staged file.
        let dirTarget = dir.appendingPathComponent("occupied")
        try FileManager.default.createDirectory(at: dirTarget.appendingPathComponent("inner"), withIntermediateDirectories: true)
        #expect(checkpointError { try SafeTensors.write([("x", old)], to: dirTarget) } != nil)
        #expect(FileManager.default.fileExists(atPath: dirTarget.appendingPathComponent("inner").path))

        // Invalid input is rejected before the file is touched.
        #expect(checkpointError { try SafeTensors.write([("x", old), ("x", old)], to: url) }
                == .duplicateName(path: url.path, name: "x"))
        #expect(checkpointError { try SafeTensors.write([("__metadata__", old)], to: url) }
                == .invalidTensorName(path: url.path, name: "__metadata__"))
        #expect(try SafeTensors.read(from: url)["x"]?.scalars == [1, 2, 3])

        // A directory we may not write into (only meaningful when not running as root).
        if geteuid() != 0 {
            let locked = dir.appendingPathComponent("locked")
            try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: false)
            let inLocked = locked.appendingPathComponent("m.safetensors")
            try SafeTensors.write([("x", old)], to: inLocked)
            try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: locked.path)
            defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: locked.path) }
            #expect(checkpointError { try SafeTensors.write([("x", Tensor.zeros([3]))], to: inLocked) } != nil)
            #expect(try SafeTensors.read(from: inLocked)["x"]?.scalars == [1, 2, 3])
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty)
    }

    @Test func corruptFilesGiveSpecificErrorsNamingTheFile() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = try SafeTensors.encode([("w", Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])),
                                           ("b", Tensor(shape: [2], scalars: [5, 6]))])
        let headerLength = Int(good[0])  // small header: the low byte is the length
        let f32x2 = littleEndianBytes([1, 2])

        func check(_ name: String, _ bytes: [UInt8], _ matches: (CheckpointError) -> Bool) throws {
            let url = dir.appendingPathComponent("\(name).safetensors")
            try Data(bytes).write(to: url)
            let error = checkpointError { _ = try SafeTensors.read(from: url) }
            #expect(error.map(matches) == true, "\(name): got \(String(describing: error))")
            #expect(error?.description.contains("\(name).safetensors") == true, "\(name): \(String(describing: error))")
        }

        let missing = dir.appendingPathComponent("nothing-here.safetensors")
        #expect(checkpointError { _ = try SafeTensors.read(from: missing) } == .fileNotFound(path: missing.path))
        #expect(checkpointError { _ = try SafeTensors.read(from: missing) }!.description.contains("nothing-here.safetensors"))

        try check("too-short", [1, 2, 3, 4, 5]) { if case .fileTooShort(_, 5) = $0 { return true }; return false }
        try check("huge-length", rawFile(header: "{}", headerLength: 1 << 40)) {
            if case .headerLengthOutOfBounds(_, 1 << 40, _) = $0 { return true }; return false
        }
        try check("truncated-header", Array(good[0..<(8 + headerLength / 2)])) {
            if case .headerLengthOutOfBounds = $0 { return true }; return false
        }
        try check("truncated-data", Array(good[0..<(good.count - 3)])) {
            if case .offsetsOutOfBounds(_, "b", 16, 24, 21) = $0 { return true }; return false
        }
        try check("garbage-json", rawFile(header: "{\"w\": {\"dtype\": \"F32\", \"shape\": [2", data: f32x2)) {
            if case .invalidHeader = $0 { return true }; return false
        }
        try check("not-json", rawFile(header: "\u{1}\u{2}binary", data: f32x2)) {
            if case .invalidHeader = $0 { return true }; return false
        }
        try check("array-header", rawFile(header: "[1, 2]")) {
            if case .invalidHeader = $0 { return true }; return false
        }
        try check("missing-field", rawFile(header: #"{"w":{"dtype":"F32","shape":[2]}}"#, data: f32x2)) {
            if case .invalidHeader(_, let reason) = $0 { return reason.contains("data_offsets") }; return false
        }
        try check("bad-shape", rawFile(header: #"{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, data: f32x2)) {
            if case .invalidHeader = $0 { return true }; return false
        }
        try check("bad-metadata", rawFile(header: #"{"__metadata__":{"n":3}}"#)) {
            if case .invalidHeader = $0 { return true }; return false
        }
        try check("wrong-dtype", rawFile(header: #"{"w":{"dtype":"F17","shape":[2],"data_offsets":[0,8]}}"#, data: f32x2)) {
            $0 == .unsupportedDType(path: dir.appendingPathComponent("wrong-dtype.safetensors").path, tensor: "w", dtype: "F17")
        }
        try check("f16-dtype", rawFile(header: #"{"w":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}}"#, data: f32x2)) {
            if case .unsupportedDType(_, "w", "F16") = $0 { return true }; return false
        }
        try check("offsets-past-end", rawFile(header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, data: f32x2)) {
            if case .offsetsOutOfBounds(_, "w", 4, 12, 8) = $0 { return true }; return false
        }
        try check("offsets-reversed", rawFile(header: #"{"w":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}"#, data: f32x2)) {
            if case .offsetsOutOfBounds = $0 { return true }; return false
        }
        try check("size-mismatch", rawFile(header: #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: f32x2)) {
            if case .byteCountMismatch(_, "w", [3], "F32", 8) = $0 { return true }; return false
        }
        try check("overlap", rawFile(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"#
                                     + #""b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: f32x2)) {
            if case .nonContiguousData(_, "b", 4, 8) = $0 { return true }; return false
        }
        try check("gap", rawFile(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: f32x2)) {
            if case .nonContiguousData(_, "a", 4, 0) = $0 { return true }; return false
        }
        try check("trailing", good + [0xDE, 0xAD]) {
            if case .trailingData(_, 2) = $0 { return true }; return false
        }
        try check("duplicate", rawFile(header: #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"#
                                       + #""w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: f32x2)) {
            if case .duplicateName(_, "w") = $0 { return true }; return false
        }
        // A directory in place of the file.
        #expect(checkpointError { _ = try SafeTensors.read(from: dir) }.map {
            if case .unreadable = $0 { return true }; return false
        } == true)
    }
}

@Suite struct CheckpointTests {
    func model(hidden: Int, seed: UInt64) -> (actor: MLP, critic: MLP, optimizer: Adam) {
        var rng = RandomStream(seed: seed)
        let actor = MLP(inputSize: 3, hiddenSizes: [hidden], outputSize: 2, layerNorm: true, using: &rng)
        let critic = MLP(inputSize: 5, hiddenSizes: [hidden], outputSize: 1, using: &rng)
        let optimizer = Adam(parameters: actor.parameters, learningRate: 1e-3)
        return (actor, critic, optimizer)
    }

    func checkpoint(_ m: (actor: MLP, critic: MLP, optimizer: Adam)) -> Checkpoint {
        var c = Checkpoint(metadata: ["algorithm": "td3"])
        c.add("actor", layer: m.actor)
        c.add("critic", layer: m.critic)
        c.add("actor_optimizer", optimizer: m.optimizer)
        return c
    }

    @Test func saveAndLoadRestoresParametersAndOptimizerState() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("run.safetensors")
        let source = model(hidden: 8, seed: 1)
        // Take a few optimizer steps so the state is non-trivial.
        var rng = RandomStream(seed: 9)
        for _ in 0..<3 {
            let x = Tensor.randomNormal([4, 3], using: &rng)
            let loss = source.actor(x).squared().mean()
            source.optimizer.step(gradients(of: loss, wrt: source.actor.parameters))
        }
        try checkpoint(source).save(to: url, metadata: ["step": "3"])

        let target = model(hidden: 8, seed: 2)
        let file = try checkpoint(target).load(from: url)
        #expect(file.metadata == ["algorithm": "td3", "step": "3"])
        #expect(file.names.first == "actor.0.weight")
        for (a, b) in zip(source.actor.parameters + source.critic.parameters, target.actor.parameters + target.critic.parameters) {
            #expect(a.scalars == b.scalars)
        }
        #expect(target.optimizer.stepCount == 3)
        for (a, b) in zip(source.optimizer.stateTensors, target.optimizer.stateTensors) {
            #expect(a.name == b.name && a.tensor.doubles == b.tensor.doubles)
        }
        // The plain form loads by name.
        let critic = model(hidden: 8, seed: 3).critic
        try Checkpoint.load(from: url, into: prefixed("critic", critic.namedParameters), allowUnexpected: true)
        #expect(critic.parameters.map(\.scalars) == source.critic.parameters.map(\.scalars))
    }

    @Test func mismatchedCheckpointChangesNothingAndReportsEveryProblem() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("wide.safetensors")
        let source = model(hidden: 8, seed: 1)
        var saved = checkpoint(source)
        saved.add("extra", tensors: [("noise_scale", Tensor(shape: [1], scalars: [0.1]))])
        try saved.save(to: url)

        // Same actor input layer but a different hidden width: the first tensors would fit, later ones not.
        let target = model(hidden: 6, seed: 2)
        let before = (target.actor.parameters + target.critic.parameters).map(\.doubles)
        let error = checkpointError { try checkpoint(target).load(from: url) }
        guard case .incompatible(let path, let problems)? = error else {
            Issue.record("expected incompatible, got \(String(describing: error))"); return
        }
        #expect(path == url.path)
        #expect(problems.contains(.shapeMismatch(tensor: "actor.0.weight", expected: [3, 6], found: [3, 8])))
        #expect(problems.contains(.shapeMismatch(tensor: "critic.1.weight", expected: [6, 1], found: [8, 1])))
        #expect(problems.contains(.unexpected(tensor: "extra.noise_scale", shape: [1], dtype: .float32)))
        #expect(!problems.contains { if case .shapeMismatch(tensor: "critic.1.bias", _, _) = $0 { return true }; return false })
        let text = error!.description
        #expect(text.contains("wide.safetensors") && text.contains("actor.0.weight") && text.contains("[3, 8]") && text.contains("[3, 6]"))
        #expect((target.actor.parameters + target.critic.parameters).map(\.doubles) == before)
        #expect(target.optimizer.stepCount == 0)

        // Missing tensors and dtype mismatches are reported too, and still nothing is written.
        var rng = RandomStream(seed: 77)
        let small = Linear(8, 1, dtype: .float64, using: &rng)
        let values: [[Double]] = small.parameters.map { $0.doubles }
        let expected: [(name: String, tensor: Tensor)] =
            prefixed("critic.1", small.namedParameters) + [(name: "absent", tensor: Tensor.zeros([2]))]
        let err2 = checkpointError { try Checkpoint.load(from: url, into: expected, allowUnexpected: true) }
        guard case .incompatible(_, let problems2)? = err2 else { Issue.record("expected incompatible"); return }
        let wanted: [CheckpointProblem] = [
            .dtypeMismatch(tensor: "critic.1.weight", expected: .float64, found: .float32),
            .dtypeMismatch(tensor: "critic.1.bias", expected: .float64, found: .float32),
            .missing(tensor: "absent", expectedShape: [2], expectedDType: .float32),
        ]
        #expect(problems2 == wanted)
        #expect(small.parameters.map { $0.doubles } == values)
    }
    @Test func optimizerStateLoadingIsAllOrNothing() throws {
        var rng = RandomStream(seed: 5)
        let layer = Linear(3, 2, using: &rng)
        let adam = Adam(parameters: layer.parameters, learningRate: 0.1)
        adam.step(layer.parameters.map { Tensor.ones($0.shape) })
        let before = adam.stateTensors.map { $0.tensor.doubles }
        var state: [String: Tensor] = [:]
        for (name, t) in adam.stateTensors { state[name] = Tensor.full(t.shape, 9, dtype: t.dtype) }
        state["v.1"] = Tensor.zeros([5])  // the last entry does not fit
        #expect(throws: OptimizerStateError.self) { try adam.loadState(state) }
        #expect(adam.stateTensors.map { $0.tensor.doubles } == before)
        #expect(adam.stepCount == 1)

        // SGD momentum buffers round-trip through a checkpoint.
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("sgd.safetensors")
        let sgd = SGD(parameters: layer.parameters, learningRate: 0.1, momentum: 0.9)
        sgd.step(layer.parameters.map { Tensor.full($0.shape, 0.5) })
        var c = Checkpoint()
        c.add("sgd", optimizer: sgd)
        try c.save(to: url)
        let fresh = SGD(parameters: layer.parameters, learningRate: 0.1, momentum: 0.9)
        var d = Checkpoint()
        d.add("sgd", optimizer: fresh)
        try d.load(from: url)
        #expect(fresh.stateTensors.map { $0.tensor.doubles } == sgd.stateTensors.map { $0.tensor.doubles })
        #expect(fresh.stateTensors[0].tensor.doubles.allSatisfy { $0 == 0.5 })
    }
}
