import Foundation
import PoolCore
import PoolStore

@testable import PoolServer

/// Keys and provider files the admin API cannot express in every test (keys with their own base URL, weights,
/// tiers, learned models), put straight into the store and the pool as an import would.
extension TestGateway {
    @discardableResult
    func addKeyRecords(_ records: [KeyRecord]) async throws -> [String] {
        _ = try await gateway.store.insertKeys(records)
        gateway.pool.add(records)
        return records.map(\.id)
    }

    /// A client-visible status of a key (`active`, `cooldown`, `disabled`, …).
    func status(ofKey id: String) -> KeyStatus? { gateway.pool.view(id: id)?.status }
}

/// A key record for tests.
func testKey(
    _ provider: String, secret: String, baseURL: String? = nil, weight: Int = 1, tier: Int = 1, models: [String] = []
) -> KeyRecord {
    KeyRecord(
        provider: ProviderID(rawValue: provider), secret: secret, createdAt: Date(), models: models, baseURL: baseURL,
        placement: KeyPlacement(weight: weight, tier: tier))
}

/// Writes `text` to a file named `name` in a fresh temporary folder; returns its path.
func writeTemporaryFile(_ text: String, name: String) throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("providers-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let file = folder.appendingPathComponent(name)
    try Data(text.utf8).write(to: file)
    return file.path
}

/// A providers file in JSON for `definitions` (objects with the wire's field names).
func providersFile(_ definitions: [[String: Any]]) throws -> String {
    let data = try JSONSerialization.data(withJSONObject: ["providers": definitions], options: [.sortedKeys])
    return try writeTemporaryFile(String(decoding: data, as: UTF8.self), name: "providers.json")
}

/// Starts `count` mock upstreams, runs `body`, and always stops them.
func withMocks(_ count: Int, _ body: ([MockUpstream]) async throws -> Void) async throws {
    var mocks: [MockUpstream] = []
    do {
        for _ in 0..<count { mocks.append(try await MockUpstream.start()) }
        try await body(mocks)
    } catch {
        for mock in mocks { await mock.stop() }
        throw error
    }
    for mock in mocks { await mock.stop() }
}
