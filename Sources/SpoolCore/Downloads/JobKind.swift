/// The job kinds Spool's domain runs; the one place their names are spelled.
public enum JobKind: String, CaseIterable, Sendable {
    /// Lists a channel and queues its new videos (`Channels/SourceSyncHandler`).
    case sourceSync = "source_sync"
    /// Downloads one video into the library (`Downloads/DownloadHandler`).
    case download
    /// Moves a profile's files to the names its template gives (`Library/LibraryRenames`).
    case libraryRename = "library_rename"
    /// Adopts the media files of a folder into the library (`Import/LibraryImportHandler`).
    case libraryImport = "library_import"
}
