import Foundation
@testable import SpoolMedia
import XCTest

/// The byte layouts Spool writes itself, against their specifications.
final class ByteLayoutTests: XCTestCase {
    func testFFMetadataEscapesItsSpecialCharacters() {
        XCTAssertEqual(FFMetadataFile.escape("a=b;c#d\\e\nf"), "a\\=b\\;c\\#d\\\\e\\\nf")
        XCTAssertEqual(FFMetadataFile.text([("title", "x=y"), ("ARTIST", "Z")]), ";FFMETADATA1\ntitle=x\\=y\nARTIST=Z\n")
    }

    func testFLACPictureBlockFollowsTheFLACFormat() throws {
        let jpeg = CoverImage(data: Data([0xFF, 0xD8, 0xFF, 0xD9]), width: 2, height: 3)
        let block = FLACPictureBlock.bytes(jpeg: jpeg)
        let mime = Array("image/jpeg".utf8)
        let expected: [UInt8] = [0, 0, 0, 3] + [0, 0, 0, 10] + mime + [0, 0, 0, 0]
            + [0, 0, 0, 2] + [0, 0, 0, 3] + [0, 0, 0, 24] + [0, 0, 0, 0] + [0, 0, 0, 4] + [0xFF, 0xD8, 0xFF, 0xD9]
        XCTAssertEqual(block, expected)
        XCTAssertEqual(Data(base64Encoded: FLACPictureBlock.vorbisCommentValue(jpeg: jpeg)).map { [UInt8]($0) }, expected)
    }

    func testID3CommentFrameInLatin1AndUTF16() {
        let latin = ID3Comment.frame(comment: "https://x/é")
        XCTAssertEqual(Array(latin[0..<4]), Array("COMM".utf8))
        XCTAssertEqual(Array(latin[4..<8]), [0, 0, 0, UInt8(1 + 3 + 1 + 11)], "a plain 32-bit size in v2.3")
        XCTAssertEqual(Array(latin[10...]), [0] + Array("eng".utf8) + [0] + Array("https://x/".utf8) + [0xE9])
        let wide = ID3Comment.frame(comment: "日")
        XCTAssertEqual(Array(wide[10...]), [1] + Array("eng".utf8) + [0xFF, 0xFE, 0, 0, 0xFF, 0xFE, 0xE5, 0x65])
    }

    func testSyncsafeIntegersRoundTrip() {
        for value in [0, 127, 128, 6552, (1 << 28) - 1] {
            XCTAssertEqual(ID3Comment.syncsafe(ID3Comment.syncsafeBytes(value), 0), value)
            XCTAssertTrue(ID3Comment.syncsafeBytes(value).allSatisfy { $0 < 0x80 })
        }
    }

    func testFreeformAtomLayout() {
        let atom = MP4Freeform.freeformItem(name: "SPOOL_VIDEO_ID", value: "abc")
        let mean = [0, 0, 0, 28] + Array("mean".utf8) + [0, 0, 0, 0] + Array("com.apple.iTunes".utf8)
        let name = [0, 0, 0, 26] + Array("name".utf8) + [0, 0, 0, 0] + Array("SPOOL_VIDEO_ID".utf8)
        let data = [0, 0, 0, 19] + Array("data".utf8) + [0, 0, 0, 1, 0, 0, 0, 0] + Array("abc".utf8)
        XCTAssertEqual(atom, [0, 0, 0, UInt8(8 + 28 + 26 + 19)] + Array("----".utf8) + mean + name + data)
    }

    func testFreeformAtomsAreAppendedToTheItemListCreatingMissingBoxes() throws {
        let moov = MP4Freeform.makeBox("moov", MP4Freeform.makeBox("mvhd", [1, 2, 3]))
        let edited = try MP4Freeform.append([9, 9], at: ["udta", "meta", "ilst"], in: moov)
        var path: [String] = []
        try MP4Freeform.forEachBox(in: edited, range: MP4Freeform.boxBody(edited, 0), containers: ["udta"]) { type, body in
            path.append(type)
            if type == "meta" {
                XCTAssertEqual(Array(edited[body].suffix(10)), [0, 0, 0, 10] + Array("ilst".utf8) + [9, 9])
                XCTAssertEqual(Array(edited[body].prefix(4)), [0, 0, 0, 0], "a full box: version and flags")
            }
        }
        XCTAssertEqual(path, ["mvhd", "meta"])
        XCTAssertEqual(Int(readUInt32(edited, 0)), edited.count, "the movie box's size grew with it")
    }

    func testEBMLDocTypeTellsWebMFromMatroska() {
        func header(_ docType: String) -> [UInt8] {
            let field: [UInt8] = [0x42, 0x82, 0x80 | UInt8(docType.utf8.count)] + Array(docType.utf8)
            let version: [UInt8] = [0x42, 0x86, 0x81, 0x01]
            return [0x1A, 0x45, 0xDF, 0xA3, 0x80 | UInt8(version.count + field.count)] + version + field
        }
        XCTAssertEqual(EBMLDocType.parse(header("webm")), "webm")
        XCTAssertEqual(EBMLDocType.parse(header("matroska")), "matroska")
        XCTAssertNil(EBMLDocType.parse(Array("ID3".utf8) + [0, 0, 0]))
    }

    func testToolErrorLinesLoseTheirPointer() {
        XCTAssertEqual(ToolRun.cleanErrorLine("[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55d1c2a0] moov atom not found"), "moov atom not found")
        XCTAssertEqual(ToolRun.cleanErrorLine("  plain line "), "plain line")
        XCTAssertNil(ToolRun.cleanErrorLine("   "))
    }
}
