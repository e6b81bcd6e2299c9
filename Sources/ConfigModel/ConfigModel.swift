/// ConfigModel reads EMQX 5's `emqx.conf` (HOCON) into a typed model and checks its values.
///
/// It is a leaf module: Foundation only, no NIO and no C, so that `config check` and `serve`
/// share one parser and one set of rules. File and crypto checks run in ConfigPreflight.
/// Every problem is a `Diagnostic` with its `file:line:col`.
public enum ConfigModel {}
