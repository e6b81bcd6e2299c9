public import Foundation

/// One user read from an EMQX bootstrap or export file, before hashing.
public struct UserImportRow: Sendable, Equatable {
    public enum Credential: Sendable, Equatable {
        /// `type = plain`: hashed with the authenticator's algorithm on import.
        case password(String)
        /// `type = hash`: stored as written.
        case hashed(passwordHash: String, salt: String)
    }

    public let userID: String
    public let credential: Credential
    public let isSuperuser: Bool
    /// Where it is: the CSV line, or the JSON array element (from 1).
    public let position: Int
}

/// EMQX's user files (`bootstrap_file`, the import API): `.csv` with a header row, or `.json`,
/// an array of objects. Plain files hold `user_id,password,is_superuser`; hash files
/// `user_id,password_hash,salt,is_superuser` (in JSON `salt` may be left out). `is_superuser`
/// is true only for `true`.
///
/// Beyond EMQX (its Q11): CSV is parsed as CSV, with quoted fields, so a value may hold a
/// space or a comma, and an empty field is an empty field rather than dropped. Every problem
/// is reported with its line (or element) and the whole file is refused, so an import is all
/// or nothing.
public enum UserImportFile {
    public enum Kind: String, Sendable, CaseIterable {
        case plain
        case hash
    }

    /// Reads `path`, choosing CSV or JSON by its extension, as EMQX does.
    public static func read(_ path: String, kind: Kind) throws -> [UserImportRow] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StoreError(.fileSystem, "cannot read the file", path: path)
        }
        switch (path as NSString).pathExtension.lowercased() {
        case "csv": return try parse(data, format: .csv, kind: kind, path: path)
        case "json": return try parse(data, format: .json, kind: kind, path: path)
        default: throw StoreError(.invalidLine, "unknown file format: name the file .csv or .json, as EMQX requires", path: path)
        }
    }

    public enum Format: Sendable {
        case csv
        case json
    }

    /// Parses a file's contents; `path` names it in errors.
    public static func parse(_ data: Data, format: Format, kind: Kind, path: String) throws -> [UserImportRow] {
        switch format {
        case .csv: try parseCSV(String(decoding: data, as: UTF8.self), kind: kind, path: path)
        case .json: try parseJSON(data, kind: kind, path: path)
        }
    }

    // MARK: CSV

    static func parseCSV(_ text: String, kind: Kind, path: String) throws -> [UserImportRow] {
        let records = try CSVRecords.parse(text, path: path)
        guard let header = records.first else { throw StoreError(.invalidLine, "the file is empty; a header row is required", path: path) }
        let columns = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        let required = kind == .plain ? ["user_id", "password"] : ["user_id", "password_hash", "salt"]
        for name in required where !columns.contains(name) {
            throw StoreError(
                .invalidLine,
                "the header has no \(name) column; a \(kind.rawValue) file has \(required.joined(separator: ",")),is_superuser",
                path: path, line: header.line)
        }
        var rows: [UserImportRow] = []
        for record in records.dropFirst() {
            if record.fields.count == 1 && record.fields[0].trimmingCharacters(in: .whitespaces).isEmpty { continue }
            guard record.fields.count == columns.count else {
                throw StoreError(
                    .invalidLine, "\(record.fields.count) fields where the header has \(columns.count)", path: path, line: record.line)
            }
            let fields = Dictionary(zip(columns, record.fields), uniquingKeysWith: { first, _ in first })
            rows.append(try row(fields, kind: kind, position: record.line, path: path, superuser: { $0 == "true" }))
        }
        return try checked(rows, path: path, unit: "line")
    }

    // MARK: JSON

    static func parseJSON(_ data: Data, kind: Kind, path: String) throws -> [UserImportRow] {
        let elements: [JSONUser]
        do {
            elements = try JSONDecoder().decode([JSONUser].self, from: data)
        } catch DecodingError.typeMismatch(_, let context) where context.codingPath.isEmpty {
            throw StoreError(.invalidLine, "expected a JSON array of users", path: path)
        } catch DecodingError.typeMismatch(_, let context) {
            let element = (context.codingPath.first?.intValue ?? 0) + 1
            throw StoreError(.invalidLine, "element \(element): \(context.debugDescription)", path: path)
        } catch {
            throw StoreError(.invalidLine, "not valid JSON: \(error)", path: path)
        }
        var rows: [UserImportRow] = []
        for (index, element) in elements.enumerated() {
            var fields = element.fields
            if kind == .hash && fields["salt"] == nil { fields["salt"] = "" }
            rows.append(try row(fields, kind: kind, position: index + 1, path: path, superuser: { $0 == "true" }))
        }
        return try checked(rows, path: path, unit: "element")
    }

    /// One JSON user: string fields, and `is_superuser` as a boolean or a string.
    private struct JSONUser: Decodable {
        let fields: [String: String]

        private struct Key: CodingKey {
            let stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            var fields: [String: String] = [:]
            for key in container.allKeys {
                if let text = try? container.decode(String.self, forKey: key) {
                    fields[key.stringValue] = text
                } else if let flag = try? container.decode(Bool.self, forKey: key) {
                    fields[key.stringValue] = flag ? "true" : "false"
                }
            }
            self.fields = fields
        }
    }

    // MARK: Shared

    private static func row(
        _ fields: [String: String], kind: Kind, position: Int, path: String, superuser: (String) -> Bool
    ) throws -> UserImportRow {
        func field(_ name: String) throws -> String {
            guard let value = fields[name] else {
                throw StoreError(.invalidLine, "no \(name) (or not a string)", path: path, line: position)
            }
            return value
        }
        let userID = try field("user_id")
        if let problem = UserStore.userIDProblem(userID) { throw StoreError(.invalidLine, problem, path: path, line: position) }
        let credential: UserImportRow.Credential
        switch kind {
        case .plain:
            let password = try field("password")
            guard !password.isEmpty else { throw StoreError(.invalidLine, "the password is empty", path: path, line: position) }
            credential = .password(password)
        case .hash:
            let hash = try field("password_hash")
            guard !hash.isEmpty else { throw StoreError(.invalidLine, "the password_hash is empty", path: path, line: position) }
            credential = .hashed(passwordHash: hash, salt: try field("salt"))
        }
        return UserImportRow(
            userID: userID, credential: credential, isSuperuser: superuser(fields["is_superuser"] ?? "false"), position: position)
    }

    /// Refuses a user id given twice: which record was meant is not clear.
    private static func checked(_ rows: [UserImportRow], path: String, unit: String) throws -> [UserImportRow] {
        var seen: [String: Int] = [:]
        for row in rows {
            if let first = seen[row.userID] {
                throw StoreError(
                    .invalidLine, "the user \"\(row.userID)\" is also at \(unit) \(first); each user may appear once", path: path,
                    line: row.position)
            }
            seen[row.userID] = row.position
        }
        return rows
    }
}

