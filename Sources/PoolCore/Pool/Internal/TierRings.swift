/// Which keys a lease may choose from.
enum RotationCandidates {
    /// Any usable key: the request names no model.
    case every
    /// Usable keys that list the model (by routing name), then usable keys without a model list.
    case serving(String)
}

/// The rotation rings of one tier of a provider: every usable key, the usable keys whose models are unknown, and
/// the usable keys that list each model. A key of weight w holds w places in each ring it is in.
struct TierRings {
    /// Every key in rotation, for requests that name no model.
    private(set) var everyKey = RotationRing(dense: true)
    /// Keys in rotation whose models are not known; they are eligible for every model.
    private(set) var anyModel = RotationRing(dense: true)
    /// Keys in rotation that list a model, by the model's routing name. A request for a model walks this ring
    /// together with `anyModel`, so a lease never scans keys that cannot serve it.
    private(set) var byModel: [String: RotationRing] = [:]

    var isEmpty: Bool { everyKey.isEmpty }

    /// How many places the candidates hold in this tier.
    func count(of candidates: RotationCandidates) -> Int {
        switch candidates {
        case .every: return everyKey.count
        case .serving(let name): return (byModel[name]?.count ?? 0) + anyModel.count
        }
    }

    /// One step of a lease's walk over the candidates, keys that list the model before those without a list: the
    /// handle at the walk's cursor, which moves on by one, or nil when the tier holds none. A model's ring carries
    /// the cursor of walks for that model; a model no key of the tier lists uses the cursor of `anyModel`.
    mutating func next(of candidates: RotationCandidates) -> Int? {
        switch candidates {
        case .every:
            let available = everyKey.count
            guard available > 0 else { return nil }
            defer { everyKey.cursor &+= 1 }
            return Int(everyKey.handles[Int(everyKey.cursor % UInt(available))])
        case .serving(let name):
            guard let specific = byModel[name] else {
                let available = anyModel.count
                guard available > 0 else { return nil }
                defer { anyModel.cursor &+= 1 }
                return Int(anyModel.handles[Int(anyModel.cursor % UInt(available))])
            }
            let available = specific.count + anyModel.count
            guard available > 0 else { return nil }
            byModel[name]!.cursor &+= 1
            let position = Int(specific.cursor % UInt(available))
            if position < specific.count { return Int(specific.handles[position]) }
            return Int(anyModel.handles[position - specific.count])
        }
    }

    /// Puts a key in the rings; `routingNames` are its models' routing names (empty: models unknown).
    mutating func insert(_ handle: Int, weight: Int, routingNames: Set<String>) {
        everyKey.insert(handle, weight: weight)
        if routingNames.isEmpty {
            anyModel.insert(handle, weight: weight)
        } else {
            for name in routingNames { byModel[name, default: RotationRing()].insert(handle, weight: weight) }
        }
    }

    /// Takes a key out of the rings it was put in with the same `routingNames`.
    mutating func remove(_ handle: Int, routingNames: Set<String>) {
        everyKey.remove(handle)
        if routingNames.isEmpty {
            anyModel.remove(handle)
        } else {
            for name in routingNames {
                byModel[name]?.remove(handle)
                if byModel[name]?.isEmpty == true { byModel[name] = nil }
            }
        }
    }
}
