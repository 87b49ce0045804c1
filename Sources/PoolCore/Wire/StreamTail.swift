/// Keeps the last few kilobytes of a stream so its usage can be read at the end without holding anything back.
public struct StreamTail: Sendable {
    private var bytes: [UInt8] = []
    private let capacity: Int

    public init(capacity: Int = 16 * 1024) {
        self.capacity = capacity
    }

    public mutating func append(_ chunk: some Collection<UInt8>) {
        if chunk.count >= capacity {
            bytes = Array(chunk.suffix(capacity))
            return
        }
        bytes.append(contentsOf: chunk)
        if bytes.count > capacity * 2 { bytes.removeFirst(bytes.count - capacity) }
    }

    public var contents: [UInt8] { bytes }
}