/// RFC 4180 records: fields separated by commas, optionally in double quotes (a quote inside
/// doubled), records ending in LF or CRLF; a quoted field may span lines. Unquoted fields
/// have surrounding spaces trimmed, which keeps EMQX's space-tolerant files readable.
enum CSVRecords {
    struct Record {
        var fields: [String]
        /// The line the record starts on (from 1).
        var line: Int
    }

    static func parse(_ text: String, path: String) throws -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var quoted = false
        var wasQuoted = false
        var line = 1
        var recordLine = 1
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func endField() {
            fields.append(wasQuoted ? field : field.trimmingCharacters(in: .whitespaces))
            field = ""
            wasQuoted = false
        }
        while let scalar = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if scalar == "\"" {
                    let next = iterator.next()
                    if next == "\"" {
                        field.unicodeScalars.append("\"")
                    } else {
                        quoted = false
                        pending = next
                    }
                } else {
                    if scalar == "\n" { line += 1 }
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"":
                guard field.trimmingCharacters(in: .whitespaces).isEmpty, !wasQuoted else {
                    throw StoreError(.invalidLine, "a quote inside an unquoted field; quote the whole field", path: path, line: line)
                }
                field = ""
                quoted = true
                wasQuoted = true
            case ",":
                endField()
            case "\r":
                continue
            case "\n":
                endField()
                records.append(Record(fields: fields, line: recordLine))
                fields = []
                line += 1
                recordLine = line
            default:
                guard !wasQuoted || scalar == " " else {
                    throw StoreError(.invalidLine, "text after a closing quote", path: path, line: line)
                }
                if !wasQuoted { field.unicodeScalars.append(scalar) }
            }
        }
        if quoted { throw StoreError(.invalidLine, "a quoted field is never closed", path: path, line: recordLine) }
        if !field.isEmpty || !fields.isEmpty || wasQuoted {
            endField()
            records.append(Record(fields: fields, line: recordLine))
        }
        return records
    }
}
