import Testing

@testable import ConfigModel

/// `retainer` and `session_persistence` under EMQX 5's names and defaults, and the places an
/// EMQX 4 config or a 5.7 one puts them.
struct RetainerConfigTests {
    func load(_ text: String) -> ConfigLoadResult {
        ConfigLoader(environment: [:]).load(text: text, path: "emqx.conf")
    }

    @Test func defaultsAreEMQXs() throws {
        let config = try #require(load("listeners.tcp.default.bind = 1883\n").config)
        #expect(config.retainer == RetainerConfig())
        #expect(config.retainer.enable && config.retainer.storageType == .ram && config.retainer.maxRetainedMessages == 0)
        #expect(config.retainer.maxPayloadSize == 1 << 20 && config.retainer.msgExpiryInterval.milliseconds == 0)
        #expect(!config.sessionPersistence.enable)
    }

    @Test func everyAppliedKeyIsRead() throws {
        let result = load(
            """
            retainer {
              enable = true, msg_expiry_interval = 1h, msg_clear_interval = 10m, max_payload_size = 64KB
              stop_publish_clear_msg = true
              backend { type = built_in_database, storage_type = disc, max_retained_messages = 100 }
            }
            session_persistence.enable = true
            """)
        let config = try #require(result.config)
        #expect(!result.diagnostics.contains { $0.keyPath?.hasPrefix("retainer") == true || $0.keyPath?.hasPrefix("session") == true })
        #expect(config.retainer.msgExpiryInterval.milliseconds == 3_600_000 && config.retainer.msgClearInterval.milliseconds == 600_000)
        #expect(config.retainer.maxPayloadSize == 64 << 10 && config.retainer.stopPublishClearMsg)
        #expect(config.retainer.storageType == .disc && config.retainer.maxRetainedMessages == 100)
        #expect(config.sessionPersistence.enable)
    }

    /// EMQX 4 wrote storage_type under retainer; EMQX 5 reads it under backend only, so the old
    /// place would silently keep messages in memory.
    @Test func emqx4PlacesAreErrorsThatSayWhere() throws {
        let result = load("retainer {\n  storage_type = disc\n  max_retained_messages = 5\n}\n")
        for key in ["storage_type", "max_retained_messages"] {
            let error = try #require(result.diagnostics.first { $0.keyPath == "retainer.\(key)" })
            #expect(error.severity == .error && error.message.contains("retainer.backend.\(key)"), "\(error)")
            #expect(error.location?.line == (key == "storage_type" ? 2 : 3))
        }
    }

    @Test func badValuesAreLocatedErrors() throws {
        let result = load("retainer.backend.storage_type = disk\nretainer.max_payload_size = lots\n")
        let storage = try #require(result.diagnostics.first { $0.keyPath == "retainer.backend.storage_type" })
        #expect(storage.severity == .error && storage.message.contains("did you mean disc"), "\(storage)")
        #expect(storage.location?.line == 1)
        #expect(result.diagnostics.contains { $0.keyPath == "retainer.max_payload_size" && $0.severity == .error })
    }

    @Test func tuningThatIsNotAppliedSaysSo() throws {
        let result = load(
            "retainer { deliver_rate = \"1000/s\", backend.index_specs = [[1, 2]] }\nsession_persistence { enable = true, batch_size = 100 }\n"
        )
        for path in ["retainer.deliver_rate", "retainer.backend.index_specs", "session_persistence.batch_size"] {
            let note = try #require(result.diagnostics.first { $0.keyPath == path }, "\(path)")
            #expect(note.code == .noEffect && note.severity == .note, "\(note)")
        }
    }

    /// EMQX 5.7 renamed session_persistence to durable_sessions; both are read, the new name
    /// winning when both are written.
    @Test func durableSessionsIsTheSameSetting() throws {
        #expect(try #require(load("durable_sessions.enable = true\n").config).sessionPersistence.enable)
        let both = load("session_persistence.enable = false\ndurable_sessions.enable = true\n")
        #expect(try #require(both.config).sessionPersistence.enable)
        #expect(both.diagnostics.contains { $0.keyPath == "durable_sessions" && $0.severity == .warning })
        #expect(!load("durable_sessions.enable = true\n").diagnostics.contains { $0.code == .rootNotChecked })
    }
}
