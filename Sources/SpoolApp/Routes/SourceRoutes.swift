import Foundation
import SpoolCore
import SpoolHTTP
import SpoolStore

/// Sources (channels, playlists, single videos): preview a URL, add one with its profile,
/// filters and retention, list with counts, one with what retention removes next, change it
/// (profile, filters, retention, pause), sync now (`?full=true` for a full re-list), its
/// listed entries (the skipped ones with why), re-download with the current profile, remove.
///
/// `/api/channels/…` stays an alias of `/api/sources/…` for clients of the first API (the
/// list's key is `channels` there).
struct SourceRoutes: RouteCollection {
    let sources: SourceService

    func register(on routes: inout Routes) {
        for collection in ["sources", "channels"] {
            let base = "/api/\(collection)"
            routes.get(base, .listener) { request in
                let (cursor, limit) = (try request.cursor(), try request.pageLimit())
                func reply<Row, Item: Encodable & JSONWritable>(_ page: ListPage<Row>, _ item: (Row) -> Item) -> HTTPResponse {
                    .json(SourcesReply(key: collection, sources: page.items.map(item), total: page.total ?? 0, nextBefore: page.next?.token))
                }
                switch try request.oneOf("view", ListView.self) ?? .full {
                case .full: return reply(try sources.list(after: cursor, limit: limit), SourceRepresentation.init)
                case .names: return reply(try sources.names(after: cursor, limit: limit), SourceNameRepresentation.init)
                }
            }
            routes.post(base, .admin) { request in try add(request) }
            routes.get(base + "/{id}", .listener) { request in
                .json(SourceDetailRepresentation(try sources.detail(try request.idParameter())))
            }
            routes.patch(base + "/{id}", .admin) { request in
                .json(SourceRepresentation(try sources.update(try request.idParameter(), try changes(request))))
            }
            routes.post(base + "/{id}/sync", .admin) { request in
                let id = try request.idParameter()
                _ = try sources.snapshot(id)
                try sources.requestSync(of: id, full: try request.boolean("full"))
                return .json(SourceRepresentation(try sources.snapshot(id)), status: 202)
            }
            routes.delete(base + "/{id}", .admin) { request in
                let removal = try sources.remove(try request.idParameter(), deleteFiles: try request.boolean("delete_files"))
                return .json(RemoveReply(deleted: true, filesDeleted: removal.filesDeleted))
            }
        }
        routes.post("/api/sources/preview", .admin) { request in
            let body = try request.decodeJSON(PreviewRequest.self)
            return .json(PreviewReply(try sources.preview(url: body.url)))
        }
        routes.get("/api/sources/{id}/entries", .admin) { request in
            let page = try sources.entries(
                of: try request.idParameter(), skippedOnly: try request.boolean("skipped"),
                after: try request.cursor(), limit: try request.pageLimit())
            return .json(EntriesReply(entries: page.items.map(SourceEntryRepresentation.init), nextBefore: page.next?.token))
        }
        routes.post("/api/sources/{id}/redownload", .admin) { request in
            .json(["queued": try sources.redownload(try request.idParameter())], status: 202)
        }
    }

    private struct AddRequest: Decodable {
        let url: String
        let profileId: Int64?
        let filters: SourceFilters?
        let retention: RetentionRules?
        let onlyNew: Bool?
    }

    private func add(_ request: HTTPRequest) throws -> HTTPResponse {
        let body = try request.decodeJSON(AddRequest.self)
        var options = SourceService.AddOptions()
        options.profileId = body.profileId
        options.filters = body.filters
        options.retention = body.retention
        options.onlyNew = body.onlyNew ?? false
        do {
            let (snapshot, created) = try sources.add(url: body.url, options: options)
            // The same URL again answers with the existing source, not a second one.
            return .json(SourceRepresentation(snapshot), status: created ? 202 : 200)
        } catch let already as SourceService.AlreadyAdded {
            // Another spelling of a source that is there: 409 naming it, so a client can open it.
            return .json(AlreadyAddedReply(error: .init(
                code: "already_added", field: "url", existingSourceId: already.existingId, existingUrl: already.existingURL,
                message: "'url': this source is already added as \(already.existingURL) (source \(already.existingId)).")),
                status: 409)
        }
    }

    /// The error envelope with what a client needs to open the existing source.
    private struct AlreadyAddedReply: Encodable {
        struct Body: Encodable {
            let code: String
            let field: String
            let existingSourceId: Int64
            let existingUrl: String
            let message: String
        }
        let error: Body
    }

