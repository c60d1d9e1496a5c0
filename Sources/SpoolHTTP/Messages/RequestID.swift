import Foundation
import Synchronization

/// Short ids that tie an opaque 500 to the log line holding its details: a random prefix per
/// process (so ids from two runs never collide in one log) and a counter.
enum RequestID {
    private static let prefix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
    private static let counter = Atomic<Int>(0)

    static func next() -> String {
        let number = counter.wrappingAdd(1, ordering: .relaxed).newValue
        return "\(prefix)-\(String(number, radix: 16))"
    }
}
