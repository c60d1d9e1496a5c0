import Foundation
import SpoolCore

/// A library import's report in `GET /api/jobs/{id}` (`report`, for `library_import` jobs).
/// Every field is written, `null` included, so clients see one shape while the job runs and
/// after it ended.
struct ImportReportRepresentation: Encodable, Sendable {
    let report: ImportReport

    private enum CodingKeys: String, CodingKey {
        case folder, move, filesFound, filesExamined, adopted, adoptedWithoutSource, alreadyKnown, unreadableCount,
             unreadable, skippedCount, skipped, sourcesCreated, startedAt, finishedAt
    }

    private struct Problem: Encodable {
        let path: String
        let kind: String
        let reason: String
    }

    private struct Created: Encodable {
        let id: Int64
        let url: String
        let title: String?

        private enum CodingKeys: String, CodingKey { case id, url, title }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(url, forKey: .url)
            try container.encode(title, forKey: .title)
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        let problems = { (list: [ImportReport.FileProblem]) in list.map { Problem(path: $0.path, kind: $0.kind, reason: $0.reason) } }
        try container.encode(report.folder, forKey: .folder)
        try container.encode(report.move, forKey: .move)
        try container.encode(report.filesFound, forKey: .filesFound)
        try container.encode(report.filesExamined, forKey: .filesExamined)
        try container.encode(report.adopted, forKey: .adopted)
        try container.encode(report.adoptedWithoutSource, forKey: .adoptedWithoutSource)
        try container.encode(report.alreadyKnown, forKey: .alreadyKnown)
        try container.encode(report.unreadableCount, forKey: .unreadableCount)
        try container.encode(problems(report.unreadable), forKey: .unreadable)
        try container.encode(report.skippedCount, forKey: .skippedCount)
        try container.encode(problems(report.skipped), forKey: .skipped)
        try container.encode(report.sourcesCreated.map { Created(id: $0.id, url: $0.url, title: $0.title) }, forKey: .sourcesCreated)
        try container.encode(report.startedAt, forKey: .startedAt)
        try container.encode(report.finishedAt, forKey: .finishedAt)
    }
}
