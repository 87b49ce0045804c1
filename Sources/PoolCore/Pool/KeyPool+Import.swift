extension KeyPool {
    /// The entries that are new to the `provider` pool and to the list itself, in order, and how many were
    /// duplicates: the one duplicate rule of every import.
    public func newEntries(_ entries: [ImportEntry], provider: ProviderID) -> (entries: [ImportEntry], duplicates: Int)
    {
        var seen = Set<String>()
        seen.reserveCapacity(entries.count)
        var fresh: [ImportEntry] = []
        fresh.reserveCapacity(entries.count)
        for entry in entries
        where seen.insert(entry.secret).inserted && !contains(secret: entry.secret, provider: provider) {
            fresh.append(entry)
        }
        return (fresh, entries.count - fresh.count)
    }
}
