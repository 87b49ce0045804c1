/// How a streamed answer divides into events, so a relay can pass on whole events only: a client never sees half
/// of one.
public enum StreamFraming: Sendable {
    /// Server-sent events, each ended by a blank line (`\n\n` or `\r\n\r\n`).
    case serverSentEvents
    /// One JSON object per line (Ollama's native API).
    case jsonLines

    /// The length of the longest prefix of `bytes` that ends with a complete event or line; nil when none does.
    ///
    /// - Parameter start: where the last event's end may begin at the earliest. A relay that holds an unfinished
    ///   tail passes the tail's length: the tail held no end, so only the new bytes are searched, and a tail fed
    ///   a byte at a time costs linear, not quadratic, time.
    public func completeLength(of bytes: UnsafeRawBufferPointer, searchingFrom start: Int = 0) -> Int? {
        let newline = UInt8(ascii: "\n")
        let carriageReturn = UInt8(ascii: "\r")
        var index = bytes.count - 1
        let lowest = max(start, 0)
        while index >= lowest {
            if bytes[index] == newline {
                switch self {
                case .jsonLines:
                    return index + 1
                case .serverSentEvents:
                    if index >= 1, bytes[index - 1] == newline { return index + 1 }
                    if index >= 2, bytes[index - 1] == carriageReturn, bytes[index - 2] == newline {
                        return index + 1
                    }
                }
            }
            index -= 1
        }
        return nil
    }
}
