#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Environment tuning that must happen before OpenBLAS loads, so the tool re-executes itself once with it.
///
/// - `OPENBLAS_NUM_THREADS=1`: the networks are small and experiments run one per core; OpenBLAS's worker threads
///   (created when the library loads) would otherwise spin and steal the other core.
/// - `OPENBLAS_CORETYPE=SkylakeX` on AMD CPUs that have the AVX-512 subsets OpenBLAS's SkylakeX kernels use
///   (F, BW, DQ, VL, CD): OpenBLAS 0.3.21 (Debian 12) does not know AMD's newer families and falls back to its Haswell
///   kernels, which are 2.5× slower on 64×64 products there (measured: 2.4 µs vs 6.1 µs).
///
/// Variables the user already set are respected; `METAEXPLORE_NO_REEXEC=1` turns the mechanism off.
enum ProcessTuning {
    static func reexecWithTunedBLASIfNeeded() {
        #if os(Linux)
        let env = ProcessInfo.processInfo.environment
        if env["METAEXPLORE_NO_REEXEC"] == "1" || env["METAEXPLORE_TUNED"] == "1" { return }
        var changes: [String: String] = [:]
        if env["OPENBLAS_NUM_THREADS"] == nil { changes["OPENBLAS_NUM_THREADS"] = "1" }
        if env["OPENBLAS_CORETYPE"] == nil, amdWithAVX512() { changes["OPENBLAS_CORETYPE"] = "SkylakeX" }
        if changes.isEmpty { return }
        for (key, value) in changes { setenv(key, value, 1) }
        setenv("METAEXPLORE_TUNED", "1", 1)
        let args = CommandLine.arguments
        var cArgs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) }
        cArgs.append(nil)
        execv("/proc/self/exe", &cArgs)
        // execv returned: it failed; carry on untuned rather than fail.
        for p in cArgs { free(p) }
        #endif
    }

    /// True on an AMD CPU whose flags include avx512f, avx512bw, avx512dq, avx512vl and avx512cd.
    static func amdWithAVX512() -> Bool {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return false }
        guard info.contains("AuthenticAMD") else { return false }
        guard let flagsLine = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
        let flags = Set(flagsLine.split(separator: " ").map(String.init))
        return ["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"].allSatisfy(flags.contains)
    }
}
