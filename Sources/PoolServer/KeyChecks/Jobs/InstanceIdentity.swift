import Foundation
import PoolCore

/// Who this process is among the instances sharing a store: the id its jobs and heartbeats carry (the gateway's
/// `instanceID`, new with every start, also in `/health`), and a stable name (host and listening port) by which a restarted instance recognises the jobs its
/// previous run left `running`.
struct InstanceIdentity: Sendable {
    /// New with every start.
    let id: String
    /// `host:port`, or nil when the port is chosen by the system (port 0: nothing stable to recognise).
    let name: String?

    init(id: String, name: String?) {
        self.id = id
        self.name = name
    }

    /// This process (`id`), listening on `port` (as configured).
    static func current(id: String, port: Int) -> InstanceIdentity {
        InstanceIdentity(id: id, name: port == 0 ? nil : "\(ProcessInfo.processInfo.hostName):\(port)")
    }
}
