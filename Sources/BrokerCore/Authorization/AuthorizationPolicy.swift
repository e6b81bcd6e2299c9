package import ConfigModel
package import MQTTCore

/// How the broker applies authorization: the authorizer, what a denial does
/// (`deny_action`), and the per-session cache. Replaced as a whole (a reload), which
/// invalidates every session's cache.
package struct AuthorizationPolicy: Sendable {
    package var authorizer: any Authorizer
    package var denyAction: AuthorizationConfig.DenyAction
    package var cacheEnabled: Bool
    package var cacheSize: Int
    package var cacheTTL: Int64
    /// Topics matching these are never cached (EMQX's `cache.excludes`).
    package var cacheExcludes: [TopicFilter]

    package init(
        authorizer: any Authorizer, denyAction: AuthorizationConfig.DenyAction = .ignore, cache: AuthorizationConfig.Cache = .init()
    ) {
        self.authorizer = authorizer
        self.denyAction = denyAction
        cacheEnabled = cache.enable
        cacheSize = cache.maxSize
        cacheTTL = cache.ttl.milliseconds * 1_000_000
        cacheExcludes = cache.excludes.compactMap { try? TopicFilter($0) }
    }
}
