import Convert
import Foundation
import TestSupport
import Testing

/// `QemuJSONObject(parsing:)` (our own reader, `QemuJSONReader`) against Foundation's
/// JSONDecoder as the oracle: the same objects from the same text, and the same refusals.
struct QemuJSONReaderTests {
    /// What JSONDecoder makes of a value, mapped to the model as the reader maps it.
    private enum Oracle: Decodable {
        case string(String), int(Int64), bool(Bool), object([String: Oracle]), array([Oracle]), other

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() {
                self = .other
            } else if let b = try? c.decode(Bool.self) {
                self = .bool(b)
            } else if let i = try? c.decode(Int64.self) {
                self = .int(i)
            } else if let s = try? c.decode(String.self) {
                self = .string(s)
            } else if let o = try? c.decode([String: Oracle].self) {
                self = .object(o)
            } else if let a = try? c.decode([Oracle].self) {
                self = .array(a)
            } else if (try? c.decode(Double.self)) != nil {
                self = .other
            } else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "not JSON")
            }
        }

        /// Equal to `value`, ignoring key order (a dictionary has none).
        func matches(_ value: QemuJSONObject.Value) -> Bool {
            switch (self, value) {
            case (.string(let a), .string(let b)): return a == b
            case (.int(let a), .int(let b)): return a == b
            case (.bool(let a), .bool(let b)): return a == b
            case (.array(let a), .array(let b)):
                let kept = a.filter { if case .other = $0 { false } else { true } }
                return kept.count == b.count && zip(kept, b).allSatisfy { $0.matches($1) }
            case (.object(let a), .object(let b)):
                let kept = a.filter { if case .other = $0.value { false } else { true } }
                return kept.count == b.members.count
                    && b.members.allSatisfy { key, v in kept[key]?.matches(v) ?? false }
            default: return false
            }
        }
    }

    private func oracle(_ text: String) -> Oracle? {
        guard text.first == "{", case .object? = try? JSONDecoder().decode(Oracle.self, from: Data(text.utf8)) else {
            return nil
        }
        return try? JSONDecoder().decode(Oracle.self, from: Data(text.utf8))
    }

    private func check(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let ours = QemuJSONObject(parsing: text)
        let theirs = oracle(text)
        #expect((ours == nil) == (theirs == nil), "accepted differently: \(text)", sourceLocation: sourceLocation)
        if let ours, let theirs {
            #expect(theirs.matches(.object(ours)), "read differently: \(text) → \(ours.rendered)", sourceLocation: sourceLocation)
        }
    }

    /// Every JSON argument in the repository's QEMU command lines.
    @Test func everyFixtureArgumentReadsAsJSONDecoderReadsIt() throws {
        var seen = 0
        for file in Fixtures.files(in: Fixtures.fixtures, suffix: ".args") {
            let text = Fixtures.read(file)
            guard let words = try? ShellWords.split(text, fileName: file.path) else { continue }
            for word in words.map(\.text) where word.hasPrefix("{") {
                check(word)
                seen += 1
            }
        }
        #expect(seen > 100, "only \(seen) JSON arguments found")
    }

    /// Random objects written by this test, in key order it knows: read as the oracle
    /// reads them, members in the order written.
    @Test func generatedObjectsKeepTheirValuesAndOrder() {
        var rng = SplitMix64(seed: 0x5eed)
        for _ in 0..<400 {
            let (text, keys) = randomObject(&rng, depth: 0)
            check(text)
            if let ours = QemuJSONObject(parsing: text) {
                #expect(ours.members.map(\.0) == keys.filter { k in ours[k] != nil }, "order lost: \(text)")
            }
        }
    }

    @Test func malformedTextIsRefusedAsJSONDecoderRefusesIt() {
        let cases = [
            #"{"a":1"#, #"{"a":1}}"#, #"{"a" 1}"#, #"{'a':1}"#, #"{"a":01}"#, #"{"a":-}"#,
            #"{"a":1.}"#, #"{"a":.5}"#, #"{"a":1e}"#, #"{"a":tru}"#, #"{"a":nul}"#, #"{"a":"\x"}"#,
            #"{"a":"\u12"}"#, #"{"a":"\ud800"}"#, #"{"a":"\ud800\u0041"}"#, "{\"a\":\"tab\there\"}",
            #"{"a":[1,2}"#, #"{"a":{}"#, #"{a:1}"#, #"{"a":1} x"#, "{}\u{0}", #"{"a":+1}"#,
        ]
        for text in cases {
            #expect(QemuJSONObject(parsing: text) == nil, "accepted: \(text)")
            check(text)
        }
        // JSONDecoder lets a trailing comma pass; JSON does not, nor does QEMU's own parser,
        // which is the one that would read these.
        for text in [#"{"a":1,}"#, #"{"a":[1,]}"#] {
            #expect(QemuJSONObject(parsing: text) == nil, "accepted: \(text)")
        }
        // Whitespace JSON allows is allowed, except before the `{` QEMU looks for.
        check(" { \"a\" : [ 1 , true ] } \n")
        #expect(QemuJSONObject(parsing: " {}") == nil)
    }

    @Test func valuesTheModelHasNoCaseForAreDroppedAndEscapesDecoded() throws {
        let text = #"{"n":null,"f":1.5,"big":123456789012345678901,"two":2.0,"s":"a\"b\\c\/d\n\u00e9\ud83d\ude00","k":[null,1]}"#
        check(text)
        let o = try #require(QemuJSONObject(parsing: text))
        #expect(o.members.map(\.0) == ["two", "s", "k"])
        #expect(o.string("s") == "a\"b\\c/d\né😀")
        #expect(o.int("two") == 2)
        #expect(o.array("k") == [.int(1)])
    }

    @Test func aKeyGivenTwiceKeepsItsFirstPlaceAndLastValue() throws {
        let o = try #require(QemuJSONObject(parsing: #"{"a":1,"b":2,"a":3}"#))
        #expect(o.members.map(\.0) == ["a", "b"])
        #expect(o.int("a") == 3)
    }

    /// Deep nesting from the command line cannot exhaust the reader's stack.
    @Test func nestingIsBounded() {
        let deep = String(repeating: #"{"a":"#, count: 10_000) + "1" + String(repeating: "}", count: 10_000)
        #expect(QemuJSONObject(parsing: deep) == nil)
        let fine = String(repeating: #"{"a":"#, count: 60) + "1" + String(repeating: "}", count: 60)
        #expect(QemuJSONObject(parsing: fine) != nil)
        check(fine)
    }

    // MARK: - generating

    private let pieces = ["a", "id", "driver", "é", "😀", "\"", "\\", "/", "\n", "\t", " ", "\u{1}", "x,y", "=", "{", "]"]

    private func randomString(_ rng: inout SplitMix64) -> String {
        (0..<rng.below(5)).map { _ in pieces[rng.below(pieces.count)] }.joined()
    }

    /// JSON text for a string, escaped in one of the ways JSON allows.
    private func quoted(_ s: String, _ rng: inout SplitMix64) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "/": out += rng.below(2) == 0 ? "/" : "\\/"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || (u.value > 0x7f && rng.below(2) == 0) {
                    for unit in String(u).utf16 { out += String(format: "\\u%04x", unit) }
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    private func randomValue(_ rng: inout SplitMix64, depth: Int) -> String {
        switch rng.below(depth > 3 ? 6 : 8) {
        case 0: return quoted(randomString(&rng), &rng)
        case 1: return String(Int64(bitPattern: rng.next()) >> rng.below(64))
        case 2: return rng.below(2) == 0 ? "true" : "false"
        case 3: return "null"
        case 4: return ["0", "-0", "1.25", "-3e2", "2E+1", "1.0"][rng.below(6)]
        case 5: return "\(rng.below(1000))"
        case 6: return randomObject(&rng, depth: depth + 1).text
        default:
            let items = (0..<rng.below(4)).map { _ in randomValue(&rng, depth: depth + 1) }
            return "[" + items.joined(separator: rng.below(2) == 0 ? "," : " , ") + "]"
        }
    }

    private func randomObject(_ rng: inout SplitMix64, depth: Int) -> (text: String, keys: [String]) {
        var keys: [String] = []
        var members: [String] = []
        for _ in 0..<rng.below(6) {
            let key = randomString(&rng)
            guard !keys.contains(key) else { continue }
            keys.append(key)
            members.append(quoted(key, &rng) + (rng.below(3) == 0 ? " : " : ":") + randomValue(&rng, depth: depth))
        }
        return ("{" + members.joined(separator: ",") + "}", keys)
    }
}

extension SplitMix64 {
    fileprivate mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}
