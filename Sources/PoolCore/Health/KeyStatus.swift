/// The one vocabulary for a key's state, used by the API, the CLI and the dashboard.
public enum KeyStatus: String, Sendable, Codable, CaseIterable {
    /// Usable now.
    case active
    /// Resting for a while: rate-limited or out of credit.
    case cooling
    /// Switched off by repeated failures or by the admin, until a time or until enabled again.
    case disabled
    /// The upstream rejected the key (401/403).
    case invalid
    /// Its time to live has passed.
    case expired
}
