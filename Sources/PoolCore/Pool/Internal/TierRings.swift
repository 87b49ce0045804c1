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

    /// The handle at `position` of the candidates, listing keys that name the model before the others.
    func candidate(at position: Int, in candidates: RotationCandidates) -> Int {
        switch candidates {
        case .every:
            return everyKey.handles[position]
        case .serving(let name):
            let specific = byModel[name]?.handles ?? []
            return position < specific.count ? specific[position] : anyModel.handles[position - specific.count]
        }
    }

    /// Returns the cursor for this walk and moves it on. A model's ring carries the cursor of walks for that
    /// model; a model no key of the tier lists uses the cursor of `anyModel`.
    mutating func advanceCursor(of candidates: RotationCandidates) -> UInt {
        switch candidates {
        case .every:
            defer { everyKey.cursor &+= 1 }
            return everyKey.cursor
        case .serving(let name):
            if byModel[name] != nil {
                defer { byModel[name]!.cursor &+= 1 }
                return byModel[name]!.cursor
            }
            defer { anyModel.cursor &+= 1 }
            return anyModel.cursor
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
