import GRDB

// The schema's enums are stored as their raw strings.
extension JobStatus: DatabaseValueConvertible {}
extension JobErrorClass: DatabaseValueConvertible {}
extension PlayEventType: DatabaseValueConvertible {}
extension SourceState: DatabaseValueConvertible {}
extension SourceKind: DatabaseValueConvertible {}
extension ProfileMedia: DatabaseValueConvertible {}
extension ApiKeyScope: DatabaseValueConvertible {}
