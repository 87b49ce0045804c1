import GRDB
import GRDBSQLite

/// One prepared INSERT run row after row through SQLite's C API: values bound in column order, stepped, reset.
/// For the request log's writer, the one insert done once per proxied request; everything else goes through GRDB.
struct RawInsert {
    /// Binds one row's values, in the statement's parameter order.
    struct Binder {
        fileprivate let statement: SQLiteStatement
        fileprivate var index: Int32 = 0

        /// SQLite copies the bytes before the call returns (`SQLITE_TRANSIENT`).
        private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

        mutating func text(_ value: String?) {
            index += 1
            guard var value else {
                sqlite3_bind_null(statement, index)
                return
            }
            let index = self.index
            value.withUTF8 { bytes in
                guard let start = bytes.baseAddress, !bytes.isEmpty else {
                    // A zero-length text is still text, not NULL: SQLite needs a non-nil pointer for that.
                    sqlite3_bind_text(statement, index, "", 0, Self.transient)
                    return
                }
                start.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                    _ = sqlite3_bind_text(statement, index, $0, Int32(bytes.count), Self.transient)
                }
            }
        }

        mutating func integer(_ value: Int64?) {
            index += 1
            if let value { sqlite3_bind_int64(statement, index, value) } else { sqlite3_bind_null(statement, index) }
        }

        mutating func real(_ value: Double?) {
            index += 1
            if let value { sqlite3_bind_double(statement, index, value) } else { sqlite3_bind_null(statement, index) }
        }

        mutating func bool(_ value: Bool) {
            index += 1
            sqlite3_bind_int64(statement, index, value ? 1 : 0)
        }
    }

    private let statement: SQLiteStatement

    init(_ statement: SQLiteStatement) {
        self.statement = statement
        sqlite3_reset(statement)
    }

    /// Binds a row with `bind` and inserts it; a refusal throws SQLite's message, and the statement is reset.
    func row(_ db: Database, _ bind: (inout Binder) -> Void) throws {
        var binder = Binder(statement: statement)
        bind(&binder)
        let code = sqlite3_step(statement)
        sqlite3_reset(statement)
        guard code == SQLITE_DONE else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
    }

    /// Leaves the statement reset and without bound values, as GRDB expects a cached statement.
    func finish() {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
    }
}
