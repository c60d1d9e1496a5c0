import XCTest
@testable import SpoolProcess

final class LineSplitterTests: XCTestCase {
    private func split(_ chunks: [[UInt8]], limit: Int = 4096) -> [String] {
        var splitter = LineSplitter(lineByteLimit: limit)
        var lines: [String] = []
        for chunk in chunks {
            chunk.withUnsafeBufferPointer { splitter.feed($0) { lines.append($0) } }
        }
        splitter.finish { lines.append($0) }
        return lines
    }

    func testCRLFSplitAcrossChunksIsOneTerminator() {
        XCTAssertEqual(split([Array("a\r".utf8), Array("\nb\n".utf8)]), ["a", "b"])
    }

    func testLineSplitAcrossChunksIsJoined() {
        XCTAssertEqual(split([Array("hel".utf8), Array("lo\nwor".utf8), Array("ld".utf8)]), ["hello", "world"])
    }

    func testMultiByteCharacterSplitAcrossChunksSurvives() {
        let bytes = Array("é\n".utf8)
        XCTAssertEqual(split([[bytes[0]], Array(bytes[1...])]), ["é"])
    }

    func testCutNeverSplitsACharacter() {
        // "aé" is 3 bytes; a 2-byte cut would fall inside "é", so the cut backs off to "a".
        XCTAssertEqual(split([Array("aéz\nnext\n".utf8)], limit: 2), ["a", "ne"])
    }

    func testLineOfExactlyTheLimitIsKeptWhole() {
        XCTAssertEqual(split([Array("abcd\nabcde\n".utf8)], limit: 4), ["abcd", "abcd"])
    }

    func testPendingBytesStayBoundedOnEndlessGarbage() {
        var splitter = LineSplitter(lineByteLimit: 4096)
        let chunk = [UInt8](repeating: 0xFF, count: 64 * 1024)
        var lines = 0
        for _ in 0..<160 {  // 10 MiB
            chunk.withUnsafeBufferPointer { splitter.feed($0) { _ in lines += 1 } }
            XCTAssertLessThanOrEqual(splitter.pendingByteCount, 4096)
        }
        XCTAssertEqual(lines, 1)
    }

    func testTailRingKeepsOrder() {
        var tail = OutputTail(lineLimit: 3, byteLimit: 1000)
        for index in 0..<7 { tail.append(OutputLine(stream: .stdout, text: "\(index)")) }
        XCTAssertEqual(tail.lines.map(\.text), ["4", "5", "6"])
        var empty = OutputTail(lineLimit: 0, byteLimit: 1000)
        empty.append(OutputLine(stream: .stdout, text: "x"))
        XCTAssertEqual(empty.lines, [])
    }

    func testTailKeepsAtMostItsBytesWhateverTheLineCount() {
        // Each line costs its text plus a 32-byte slot: 72 bytes hold two 4-byte lines.
        var tail = OutputTail(lineLimit: 1000, byteLimit: 2 * OutputTail.lineOverhead + 8)
        for text in ["aaaa", "bbbb", "cccc"] { tail.append(OutputLine(stream: .stderr, text: text)) }
        XCTAssertEqual(tail.lines.map(\.text), ["bbbb", "cccc"])
        XCTAssertEqual(tail.byteCount, 72)
        // A line longer than the budget (72 - 32 = 40 bytes of text) is cut at a character
        // boundary: byte 40 would fall inside "é".
        let long = String(repeating: "a", count: 39) + "é" + "more"
        tail.append(OutputLine(stream: .stderr, text: long))
        XCTAssertEqual(tail.lines.map(\.text), [String(repeating: "a", count: 39)])
        tail.append(OutputLine(stream: .stdout, text: "z"))
        XCTAssertEqual(tail.lines.map(\.text), ["z"])
        tail.append(OutputLine(stream: .stdout, text: "y"))
        XCTAssertEqual(tail.lines.map(\.text), ["z", "y"])
    }

    func testTailOfEmptyLinesIsBoundedByItsSlots() {
        var tail = OutputTail(lineLimit: 1_000_000, byteLimit: 64 * 1024)
        for _ in 0..<100_000 { tail.append(OutputLine(stream: .stdout, text: "")) }
        XCTAssertEqual(tail.lines.count, 64 * 1024 / OutputTail.lineOverhead)
    }
}
