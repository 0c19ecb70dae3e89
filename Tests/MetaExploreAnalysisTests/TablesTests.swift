import Foundation
import Testing
import MetaExploreAnalysis

@Suite struct TablesTests {
    @Test func markdownAndCSVExactStrings() {
        let table = ResultsTable([
            ResultsEntry(algorithm: "ddpg", environment: "Pendulum-v1", returns: [-150, -160, -170], paper: "-155 ± 12"),
            ResultsEntry(algorithm: "teacher", environment: "Pendulum-v1", returns: [-140]),
        ], resamples: 1000, seed: 7)
        let ci = Statistics.bootstrapMeanCI([-150, -160, -170], resamples: 1000, seed: 7)
        let lo = String(format: "%.1f", ci.lower), hi = String(format: "%.1f", ci.upper)
        #expect(table.markdown() == """
            | Environment | Algorithm | Return (mean ± std) | 95% CI | n | Paper |
            |---|---|---|---|---|---|
            | Pendulum-v1 | ddpg | -160.0 ± 10.0 | [\(lo), \(hi)] | 3 | -155 ± 12 |
            | Pendulum-v1 | teacher | -140.0 (one seed: no spread) | n/a | 1 |  |

            """)
        #expect(table.csv() == """
            environment,algorithm,mean,std,ci_lower,ci_upper,n,paper
            Pendulum-v1,ddpg,-160.0,10.0,\(lo),\(hi),3,-155 ± 12
            Pendulum-v1,teacher,-140.0,n/a,n/a,n/a,1,

            """)
        #expect(table.markdown() == table.markdown())
    }

    @Test func dictionaryInitSortsAndFormatsWithoutPaperColumn() {
        let t = ResultsTable(returns: ["td3": ["B": [1, 1]], "ddpg": ["B": [2.25, 2.25], "A": [-0.01, 0.01]]], decimals: 2)
        #expect(t.markdown() == """
            | Environment | Algorithm | Return (mean ± std) | 95% CI | n |
            |---|---|---|---|---|
            | A | ddpg | 0.00 ± 0.01 | [-0.01, 0.01] | 2 |
            | B | ddpg | 2.25 ± 0.00 | [2.25, 2.25] | 2 |
            | B | td3 | 1.00 ± 0.00 | [1.00, 1.00] | 2 |

            """)
        #expect(t.csv().split(separator: "\n").first == "environment,algorithm,mean,std,ci_lower,ci_upper,n")
    }

    @Test func csvReaderReadsNumericColumnsByName() throws {
        let t = try CSVTable(text: "step,return,note\n0,-1200.5,\"a, b\"\n1000,-800,\n2000,,\"say \"\"hi\"\"\"\r\n\n")
        #expect(t.header == ["step", "return", "note"])
        #expect(try t.numbers("step") == [0, 1000, 2000])
        let r = try t.numbers("return")
        #expect(r[0] == -1200.5 && r[1] == -800 && r[2].isNaN)
        #expect(try t.column("note") == ["a, b", "", "say \"hi\""])
        #expect(throws: CSVTable.Failure.self) { try t.numbers("missing") }
        #expect(CSVTable.escape("x,y") == "\"x,y\"" && CSVTable.escape("plain") == "plain")
    }
}
