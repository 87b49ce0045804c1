import HTTPTypes

/// Header names the gateway sets or reads that HTTPTypes does not name.
extension HTTPField.Name {
    static let xRequestID = HTTPField.Name("x-request-id")!
    static let xPoolKeyID = HTTPField.Name("x-pool-key-id")!
    static let xPoolAttempts = HTTPField.Name("x-pool-attempts")!
    static let xAPIKey = HTTPField.Name("x-api-key")!
    static let xPoolCache = HTTPField.Name("x-pool-cache")!
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
}
