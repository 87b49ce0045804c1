/// Shows a secret the way every response and log line must: never in full.
public enum SecretMask {
    /// `abcd…wxyz` for long secrets; shorter ones keep less, and very short ones show only bullets.
    public static func mask(_ secret: String) -> String {
        let characters = Array(secret)
        switch characters.count {
        case 0: return ""
        case ..<9: return String(repeating: "•", count: 4)
        case ..<16: return String(characters.prefix(2)) + "…" + String(characters.suffix(2))
        default: return String(characters.prefix(4)) + "…" + String(characters.suffix(4))
        }
    }
}
