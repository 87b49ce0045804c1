import NIOCore
import NIOHTTP1
import PoolCore

/// What a request's provider decides about it: the alias applied to the body, `ROUTE_BY_MODEL`'s choice of
/// another provider, and where an attempt goes when its key has its own base URL (a self-hosted server).
extension ProxiedRequest {
    /// The upstream request for the route's provider, without a key: the provider's alias of the model applied to
    /// the body (its top-level `model` only), the target, the head.
    func prepareUpstream(_ clientBody: ByteBuffer) {
        var sent = clientBody
        upstreamModel = model
        if let model, let aliases = route.upstream?.definition.aliases, !aliases.isEmpty, let alias = aliases[model] {
            upstreamModel = alias
            if let rewritten = ModelRewrite.replacingModel(in: clientBody.readableBytesView, with: alias) {
                sent = ByteBuffer(bytes: rewritten)
            }
        }
        let found = engine.upstreamTarget(route: route, query: query)
        // Without a usable provider URL the head is still made: keys with their own base URL can serve.
        let origin = found?.origin ?? UpstreamOrigin(secure: false, host: "invalid", port: 80)
        let upstreamHead = engine.upstreamHead(
            for: head.headers, route: route, origin: origin, target: found?.target ?? route.target,
            bodyBytes: sent.readableBytes, requestID: requestID)
        upstreamTarget = (found?.origin, upstreamHead, route.method == .post ? sent : nil)
    }

    /// `ROUTE_BY_MODEL`: the `ollama` pool cannot serve the model (no such model, or no keys) on an un-prefixed
    /// route: the first provider that can takes the request over, before any key was tried.
    func rerouteByModel(after error: GatewayError) -> Bool {
        guard tried.isEmpty, let clientBody, let model, error.code == .modelNotFound || error.code == .noKeys,
            let other = engine.routeByModel(from: route, model: model, scope: token?.record.provider)
        else { return false }
        route = other
        self.clientBody = nil
        trace?.record.provider = other.provider
        prepareUpstream(clientBody)
        return true
    }

    /// Where an attempt with `key` goes: the provider's origin and the prepared head, or a key's own server with
    /// the head's target and `Host` for it; nil when neither is a usable URL.
    func destination(
        for key: PooledKey, _ providerOrigin: UpstreamOrigin?, _ head: HTTPRequestHead
    ) -> (origin: UpstreamOrigin, head: HTTPRequestHead)? {
        guard let keyBase = key.baseURL else { return providerOrigin.map { ($0, head) } }
        guard let own = engine.upstreamTarget(route: route, keyBaseURL: keyBase, query: query) else { return nil }
        var head = head
        head.uri = own.target
        head.headers.replaceOrAdd(name: "host", value: own.origin.hostHeader)
        return (own.origin, head)
    }
}
