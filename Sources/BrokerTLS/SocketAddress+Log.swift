package import NIOCore

extension SocketAddress {
    /// `127.0.0.1:56720` or `[::1]:56720`, for logs (NIO's own description is for debugging).
    package var logDescription: String {
        guard let ip = ipAddress, let port else { return description }
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}
