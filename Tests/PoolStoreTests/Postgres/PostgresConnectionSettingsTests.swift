import PoolStore
import Testing

@Suite("PostgreSQL: reading DATABASE_URL")
struct PostgresConnectionSettingsTests {
    @Test("host, port, user, password, database and sslmode are read; defaults as libpq's")
    func parts() throws {
        let full = try PostgresConnectionSettings(url: "postgresql://pool:p%40ss@db.local:6432/gateway?sslmode=require")
        #expect(full.host == "db.local" && full.port == 6432 && full.username == "pool")
        #expect(full.database == "gateway" && full.tlsMode == .require)
        let bare = try PostgresConnectionSettings(url: "postgres://alice@db")
        #expect(bare.port == 5432 && bare.database == "alice" && bare.tlsMode == .prefer)
        let disabled = try PostgresConnectionSettings(url: "postgres://u:x@[::1]:5433/d?sslmode=disable")
        #expect(disabled.host == "::1" && disabled.tlsMode == .disable)
    }

    @Test("the description, used in logs, errors and /health, never holds the password")
    func descriptionHidesThePassword() throws {
        let settings = try PostgresConnectionSettings(url: "postgres://pool:hunter2@db:5432/pool?sslmode=disable")
        #expect(settings.description == "postgres://pool@db:5432/pool?sslmode=disable")
        #expect(!"\(settings)".contains("hunter2"))
        #expect(!String(reflecting: settings).contains("hunter2"))
    }

    @Test(
        "unsupported parameters, sslmodes and ports are refused without echoing the password",
        arguments: [
            "postgres://pool:hunter2@db/pool?sslmode=verify-full", "postgres://pool:hunter2@db/pool?application_name=x",
            "postgres://pool:hunter2@/pool", "postgres://pool:hunter2@db:99999/pool",
        ])
    func refused(url: String) {
        let error = #expect(throws: StoreError.self) { try PostgresConnectionSettings(url: url) }
        #expect(error?.description.contains("hunter2") == false)
    }
}