    /// A PATCH body: every field optional; `filters` or `retention` set to null removes them.
    private func changes(_ request: HTTPRequest) throws -> SourceService.Changes {
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] else { throw CocoaError(.coderInvalidValue) }
            object = parsed
        } catch {
            throw HTTPError(status: 400, code: "invalid_json", message: "The request body must be a JSON object.")
        }
        let known: Set<String> = ["profile_id", "filters", "retention", "paused", "sync_interval_hours"]
        if let unknown = object.keys.first(where: { !known.contains($0) }) {
            throw DomainError.invalid(field: unknown, "is not a field of a source; change \(known.sorted().joined(separator: ", ")).")
        }
        let body = try request.decodeJSON(ChangeRequest.self)
        var changes = SourceService.Changes()
        changes.profileId = body.profileId
        changes.paused = body.paused
        changes.syncIntervalHours = body.syncIntervalHours
        if object.keys.contains("filters") {
            if object["filters"] is NSNull { changes.clearFilters = true } else { changes.filters = body.filters }
        }
        if object.keys.contains("retention") {
            if object["retention"] is NSNull { changes.clearRetention = true } else { changes.retention = body.retention }
        }
        return changes
    }

    private struct ChangeRequest: Decodable {
        let profileId: Int64?
        let filters: SourceFilters?
        let retention: RetentionRules?
        let paused: Bool?
        let syncIntervalHours: Double?
    }

    private struct PreviewRequest: Decodable { let url: String }

    private struct PreviewReply: Encodable {
        struct Entry: Encodable {
            let id: String
            let title: String
            let duration: Double?
            let uploadedAt: Date?
        }
        let url: String
        let kind: SourceKind
        let title: String?
        let entryCount: Int?
        let entries: [Entry]
        let existingSourceId: Int64?

        private enum CodingKeys: String, CodingKey { case url, kind, title, entryCount, entries, existingSourceId }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(url, forKey: .url)
            try container.encode(kind, forKey: .kind)
            try container.encode(title, forKey: .title)
            try container.encode(entryCount, forKey: .entryCount)
            try container.encode(entries, forKey: .entries)
            try container.encode(existingSourceId, forKey: .existingSourceId)
        }

        init(_ preview: SourceService.Preview) {
            url = preview.url
            kind = preview.kind
            title = preview.title
            entryCount = preview.entryCount
            entries = preview.firstEntries.map {
                Entry(id: $0.id, title: $0.title, duration: $0.duration, uploadedAt: $0.uploadedAt.map(Date.init(timeIntervalSince1970:)))
            }
            existingSourceId = preview.existingId
        }
    }

    struct EntriesReply: Encodable, JSONWritable {
        let entries: [SourceEntryRepresentation]
        let nextBefore: String?

        private enum CodingKeys: String, CodingKey { case entries, nextBefore }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(entries, forKey: .entries)
            try container.encode(nextBefore, forKey: .nextBefore)
        }

        func write(to writer: inout JSONWriter) {
            writer.object { w in
                w.key("entries"); w.array(entries)
                w.key("next_before"); w.string(nextBefore)
            }
        }
    }

    /// What the list shows of each source: everything (`full`, the default) or what a menu
    /// needs (`names`: `SourceName`).
    enum ListView: String, CaseIterable { case full, names }

    /// A page of sources under `sources` (or `channels`, the first API's key), in full or by name.
    struct SourcesReply<Item: Encodable & JSONWritable>: Encodable, JSONWritable {
        let key: String
        let sources: [Item]
        /// How many sources there are in all.
        let total: Int
        let nextBefore: String?

        private struct Key: CodingKey {
            let stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(sources, forKey: Key(stringValue: key))
            try container.encode(total, forKey: Key(stringValue: "total"))
            try container.encode(nextBefore, forKey: Key(stringValue: "nextBefore"))
        }

        /// The keys sorted as `JSONEncoder` sorts them: `channels` comes before `next_before`,
        /// `sources` after it.
        func write(to writer: inout JSONWriter) {
            writer.object { w in
                if key < "next_before" { w.key(key); w.array(sources) }
                w.key("next_before"); w.string(nextBefore)
                if key > "next_before" { w.key(key); w.array(sources) }
                w.key("total"); w.int(total)
            }
        }
    }

    private struct RemoveReply: Encodable {
        let deleted: Bool
        let filesDeleted: Int
    }
}

/// Download profiles: list (with how many sources use each), one, create, change, delete
/// (never the default, never one in use); what a new name template would move, and the job
/// that moves it.
struct ProfileRoutes: RouteCollection {
    let profiles: ProfileService
    let renames: LibraryRenames

    func register(on routes: inout Routes) {
        routes.get("/api/profiles", .admin) { _ in
            let usage = try profiles.usage()
            return .json(["profiles": try profiles.list().map { ProfileRepresentation($0, sources: usage[$0.id ?? 0] ?? 0) }])
        }
        routes.post("/api/profiles", .admin) { request in
            let profile = try profiles.create(try request.decodeJSON(ProfileService.Input.self))
            return .json(ProfileRepresentation(profile, sources: 0), status: 201)
        }
        routes.get("/api/profiles/{id}", .admin) { request in
            let profile = try profiles.profile(try request.idParameter())
            return .json(ProfileRepresentation(profile, sources: try profiles.usage()[profile.id ?? 0] ?? 0))
        }
        routes.patch("/api/profiles/{id}", .admin) { request in
            let profile = try profiles.update(try request.idParameter(), try request.decodeJSON(ProfileService.Input.self))
            return .json(ProfileRepresentation(profile, sources: try profiles.usage()[profile.id ?? 0] ?? 0))
        }
        routes.delete("/api/profiles/{id}", .admin) { request in
            try profiles.delete(try request.idParameter())
            return .json(["deleted": true])
        }
        routes.get("/api/profiles/{id}/renames", .admin) { request in
            .json(RenamePreviewRepresentation(try renames.preview(profileId: try request.idParameter())))
        }
        routes.post("/api/profiles/{id}/renames", .admin) { request in
            .json(["job": JobRepresentation(try renames.start(profileId: try request.idParameter()))], status: 202)
        }
    }
}
