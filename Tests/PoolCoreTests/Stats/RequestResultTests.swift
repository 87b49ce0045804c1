import Foundation
import PoolCore
import Testing

@Suite("How a finished request is classified")
struct RequestResultTests {
    @Test(
        "a relayed upstream answer: 2xx is a success, the client's own errors are client errors",
        arguments: [
            (200, RequestResult.success), (201, .success), (204, .success),
            (400, .clientError), (404, .clientError), (405, .clientError), (409, .clientError), (413, .clientError),
            (422, .clientError),
            // Never relayed (the engine tries another key), but classified as the upstream's failure if they were.
            (401, .upstreamFailure), (402, .upstreamFailure), (429, .upstreamFailure), (500, .upstreamFailure),
            (503, .upstreamFailure),
        ])
    func relayed(status: Int, expected: RequestResult) {
        #expect(RequestResult.relayed(status: status) == expected)
    }

    @Test(
        "the gateway's own answers: by error code first, else by status",
        arguments: [
            (401, "invalid_api_key", RequestResult.refused(.auth)),
            (503, "provider_disabled", .refused(.providerDisabled)),
            (503, "no_keys", .refused(.noKey)),
            (503, "no_usable_key", .refused(.noKey)),
            (404, "model_not_found", .refused(.modelNotFound)),
            (503, "gateway_overloaded", .refused(.overloaded)),
            (503, "pool_exhausted", .upstreamFailure),
            (502, "upstream_failed", .upstreamFailure),
            (400, nil, .refused(.badRequest)),
            (413, nil, .refused(.badRequest)),
            (431, nil, .refused(.limits)),
            (414, nil, .refused(.limits)),
            (401, nil, .refused(.auth)),
            (503, nil, .refused(.overloaded)),
            (500, nil, .upstreamFailure),
            (502, nil, .upstreamFailure),
            // A code this version does not know falls back to its status.
            (400, "some_future_code", .refused(.badRequest)),
        ] as [(Int, String?, RequestResult)])
    func gatewayAnswer(status: Int, code: String?, expected: RequestResult) {
        #expect(RequestResult.gatewayAnswer(status: status, code: code) == expected)
    }

    @Test(
        "a stream that started with a 2xx: a client that left was served; a stream that broke was not",
        arguments: [
            (AttemptOutcome.success, RequestResult.success), (.cancelled, .success),
            (.upstreamFailure(reason: "stream broke"), .upstreamFailure),
        ])
    func streamEnded(outcome: AttemptOutcome, expected: RequestResult) {
        #expect(RequestResult.streamEnded(outcome) == expected)
    }

    @Test("every refusal reason has a distinct, stable raw value")
    func reasonRawValues() {
        #expect(
            RefusalReason.allCases.map(\.rawValue) == [
                "auth", "bad_request", "limits", "model_not_found", "no_key", "overloaded", "provider_disabled",
            ])
    }

    @Test(
        "the success rate is successes among successes, upstream failures and unclassified failures",
        arguments: [
            // requests, successes, failures, client errors, upstream failures, refused → basis, rate
            (10, 10, 0, 0, 0, 0, 10, 1.0),
            (20, 10, 10, 6, 0, 4, 10, 1.0),  // client errors and refusals do not lower it
            (20, 10, 10, 6, 2, 2, 12, 10.0 / 12),
            (100, 84, 16, 0, 0, 0, 100, 0.84),  // a database from before: its failures are unclassified
            (110, 94, 16, 0, 0, 0, 110, 94.0 / 110),
            (120, 94, 26, 6, 0, 4, 110, 94.0 / 110),  // old failures stay unclassified, new ones are not
            (5, 0, 5, 3, 0, 2, 0, nil),
        ] as [(Int, Int, Int, Int, Int, Int, Int, Double?)])
    func successRate(
        requests: Int, successes: Int, failures: Int, clientErrors: Int, upstreamFailures: Int, refused: Int,
        basis: Int, rate: Double?
    ) {
        let hour = ModelHourRecord(
            provider: .ollama, model: "m", hourStart: 0, requests: requests, successes: successes, failures: failures,
            clientErrors: clientErrors, upstreamFailures: upstreamFailures, refused: refused)
        #expect(hour.successRateBasis == basis)
        #expect(hour.successRate == rate)
        #expect(hour.unclassifiedFailures == failures - clientErrors - upstreamFailures - refused)
    }
}
