import GRDB
import GRDBSQLite

/// One prepared INSERT or UPDATE run row after row through SQLite's C API: values bound in parameter order,
/// stepped, reset. For the two writes done once per proxied request or per key of the pool (the request log's
/// records, the per-key counters); everything else goes through GRDB.
struct RawWrite {
    /// Binds one row's values, in the statement's parameter order.
    struct Binder {
        fileprivate let statement: SQLiteStatement
        fileprivate var index: Int32 = 0
        /// The row's text, copied here and bound in place (`SQLITE_STATIC`): SQLite reads it when the row is
        /// stepped, and the next row rebinds every value before overwriting it. Saves SQLite a `malloc`, copy and
        /// `free` per text value.
        fileprivate let arena: UnsafeMutableRawBufferPointer
        fileprivate var used = 0

        /// SQLite copies the bytes before the call returns (`SQLITE_TRANSIENT`).
        private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

        mutating func text(_ value: String?) {
            guard var value else {
                index += 1
                sqlite3_bind_null(statement, index)
                return
            }
            value.withUTF8 { bind(UnsafeRawBufferPointer($0)) }
        }

        /// UTF-8 text already in bytes.
        mutating func text(bytes: [UInt8]) {
            bytes.withUnsafeBytes { bind($0) }
        }

        private mutating func bind(_ bytes: UnsafeRawBufferPointer) {
            index += 1
            guard let source = bytes.baseAddress, !bytes.isEmpty else {
                // A zero-length text is still text, not NULL: SQLite needs a non-nil pointer for that.
                sqlite3_bind_text(statement, index, "", 0, Self.transient)
                return
            }
            guard bytes.count <= arena.count - used, let base = arena.baseAddress else {
                // Larger than what is left (a long logged body): SQLite copies it.
                sqlite3_bind_text(
                    statement, index, source.assumingMemoryBound(to: CChar.self), Int32(bytes.count), Self.transient)
                return
            }
            let target = base + used
            target.copyMemory(from: source, byteCount: bytes.count)
            used += bytes.count
            sqlite3_bind_text(statement, index, target.assumingMemoryBound(to: CChar.self), Int32(bytes.count), nil)
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
    private let arena: UnsafeMutableRawBufferPointer

    init(_ statement: SQLiteStatement) {
        self.statement = statement
        arena = .allocate(byteCount: 16 * 1024, alignment: 8)
        sqlite3_reset(statement)
    }

    /// Binds a row with `bind` and runs the statement; a refusal throws SQLite's message, and the statement is
    /// reset.
    /// - Returns: the rows it inserted or changed.
    @discardableResult
    func row(_ db: Database, _ bind: (inout Binder) -> Void) throws -> Int {
        var binder = Binder(statement: statement, arena: arena)
        bind(&binder)
        let code = sqlite3_step(statement)
        sqlite3_reset(statement)
        guard code == SQLITE_DONE else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
        return Int(sqlite3_changes(db.sqliteConnection))
    }

    /// Leaves the statement reset and without bound values, as GRDB expects a cached statement, and frees the
    /// text arena (nothing refers to it once the bindings are cleared).
    func finish() {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
        arena.deallocate()
    }
}
