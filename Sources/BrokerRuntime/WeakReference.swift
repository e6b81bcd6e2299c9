/// A weak reference for a timer's closure, so a connection that closed is not kept alive by a
/// timer that will find nothing left to do.
final class WeakReference<Object: AnyObject> {
    weak var object: Object?

    init(_ object: Object) { self.object = object }
}
