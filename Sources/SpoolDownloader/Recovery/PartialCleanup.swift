import Foundation

/// Start-up recovery: `LIBRARY_DIR/.partial/<job id>/` folders are downloads that never
/// finished. At start-up no job of this process runs yet, so every one of them is leftover;
/// their jobs are zombies that will download again from scratch.
public enum PartialCleanup {
    @discardableResult
    public static func removeLeftovers(libraryDirectory: String) -> Int {
        let root = libraryDirectory + "/.partial"
        let folders = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        for folder in folders {
            try? FileManager.default.removeItem(atPath: root + "/" + folder)
        }
        return folders.count
    }
}
