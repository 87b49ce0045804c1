import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// An admin call to a gateway process on a loopback `port`, its answer as text: what the tests that run real
/// gateway binaries ask of them.
func adminCall(
    _ method: HTTPMethod, _ path: String, port: Int, token: String, body: String? = nil
) async throws -> String {
    var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
    request.method = method
    request.headers.add(name: "Authorization", value: "Bearer \(token)")
    if let body {
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
    }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
    return String(buffer: try await response.body.collect(upTo: 1 << 22))
}
