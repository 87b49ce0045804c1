import NIOHTTP1

/// What a proxied request reads of its client's header fields, found in one pass over them: each of NIO's lookups
/// by name goes over every field, comparing names without regard to case, and a request made five.
struct ClientHeadFields {
    var authorization: String?
    var apiKey: String?
    var requestID: String?
    var forwardedFor: [String] = []
    var hasOrigin = false
    /// Counted as the conversion to HTTP types would count them, which leaves the first `Host` out (it becomes the
    /// authority): the limits of `RequestLimitsMiddleware` apply to these.
    var fieldCount = 0
    var fieldBytes = 0

    init(_ headers: HTTPHeaders) {
        var hostSeen = false
        for (name, value) in headers {
            switch name.utf8.count {
            case 4 where !hostSeen && HeaderPolicy.equalsIgnoringCase(name, "host"):
                hostSeen = true
                continue
            case 6 where HeaderPolicy.equalsIgnoringCase(name, "origin"):
                hasOrigin = true
            case 9 where apiKey == nil && HeaderPolicy.equalsIgnoringCase(name, "x-api-key"):
                apiKey = value
            case 12 where requestID == nil && HeaderPolicy.equalsIgnoringCase(name, "x-request-id"):
                requestID = value
            case 13 where authorization == nil && HeaderPolicy.equalsIgnoringCase(name, "authorization"):
                authorization = value
            case 15 where HeaderPolicy.equalsIgnoringCase(name, "x-forwarded-for"):
                forwardedFor.append(value)
            default:
                break
            }
            fieldCount += 1
            fieldBytes += name.utf8.count + value.utf8.count + 4
        }
    }

    /// The client token: `Authorization: Bearer …`, else `x-api-key`.
    var presentedToken: String? { BearerToken.from(authorization: authorization) ?? apiKey }
}
