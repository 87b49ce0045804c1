import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The error shapes clients expect, one per family of routes.
public enum ErrorDialect: Sendable {
    /// `{"error":{"message","type","param","code"}}` on `/v1` routes.
    case openAI
    /// `{"error":"message"}` on native `/api` routes.
    case ollama
    /// `{"type":"error","error":{"type","message"}}` on `/v1/messages`.
    case anthropic
    /// `{"error":"message"}` on `/admin` and other gateway routes.
    case admin
}
