import Foundation

/// A live one-line progress display on stderr: steps, steps/s, recent training return, last evaluation return and
/// the estimated time left. On a terminal the line is redrawn in place at most `interval` seconds apart (~2 Hz);
/// when stderr is not a terminal (a log file, CI) plain lines are printed, by default every 10 s.
public final class ProgressReporter {
    public let totalSteps: Int
    public let interval: Double
    public let isTerminal: Bool
    private let output: (String) -> Void
    private let clock: () -> Double
    private let startTime: Double
    private var startStep: Int?
    private var lastPrint = -Double.infinity
    private var printedInPlace = false

    public init(totalSteps: Int, isTerminal: Bool? = nil, interval: Double? = nil,
                output: ((String) -> Void)? = nil, clock: (() -> Double)? = nil) {
        self.totalSteps = totalSteps
        let terminal = isTerminal ?? (isatty(2) != 0)
        self.isTerminal = terminal
        self.interval = interval ?? (terminal ? 0.5 : 10)
        self.output = output ?? { FileHandle.standardError.write(Data($0.utf8)) }
        let clock = clock ?? { Date().timeIntervalSince1970 }
        self.clock = clock
        startTime = clock()
    }

    /// Reports progress; prints only when `interval` has passed since the last print (or when `force`).
    public func update(step: Int, trainReturn: Double?, evalReturn: Double?, force: Bool = false) {
        if startStep == nil { startStep = step }
        let now = clock()
        guard force || now - lastPrint >= interval else { return }
        lastPrint = now
        let line = Self.format(step: step, totalSteps: totalSteps, elapsed: now - startTime,
                               stepsDone: step - (startStep ?? step), trainReturn: trainReturn, evalReturn: evalReturn)
        if isTerminal {
            output("\r" + line + "\u{1B}[K")
            printedInPlace = true
        } else {
            output(line + "\n")
        }
    }

    /// Ends the in-place line.
    public func finish() {
        if printedInPlace { output("\n") }
        printedInPlace = false
    }

    /// The text of one progress line.
    public static func format(step: Int, totalSteps: Int, elapsed: Double, stepsDone: Int, trainReturn: Double?,
                              evalReturn: Double?) -> String {
        let rate = elapsed > 0 ? Double(stepsDone) / elapsed : 0
        let remaining = rate > 0 ? Double(totalSteps - step) / rate : .nan
        func f(_ x: Double?) -> String { x.map { String(format: "%.1f", $0) } ?? "–" }
        if step >= totalSteps {
            // Units of several steps (an iteration) end past the budget: say so instead of "103.3%".
            let past = step > totalSteps ? ", \(step - totalSteps) past it to finish the last iteration" : ""
            return String(format: "step %d (budget %d reached%@)  %.0f steps/s  train return %@  eval return %@",
                          step, totalSteps, past, rate, f(trainReturn), f(evalReturn))
        }
        let pct = totalSteps > 0 ? 100 * Double(step) / Double(totalSteps) : 0
        return String(format: "step %d/%d (%.1f%%)  %.0f steps/s  train return %@  eval return %@  ETA %@",
                      step, totalSteps, pct, rate, f(trainReturn), f(evalReturn), duration(remaining))
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "–" }
        let s = Int(seconds.rounded())
        if s >= 3600 { return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60) }
        if s >= 60 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return "\(s)s"
    }
}
