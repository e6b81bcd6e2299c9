/// A value kept once and referenced from many places: a session holds its `mqtt {}` limits and
/// its will this way, a pointer each instead of a few hundred bytes inline in every session
/// (an idle session costs what it holds). Reading `shared.value.field` loads the field in place.
package final class Shared<Value: Sendable>: Sendable {
    package let value: Value
    package init(_ value: Value) { self.value = value }
}
