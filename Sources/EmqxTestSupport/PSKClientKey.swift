/// What `mosquitto_pub --psk` and `openssl s_client -psk` take for a secret stored raw: the
/// hex of its bytes.
public func pskClientKey(forRawSecret secret: String) -> String {
    secret.utf8.map { byte in
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]], as: UTF8.self)
    }.joined()
}
