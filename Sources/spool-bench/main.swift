// Benchmarks of the queue and the writer, and the tools the scale benchmarks use
// (docs/benchmarks.md has the results and the commands):
//
//   spool-bench [--jobs N] [--batch N] [--workers N] [--dir PATH]   the queue and the writer, beside bare SQLite
//   spool-bench seed --db PATH [--small] [--tracks N --jobs N --plays N --sources N --tombstones N] [--seed N]
//                                                                   fill a new database to a given size
//   spool-bench triggers [--rounds N] [--jobs N]                    what the counters' triggers cost the writer
import Foundation

let arguments = CommandLine.arguments
do {
    switch arguments.dropFirst().first {
    case "seed": try SeedCommand.run(Array(arguments.dropFirst(2)))
    case "triggers": try TriggerCost.run(Array(arguments.dropFirst(2)))
    case "-h", "--help", "help": say(usage)
    default: try QueueBenchmark.run(Options(Array(arguments.dropFirst())))
    }
} catch {
    FileHandle.standardError.write(Data("spool-bench: \(error)\n".utf8))
    exit(1)
}
