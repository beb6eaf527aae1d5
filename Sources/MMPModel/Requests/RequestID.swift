/// A request: its position in the request list, numbered from 0 as the user wrote them
/// and as every report prints them (`request 3`). Later requests win (contract §5, §7),
/// so the order these ids give is the order that decides.
public struct RequestID: TypedID {
    public let rawValue: Int
    @inlinable public init(_ rawValue: Int) { self.rawValue = rawValue }
}
