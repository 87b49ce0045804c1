/// Fuzz target: `UsageScanner.usage(in:format:)` for every `Format`, over an answer fed through `StreamTail`
/// in arbitrary chunk splits, as `StreamRelay` (streams) and `ProxyEngine` (whole bodies) use them.
///
/// Input layout: byte 0 picks a small tail capacity (1…64), byte 1 seeds the chunk split; the rest is the answer.
/// Asserts, besides "no crash, no ASan report":
/// - the contiguous and the non-contiguous path (`Collection` without contiguous storage) give the same usage;
/// - Ollama and Anthropic counts are never negative (they are read as at most 18 digits);
/// - a `StreamTail` of any capacity holds a suffix of everything appended, at least `min(total, capacity)` and at
///   most `2 × capacity` bytes, whatever the chunk sizes;
/// - with the default capacity (16 KiB) and an answer no longer than that, the tail reads the same usage as the
///   whole answer, in every format.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzUsageScanner(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    guard input.count >= 2 else { return 0 }
    let capacity = Int(input[0] % 64) + 1
    var seed = UInt32(input[1]) &* 2_654_435_761 | 1
    let answer = Array(input[2...])
    let formats: [UsageScanner.Format] = [.openAI, .ollama, .anthropic]

    var whole: [TokenUsage?] = []
    for format in formats {
        let contiguous = UsageScanner.usage(in: answer, format: format)
        let viaCopy = UsageScanner.usage(in: answer.lazy.map { $0 }, format: format)
        guard contiguous == viaCopy else {
            fatalError("\(format): contiguous \(String(describing: contiguous)) != copied \(String(describing: viaCopy))")
        }
        if format != .openAI, let usage = contiguous {
            guard usage.promptTokens >= 0, usage.completionTokens >= 0 else { fatalError("\(format): negative \(usage)") }
        }
        whole.append(contiguous)
    }

    var small = StreamTail(capacity: capacity)
    var standard = StreamTail()
    var offset = 0
    while offset < answer.count {
        seed ^= seed << 13
        seed ^= seed >> 17
        seed ^= seed << 5
        // Mostly short chunks, now and then one longer than the small tail's capacity.
        let length = min(answer.count - offset, seed % 8 == 0 ? Int(seed % 200) : Int(seed % 9))
        let chunk = answer[offset..<(offset + length)]
        small.append(chunk)
        standard.append(chunk)
        offset += length
        check(small, capacity: capacity, appended: answer[..<offset])
    }
    check(standard, capacity: 16 * 1024, appended: answer[...])
    if answer.count <= 16 * 1024 {
        for (format, expected) in zip(formats, whole) {
            let fromTail = UsageScanner.usage(in: standard.contents, format: format)
            guard fromTail == expected else {
                fatalError("\(format): tail \(String(describing: fromTail)) != whole \(String(describing: expected))")
            }
        }
    }
    return 0
}

func check(_ tail: StreamTail, capacity: Int, appended: ArraySlice<UInt8>) {
    let contents = tail.contents
    guard contents.count >= min(appended.count, capacity), contents.count <= 2 * capacity else {
        fatalError("tail of capacity \(capacity) holds \(contents.count) bytes after \(appended.count)")
    }
    guard contents.elementsEqual(appended.suffix(contents.count)) else {
        fatalError("tail of capacity \(capacity) is not a suffix of what was appended")
    }
}
