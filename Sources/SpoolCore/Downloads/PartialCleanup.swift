import Foundation

/// Start-up recovery: `LIBRARY_DIR/.partial/<job id>/` folders are downloads that never
/// finished. At start-up no job of this process runs yet, so every one of them is leftover;
/// their jobs are zombies that will download again from scratch.
enum PartialCleanup {
    @discardableResult
    static func removeLeftovers(in paths: LibraryPaths) -> Int {
        let folders = (try? FileManager.default.contentsOfDirectory(atPath: paths.partialRoot)) ?? []
        for folder in folders {
            try? FileManager.default.removeItem(atPath: paths.partialRoot + "/" + folder)
        }
        return folders.count
    }
}
