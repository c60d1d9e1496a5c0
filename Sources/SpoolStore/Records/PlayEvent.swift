import Foundation
import GRDB

/// One playback telemetry event from the player.
public struct PlayEvent: SpoolRecord, Identifiable, Equatable {
    public static let databaseTableName = "play_events"

    public var id: Int64?
    public var trackId: Int64
    public var session: String
    public var type: PlayEventType
    public var position: Double?
    public var value: Double?
    public var clientTime: Date?
    public var receivedAt: Date
    /// Whose play it was.
    public var userId: Int64?

    public init(
        trackId: Int64, session: String, type: PlayEventType, position: Double? = nil,
        value: Double? = nil, clientTime: Date? = nil, receivedAt: Date = Date()
    ) {
        self.trackId = trackId
        self.session = session
        self.type = type
        self.position = position
        self.value = value
        self.clientTime = clientTime
        self.receivedAt = receivedAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
