public import Foundation

extension PSKStore {
    /// The longest line read from an import file: an identity (256), a separator, a hex secret
    /// (1024) and room for CRLF and trailing spaces.
    static let maximumLineLength = 4096

    /// Imports an `identity<separator>secret` file in one transaction: every line is checked,
    /// and one bad line rolls the whole import back and is reported with its number (EMQX
    /// commits each chunk separately and leaves a half-applied file behind). A reader sees the
    /// old set until the commit, then the new one.
    ///
    /// Memory is bounded by `chunkSize` lines plus one read block, whatever the file's size.
    /// `progress` is called every 65,536 lines with the number of lines read so far.
    public func importFile(
        _ file: String,
        options: PSKImportOptions,
        now: Date = Date(),
        progress: ((Int) -> Void)? = nil
    ) throws -> PSKImportReport {
        guard !options.separator.isEmpty else { throw StoreError(.invalidEntry, "the separator is empty") }
        guard options.chunkSize >= 1 else { throw StoreError(.invalidEntry, "chunk_size must be at least 1, not \(options.chunkSize)") }
        let absolute = file.hasPrefix("/") ? file : FileManager.default.currentDirectoryPath + "/" + file
        return try database {
            try connection.execute("BEGIN IMMEDIATE")
            do {
                var run = try ImportRun(store: self, source: "file:\(absolute)", options: options, now: now)
                let reader = PSKLineReader(path: file, maximumLineLength: Self.maximumLineLength)
                run.report.bytes = try reader.forEachLine { line, number in
                    try run.take(line, number: number, file: file)
                    if number & 0xFFFF == 0 { progress?(number) }
                }
                try run.flush()
                guard run.report.entries > 0 else {
                    throw StoreError(
                        .invalidLine,
                        "holds no identities; nothing was imported\(options.replace ? " (with --replace this would have deleted every identity)" : "")",
                        path: file)
                }
                if options.replace { try run.removeOthers() }
                try connection.execute(options.dryRun ? "ROLLBACK" : "COMMIT")
                var report = run.report
                report.dryRun = options.dryRun
                return report
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
        }
    }
}

/// One import's state: the chunk being parsed, the prepared statements, the counts.
private struct ImportRun {
    let store: PSKStore
    let parser: PSKLineParser
    let chunkSize: Int
    let sourceID: Int64
    let serial: Int64
    let now: Int64
    var report = PSKImportReport()

    /// The current chunk: entry bytes in one reused buffer, and where each entry is.
    var arena: [UInt8] = []
    var chunk: [(identity: Range<Int>, secret: Range<Int>, line: Int)] = []

    let insert: SQLiteStatement
    let lookup: SQLiteStatement
    let update: SQLiteStatement
    let touch: SQLiteStatement

    init(store: PSKStore, source: String, options: PSKImportOptions, now: Date) throws {
        self.store = store
        parser = PSKLineParser(separator: Array(options.separator.utf8), encoding: options.encoding)
        chunkSize = options.chunkSize
        self.now = Int64(now.timeIntervalSince1970)
        let connection = store.connection
        sourceID = try store.sourceID(source)
        let next = try connection.prepare("UPDATE counters SET value = value + 1 WHERE name = 'import_serial' RETURNING value")
        guard try next.step() else { throw StoreError(.database, "the store has no import counter", path: store.path) }
        serial = next.int64(at: 0)
        next.reset()
        insert = try connection.prepare(
            "INSERT OR IGNORE INTO psk (identity, secret, created_at, updated_at, source_id, source_line, import_serial) VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6)"
        )
        lookup = try connection.prepare("SELECT secret, source_line, import_serial FROM psk WHERE identity = ?")
        update = try connection.prepare(
            "UPDATE psk SET secret = ?2, updated_at = ?3, source_id = ?4, source_line = ?5, import_serial = ?6 WHERE identity = ?1"
        )
        touch = try connection.prepare("UPDATE psk SET source_line = ?2, import_serial = ?3 WHERE identity = ?1")
        // What every row of this import shares is bound once; rows rebind only their own values.
        try insert.bind(self.now, at: 3)
        try insert.bind(sourceID, at: 4)
        try insert.bind(serial, at: 6)
        try update.bind(self.now, at: 3)
        try update.bind(sourceID, at: 4)
        try update.bind(serial, at: 6)
        try touch.bind(serial, at: 3)
        arena.reserveCapacity(options.chunkSize * 128)
        chunk.reserveCapacity(options.chunkSize)
    }

