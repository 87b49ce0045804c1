import HTTPTypes
import Hummingbird

/// A JSON answer (admin routes, health, public statistics), written by `JSONWriter`.
enum JSONResponse {
    static func make<T: Encodable>(
        _ value: T, status: HTTPResponse.Status = .ok, keys: JSONWriter.KeyStyle = .snakeCase,
        headers: HTTPFields = [:]
    ) throws -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(
            status: status, headers: headers, body: ResponseBody(byteBuffer: try JSONWriter.buffer(value, keys: keys)))
    }
}
