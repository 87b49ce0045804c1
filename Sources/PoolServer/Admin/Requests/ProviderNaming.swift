/// A body that may name the pool it is about in `provider` (the `?provider=` query wins; see `AdminRequest`).
protocol ProviderNaming {
    var provider: String? { get }
}
