/// One `SPOOLPROG` line of yt-dlp's progress template:
/// `SPOOLPROG <status> <downloaded> <total> <estimate> <speed> <eta> <percent> <id>`, any field
/// may be `NA`.
public struct ProgressLine: Sendable, Equatable {
    public var status: String
    public var downloadedBytes: Int64?
    public var totalBytes: Int64?
    public var speed: Double?
    public var eta: Int?
    public var percent: Double?

    public init?(_ line: String) {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 8, fields[0] == "SPOOLPROG" else { return nil }
        func number(_ index: Int) -> Double? { fields[index] == "NA" ? nil : Double(fields[index]) }
        status = String(fields[1])
        downloadedBytes = number(2).map { Int64($0) }
        totalBytes = (number(3) ?? number(4)).map { Int64($0) }
        speed = number(5)
        eta = number(6).map { Int($0) }
        percent = number(7).map { min(100, max(0, $0)) }
    }
}
