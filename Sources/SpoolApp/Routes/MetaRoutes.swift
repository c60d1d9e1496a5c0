import SpoolCore
import SpoolHTTP
import SpoolStore

/// `GET /api/meta`: the server's own lists, so the web app never keeps copies that drift (its
/// copy of the active statuses lacked `zombie` and hid Cancel where the server allowed it).
/// Everything here derives from the one definition in the code: the status enum and its sets,
/// the job kinds, the error classes with their plain-language text, the event names.
struct MetaRoutes: RouteCollection {
    func register(on routes: inout Routes) {
        let reply = HTTPResponse.json(Meta())
        routes.get("/api/meta", .open, immediate: { _ in reply }) { _ in reply }
    }

    struct Meta: Encodable {
        let version = SpoolVersion.current
        let jobStatuses = JobStatus.allCases.map(\.rawValue)
        let jobStatusSets: [String: [String]] = [
            "active": JobStatus.active, "terminal": JobStatus.terminal, "retryable": JobStatus.retryable,
            "cancellable": JobStatus.cancellable, "waiting": JobStatus.waiting, "needs_attention": JobStatus.needsAttention,
        ].mapValues { set in JobStatus.allCases.filter(set.contains).map(\.rawValue) }
        let jobKinds = JobKind.allCases.map(\.rawValue)
        let errorClasses = Dictionary(uniqueKeysWithValues: JobErrorClass.allCases.map { ($0.rawValue, ErrorExplanation.text(for: $0)) })
        let eventTypes = SpoolEvent.Name.allCases.map(\.rawValue)
        let sourceStates = SourceState.allCases.map(\.rawValue)
        let sourceKinds = SourceKind.allCases.map(\.rawValue)
        let audioCodecs = ProfileService.audioCodecs
        let playEventTypes = PlayEventType.allCases.map(\.rawValue)
        /// The fields of a profile's name template, with what each holds, and the standard one.
        let nameTemplateFields = NameTemplate.fields.map { ["name": $0.name, "meaning": $0.meaning] }
        let standardNameTemplate = NameTemplate.standard
    }
}
