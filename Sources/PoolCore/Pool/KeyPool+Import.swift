extension KeyPool {
    /// The entries that are new to the `provider` pool and to the list itself, in order, and how many were
    /// duplicates: the one duplicate rule of every import. Two entries are the same key when their identities
    /// are (see `KeyIdentity`): the same secret for two base URLs is two keys.
    public func newEntries(_ entries: [ImportEntry], provider: ProviderID) -> (entries: [ImportEntry], duplicates: Int)
    {
        var seen = Set<String>()
        seen.reserveCapacity(entries.count)
        var fresh: [ImportEntry] = []
        fresh.reserveCapacity(entries.count)
        for entry in entries {
            let identity = entry.identity
            if seen.insert(identity).inserted && !contains(identity: identity, provider: provider) {
                fresh.append(entry)
            }
        }
        return (fresh, entries.count - fresh.count)
    }
}
