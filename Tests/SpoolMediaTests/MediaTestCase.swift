import SpoolMedia
import XCTest

/// A test case with the real tools, a scratch folder of its own and a factory of media files in it.
class MediaTestCase: XCTestCase {
    var tools: MediaTools!
    var folder: String!
    var make: MediaFactory!

    override func setUpWithError() throws {
        tools = try mediaTools()
        folder = try scratchFolder(self)
        make = MediaFactory(tools: tools, folder: folder)
    }
}
