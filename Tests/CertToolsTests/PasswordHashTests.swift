import CertTools
import EmqxTestSupport
import Foundation
import Testing

/// EMQX's built-in database hashes, checked against Python's hashlib computing the spec's
/// formulas, and against the users EMQX ships in `apps/emqx_auth/data/user-credentials.json`.
@Suite struct PasswordHashTests {
    /// EMQX's own sample users (sha256, salt prefix): the stored hashes verify.
    @Test(arguments: [
        ("mypassword1", "e378187547bf2d6f0545a3f441aa4d8a", "c5e46903df45e5dc096dc74657610dbee8deaacae656df88a1788f1847390242"),
        ("mypassword2", "6d3f9bd5b54d94b98adbcfe10b6d181f", "f4d17f300b11e522fd33f497c11b126ef1ea5149c74d2220f9a16dc876d4567b"),
    ])
    func emqxSampleUsersVerify(_ password: String, _ salt: String, _ stored: String) {
        let algorithm = PasswordHash.simple(.sha256, .prefix)
        #expect(algorithm.verify(Array(password.utf8), hash: stored, salt: Array(salt.utf8)))
        #expect(algorithm.verify(Array(password.utf8), hash: stored.uppercased(), salt: Array(salt.utf8)), "hex compares without case")
        #expect(!algorithm.verify(Array((password + "x").utf8), hash: stored, salt: Array(salt.utf8)))
        #expect(!algorithm.verify(Array(password.utf8), hash: stored, salt: []))
    }

    struct Vector: Codable {
        var algorithm: String
        var password: String  // hex
        var salt: String  // hex
        var hash: String
    }

    /// Every digest, salt position and pbkdf2 mac_fun, on passwords with non-ASCII bytes,
    /// computed by Python's hashlib from the spec's formulas.
    @Test func everyAlgorithmMatchesPythonHashlib() throws {
        let script = """
            import hashlib, json, os
            vectors = []
            names = {"md5": "md5", "sha": "sha1", "sha224": "sha224", "sha256": "sha256", "sha384": "sha384", "sha512": "sha512"}
            for i in range(4):
                pw = os.urandom(i * 7 + 1) + "pässwörd".encode()
                salt = os.urandom(16).hex().encode()
                for name in ["md5", "sha", "sha256", "sha512"]:
                    for position, x in [("disable", pw), ("prefix", salt + pw), ("suffix", pw + salt)]:
                        vectors.append({"algorithm": f"{name}/{position}", "password": pw.hex(), "salt": salt.hex(),
                                        "hash": hashlib.new(names[name], x).hexdigest()})
                for name in names:
                    for iterations, length in [(1, None), (1000, 16), (4096, 64)]:
                        dk = hashlib.pbkdf2_hmac(names[name], pw, salt, iterations, length)
                        vectors.append({"algorithm": f"pbkdf2/{name}/{iterations}/{length or 0}", "password": pw.hex(),
                                        "salt": salt.hex(), "hash": dk.hex()})
            print(json.dumps(vectors))
            """
        let outcome = try Subprocess("python3", ["-c", script]).run(timeout: 60)
        try #require(outcome.status == 0, "\(outcome)")
        let vectors = try JSONDecoder().decode([Vector].self, from: Data(outcome.stdout.utf8))
        #expect(vectors.count == 4 * (12 + 18))
        for vector in vectors {
            let parts = vector.algorithm.split(separator: "/").map(String.init)
            let algorithm: PasswordHash
            if parts[0] == "pbkdf2" {
                let length = Int(parts[3])!
                algorithm = .pbkdf2(
                    macFun: PasswordHash.Digest(rawValue: parts[1])!, iterations: Int(parts[2])!, dkLength: length == 0 ? nil : length)
            } else {
                algorithm = .simple(PasswordHash.Digest(rawValue: parts[0])!, PasswordHash.SaltPosition(rawValue: parts[1])!)
            }
            let password = Self.bytes(hex: vector.password)
            let salt = Self.bytes(hex: vector.salt)
            #expect(algorithm.hash(password, salt: salt) == vector.hash, "\(vector.algorithm)")
            #expect(algorithm.verify(password, hash: vector.hash, salt: salt), "\(vector.algorithm)")
            #expect(!algorithm.verify(password + [0x21], hash: vector.hash, salt: salt), "\(vector.algorithm)")
        }
    }

    /// bcrypt both ways with Python's bcrypt package: its `$2a$`/`$2b$` hashes (and `$2y$`,
    /// the same algorithm under PHP's prefix) verify here, and hashes made here verify there.
    @Test func bcryptMatchesPythonBcrypt() throws {
        let ours = PasswordHash.bcrypt(rounds: 5)
        let setting = ours.generateSalt()
        #expect(String(decoding: setting, as: UTF8.self).hasPrefix("$2a$05$") && setting.count == 29, "\(setting)")
        let password = Array("pässwörd-\(UInt32.random(in: 0...UInt32.max))".utf8)
        let hash = ours.hash(password, salt: setting)
        #expect(hash.count == 60 && hash.hasPrefix(String(decoding: setting, as: UTF8.self)))
        #expect(ours.verify(password, hash: hash, salt: Array(hash.utf8)))
        #expect(!ours.verify(password + [0x21], hash: hash, salt: Array(hash.utf8)))
        #expect(!ours.verify(password + [0, 0x21], hash: hash, salt: Array(hash.utf8)), "a NUL byte never matches")

        let script = """
            import bcrypt, sys
            password, ours = sys.argv[1].encode(), sys.argv[2].encode()
            print("ours", bcrypt.checkpw(password, ours))
            for prefix in [b"2a", b"2b"]:
                print(bcrypt.hashpw(password, bcrypt.gensalt(6, prefix=prefix)).decode())
            print(bcrypt.hashpw(password, bcrypt.gensalt(5)).decode().replace("$2b$", "$2y$", 1))
            """
        let outcome = try Subprocess("python3", ["-c", script, String(decoding: password, as: UTF8.self), hash]).run(timeout: 60)
        try #require(outcome.status == 0, "python3 -m pip install bcrypt: \(outcome)")
        let lines = outcome.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "ours True", "\(outcome)")
        for theirs in lines.dropFirst() {
            #expect(ours.verify(password, hash: theirs, salt: Array(theirs.utf8)), "\(theirs)")
            #expect(!ours.verify(Array("wrong".utf8), hash: theirs, salt: Array(theirs.utf8)), "\(theirs)")
        }
        #expect(lines.count == 4)
    }

    /// A plain password is stored as written and compares exactly: EMQX ignores case here
    /// (its quirk Q4), which would let "Secret" stand for "secret".
    @Test func plainComparesExactly() {
        let plain = PasswordHash.plain(.prefix)
        #expect(plain.hash(Array("Secret".utf8), salt: []) == "Secret")
        #expect(plain.generateSalt().isEmpty)
        #expect(plain.verify(Array("Secret".utf8), hash: "Secret", salt: []))
        #expect(!plain.verify(Array("secret".utf8), hash: "Secret", salt: []))
        #expect(!plain.verify(Array("Secret".utf8), hash: "Secret ", salt: []))
    }

    /// Generated salts are EMQX's: 16 random bytes as 32 lowercase hex characters.
    @Test func generatedSaltsAreThirtyTwoLowercaseHexCharacters() {
        let salts = (0..<8).map { _ in PasswordHash.simple(.sha256, .prefix).generateSalt() }
        for salt in salts {
            #expect(salt.count == 32 && salt.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        }
        #expect(Set(salts).count == salts.count)
    }

    static func bytes(hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
    }
}