    /// Parses one line into the chunk; writes the chunk when it is full.
    mutating func take(_ line: UnsafeBufferPointer<UInt8>, number: Int, file: String) throws {
        report.lines = number
        let outcome: PSKLineParser.Outcome
        do {
            outcome = try parser.parse(line, number: number, into: &arena)
        } catch {
            throw StoreError(.invalidLine, error.reason, path: file, line: number)
        }
        switch outcome {
        case .skip:
            report.skipped += 1
        case .entry(let identity, let secret, let trailingSpace, let looksLikeHex):
            chunk.append((identity, secret, number))
            if trailingSpace {
                report.trailingSpaces += 1
                report.warn("line \(number): the secret ends in a space or tab, which is kept as part of it (as EMQX does)")
            }
            if looksLikeHex {
                report.hexLookingSecrets += 1
                if report.hexLookingSecrets == 1 {
                    report.warn(
                        "line \(number): the secret looks like hex but is stored as its \(secret.count) raw characters (secret_encoding = raw, as in EMQX); "
                            + "mosquitto_pub --psk and openssl s_client -psk take hex, so they need the hex of that text (`emqxctl psk show ID --client-commands` prints it), "
                            + "or import with --secret-encoding hex if the text is the key"
                    )
                }
            }
            if chunk.count >= chunkSize { try flush() }
        }
    }

    /// Writes the chunk: a new identity is one insert; an existing one is compared first, so
    /// unchanged rows keep their times and duplicates in the file are found.
    mutating func flush() throws {
        for entry in chunk {
            let identity = arena[entry.identity]
            let secret = arena[entry.secret]
            try insert.bind(identity, at: 1)
            try insert.bind(secret, at: 2)
            try insert.bind(Int64(entry.line), at: 5)
            try insert.step()
            insert.reset(clearingBindings: false)
            if store.connection.changes == 1 {
                report.added += 1
                continue
            }
            try lookup.bind(identity, at: 1)
            _ = try lookup.step()
            let existing = lookup.blob(at: 0)
            let earlierLine = lookup.int64(at: 1)
            let seenThisImport = lookup.int64(at: 2) == serial
            lookup.reset(clearingBindings: false)
            if seenThisImport {
                report.duplicates += 1
                report.warn(
                    "line \(entry.line): the identity \"\(PSKText.display(Array(identity)))\" repeats line \(earlierLine); line \(entry.line) wins"
                )
            }
            if existing.elementsEqual(secret) {
                if !seenThisImport { report.unchanged += 1 }
                try touch.bind(identity, at: 1)
                try touch.bind(Int64(entry.line), at: 2)
                try touch.step()
                touch.reset(clearingBindings: false)
            } else {
                if !seenThisImport { report.updated += 1 }
                try update.bind(identity, at: 1)
                try update.bind(secret, at: 2)
                try update.bind(Int64(entry.line), at: 5)
                try update.step()
                update.reset(clearingBindings: false)
            }
        }
        chunk.removeAll(keepingCapacity: true)
        arena.removeAll(keepingCapacity: true)
    }

    /// `--replace`: deletes every identity this import did not write or confirm.
    mutating func removeOthers() throws {
        let remove = try store.connection.prepare("DELETE FROM psk WHERE import_serial <> ?")
        try remove.bind(serial, at: 1)
        try remove.step()
        report.removed = store.connection.changes
    }
}
