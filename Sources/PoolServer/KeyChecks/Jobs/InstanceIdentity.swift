import Foundation
import PoolCore

/// Who this process is among the instances sharing a store: the id its jobs and heartbeats carry, new with every
/// start, and a stable name (host and listening port) by which a restarted instance recognises the jobs its
/// previous run left `running`.
struct InstanceIdentity: Sendable {
    /// `inst_` and random hex, new with every start.
    let id: String
    /// `host:port`, or nil when the port is chosen by the system (port 0: nothing stable to recognise).
    let name: String?

    init(id: String = "inst_" + RandomText.hex(count: 12), name: String?) {
        self.id = id
        self.name = name
    }

    /// This process, listening on `port` (as configured).
    static func current(port: Int) -> InstanceIdentity {
        InstanceIdentity(name: port == 0 ? nil : "\(ProcessInfo.processInfo.hostName):\(port)")
    }
}
