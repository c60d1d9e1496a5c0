import Foundation
import SpoolCore
import SpoolHTTP
import SpoolStore

/// `POST /api/events`: playback telemetry, one event or `{"events": [...]}` (at most 500).
///
/// A batch is all or nothing: if any item is invalid (bad type, bad number, unknown track),
/// nothing is written and the error names the first bad item's index, so a client can fix it
/// and resend the same batch. Accepted events answer 202 only once committed (group commit).
/// Events for a track in the trash are recorded: the player flushes them right after a delete.
struct TelemetryRoutes: RouteCollection {
    static let maximumBatch = 500

    let ingest: TelemetryIngest
    /// The web app's player shows in music apps' "now playing" (`getNowPlaying`) through its events.
    let nowPlaying: NowPlayingBoard

    func register(on routes: inout Routes) {
        // Background: a burst of telemetry must not queue the user's clicks behind it.
        routes.post("/api/events", .listener, maximumBodySize: 1 << 20, priority: .background) { request, user in try receive(request, by: user) }
    }

    private func receive(_ request: HTTPRequest, by user: Principal) throws -> HTTPResponse {
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(request.body))
        } catch {
            throw HTTPError(status: 400, code: "invalid_json", message: "The request body is not valid JSON.")
        }
        let items: [Any]
        let batched: Bool
        if let object = json as? [String: Any], let events = object["events"] {
            guard let list = events as? [Any] else { throw HTTPError.badRequest("'events' must be a list.", code: "invalid_field") }
            items = list
            batched = true
        } else if json is [String: Any] {
            items = [json]
            batched = false
        } else {
            throw HTTPError.badRequest("Send one event object or {\"events\": [...]}.", code: "invalid_field")
        }
        // A list longer than the schema's `maxItems` is invalid input (400), not a body too
        // large (413 stays for bodies over the route's byte limit).
        guard items.count <= Self.maximumBatch else {
            throw HTTPError.badRequest("'events': a batch holds at most \(Self.maximumBatch) events; this one has \(items.count).",
                                       code: "invalid_field")
        }
        guard !items.isEmpty else { return .json(["accepted": 0], status: 202) }
        var events: [TelemetryIngest.Event] = []
        events.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            do {
                events.append(try Self.parse(item))
            } catch let message as InvalidEvent {
                let which = batched ? "events[\(index)]" : "event"
                throw HTTPError.badRequest("Invalid \(which): \(message.text)", code: "invalid_event")
            }
        }
        if let index = try ingest.firstUnknownTrack(in: events) {
            let which = batched ? "events[\(index)]" : "event"
            throw HTTPError(status: 422, code: "unknown_track",
                            message: "Invalid \(which): no track with id \(events[index].trackId); nothing in this batch was recorded.")
        }
        try ingest.ingest(events, by: user)
        nowPlaying.heard(events, userId: user.userId)
        return .json(["accepted": events.count], status: 202)
    }

    private struct InvalidEvent: Error { let text: String }

    private static func parse(_ item: Any) throws -> TelemetryIngest.Event {
        guard let object = item as? [String: Any] else { throw InvalidEvent(text: "expected an object.") }
        guard let typeName = object["type"] as? String else { throw InvalidEvent(text: "'type' is required.") }
        guard let type = PlayEventType(rawValue: typeName) else {
            throw InvalidEvent(text: "unknown type '\(typeName)'; use one of \(PlayEventType.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        guard let number = object["track_id"] as? NSNumber,
              let trackId = Int64(exactly: number.doubleValue), trackId > 0 else {
            throw InvalidEvent(text: "'track_id' must be a positive integer.")
        }
        let session = (object["session"] as? String) ?? ""
        guard !session.isEmpty, session.count <= 100 else {
            throw InvalidEvent(text: "'session' must be a string of 1 to 100 characters.")
        }
        let position = try Self.number(object, "position", range: 0...1e7)
        let value = try Self.number(object, "value", range: type == .volume ? 0...1 : -1e9...1e9)
        var clientTime: Date?
        if let text = object["client_time"] as? String {
            clientTime = InternetDateTime.parse(text)
            if clientTime == nil { throw InvalidEvent(text: "'client_time' must be an ISO 8601 time.") }
        } else if object["client_time"] != nil, !(object["client_time"] is NSNull) {
            throw InvalidEvent(text: "'client_time' must be an ISO 8601 time.")
        }
        return .init(trackId: trackId, session: session, type: type, position: position, value: value, clientTime: clientTime)
    }

    private static func number(_ object: [String: Any], _ key: String, range: ClosedRange<Double>) throws -> Double? {
        guard let raw = object[key], !(raw is NSNull) else { return nil }
        guard let number = raw as? NSNumber, number.doubleValue.isFinite, range.contains(number.doubleValue) else {
            throw InvalidEvent(text: "'\(key)' must be a number from \(range.lowerBound) to \(range.upperBound).")
        }
        return number.doubleValue
    }
}
