/// What makes two keys of a provider the same key: the secret, and the server it is for when the key carries its
/// own base URL (the same secret at two servers is two keys; a self-hosted server without a secret is its URL).
/// The pool's duplicate check and the store's duplicate hash both read it, so they agree.
public enum KeyIdentity {
    /// The secret alone for a key of the provider's base URL; otherwise the normalized URL, a line feed (which
    /// neither a URL nor a secret may contain) and the secret.
    public static func of(baseURL: String?, secret: String) -> String {
        guard let baseURL else { return secret }
        return ProviderRules.normalizedBaseURL(baseURL) + "\n" + secret
    }
}
