/// Fuzz target: `StreamFraming.completeLength(of:searchingFrom:)` driven as the stream relay drives it — the
/// input cut into chunks (sizes chosen by the first byte), each chunk appended to the held tail and only the new
/// bytes searched.
///
/// Asserts, besides "no crash, no ASan report":
/// - the incremental search finds the same end as a search of the whole buffer (the tail really held no end);
/// - every piece passed on ends with an event end (`\n` for JSON lines; `\n\n` or `\n\r\n` for SSE);
/// - what stays held contains no event end;
/// - the pieces and the held tail put together are the input, byte for byte, in order.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStreamFraming(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let framing: StreamFraming = data[0] & 1 == 0 ? .serverSentEvents : .jsonLines
    var step = Int(data[0] >> 1) % 9 + 1
    let input = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))

    var passed: [UInt8] = []
    var held: [UInt8] = []
    var position = 0
    while position < input.count {
        let chunk = input[position..<min(position + step, input.count)]
        position += step
        step = (step * 5 + 3) % 13 + 1
        let searchFrom = held.count
        held += chunk
        let end = held.withUnsafeBytes { framing.completeLength(of: $0, searchingFrom: searchFrom) }
        let whole = held.withUnsafeBytes { framing.completeLength(of: $0) }
        guard end == whole else { fatalError("incremental end \(String(describing: end)) != whole-buffer \(String(describing: whole))") }
        guard let end else { continue }
        let piece = held[..<end]
        guard endsAnEvent(Array(piece), framing) else { fatalError("a piece passed on does not end an event: \(piece)") }
        passed += piece
        held.removeFirst(end)
    }
    if held.withUnsafeBytes({ framing.completeLength(of: $0) }) != nil { fatalError("the held tail holds an event end") }
    guard passed + held == input else { fatalError("pieces and tail are not the input") }
    return 0
}

func endsAnEvent(_ bytes: [UInt8], _ framing: StreamFraming) -> Bool {
    switch framing {
    case .jsonLines: return bytes.last == UInt8(ascii: "\n")
    case .serverSentEvents: return bytes.suffix(2) == [10, 10] || bytes.suffix(3) == [10, 13, 10]
    }
}
