/// Where the parts of a sim file that a write-back with inserted quantizers edits sit in
/// its bytes (`--insert-converts`): each element of the top-level `ops` array, the value
/// of each quantizer a new one copies its settings from, and the end of the last member of
/// `quantizers`. One pass that follows strings and nesting only: the streaming reader
/// has read the file, so it is JSON; anything unexpected ends the scan with nil, and the
/// writer then encodes the document instead.
struct SimFileLayout {
    /// Each op object, in file order (the graph's order).
    var ops: [Range<Int>] = []
    /// The value of each wanted quantizer, by its key as spelled in the file (the bytes
    /// between the quotes).
    var quantizerValues: [[UInt8]: Range<Int>] = [:]
    /// Where a new member of `quantizers` goes: after the last member's value, or after
    /// the `{` of an empty object.
    var quantizersEnd = 0
    var quantizersEmpty = true

    private static let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\"), colon = UInt8(ascii: ":")
    private static let comma = UInt8(ascii: ","), openBrace = UInt8(ascii: "{"), closeBrace = UInt8(ascii: "}")
    private static let openBracket = UInt8(ascii: "["), closeBracket = UInt8(ascii: "]")

    /// The layout of `bytes`; `wanted` are quantizer keys as the file spells them.
    static func scan(_ bytes: UnsafeBufferPointer<UInt8>, wanted: Set<[UInt8]>) -> SimFileLayout? {
        var scanner = Scanner(cursor: ByteCursor(bytes))
        return scanner.document(wanted: wanted)
    }

    private struct Scanner {
        var cursor: ByteCursor
        /// Set by a step that met something unexpected.
        var failed = false

        mutating func document(wanted: Set<[UInt8]>) -> SimFileLayout? {
            var layout = SimFileLayout()
            var sawOps = false, sawQuantizers = false
            guard enter(openBrace) else { return nil }
            var first = true
            while let key = nextKey(&first) {
                if cursor.slice(key).elementsEqual(SimDocumentKey.ops.spelling.utf8), cursor.peek() == openBracket {
                    sawOps = true
                    guard elements(into: &layout.ops) else { return nil }
                } else if cursor.slice(key).elementsEqual(SimDocumentKey.quantizers.spelling.utf8), cursor.peek() == openBrace {
                    sawQuantizers = true
                    guard quantizers(wanted: wanted, into: &layout) else { return nil }
                } else {
                    guard skipValue() else { return nil }
                }
            }
            return !failed && sawOps && sawQuantizers ? layout : nil
        }

        /// The members of `quantizers`: where it ends, and the wanted values.
        mutating func quantizers(wanted: Set<[UInt8]>, into layout: inout SimFileLayout) -> Bool {
            guard enter(openBrace) else { return false }
            layout.quantizersEnd = cursor.position
            var first = true
            while let key = nextKey(&first) {
                let start = cursor.position
                guard skipValue() else { return false }
                layout.quantizersEmpty = false
                layout.quantizersEnd = cursor.position
                let spelled = Array(cursor.slice(key))
                if wanted.contains(spelled) { layout.quantizerValues[spelled] = start..<cursor.position }
            }
            return !failed
        }

        /// The elements of the array at the cursor, each as its byte range.
        mutating func elements(into ranges: inout [Range<Int>]) -> Bool {
            guard enter(openBracket) else { return false }
            var first = true
            while advance(&first, closing: closeBracket) {
                let start = cursor.position
                guard skipValue() else { return false }
                ranges.append(start..<cursor.position)
            }
            return !failed
        }

        /// Moves to the next member or element of the object or array the cursor is in:
        /// past the comma before it (none before the first), true when one follows; past
        /// `closing`, false at the end; false with ``failed`` set on anything else.
        mutating func advance(_ first: inout Bool, closing: UInt8) -> Bool {
            cursor.skipSpace()
            switch cursor.peek() {
            case closing:
                cursor.advance()
                return false
            case comma where !first:
                cursor.advance()
                cursor.skipSpace()
                return true
            case _ where first:
                first = false
                return true
            default:
                failed = true
                return false
            }
        }

        /// Moves past whitespace and `open`.
        mutating func enter(_ open: UInt8) -> Bool {
            cursor.skipSpace()
            guard cursor.peek() == open else { return false }
            cursor.advance()
            return true
        }

        /// The next member's key (its bytes between the quotes), the cursor then at its
        /// value; nil after the object's closing brace, or on something unexpected
        /// (``failed``).
        mutating func nextKey(_ first: inout Bool) -> Range<Int>? {
            guard advance(&first, closing: closeBrace) else { return nil }
            guard cursor.peek() == quote else {
                failed = true
                return nil
            }
            cursor.advance()
            let start = cursor.position
            guard skipStringBody() else {
                failed = true
                return nil
            }
            let key = start..<cursor.position - 1
            cursor.skipSpace()
            guard cursor.peek() == colon else {
                failed = true
                return nil
            }
            cursor.advance()
            cursor.skipSpace()
            return key
        }

        /// Moves past the value at the cursor: a string, a nested object or array (depth
        /// counted, strings skipped), or a scalar.
        mutating func skipValue() -> Bool {
            guard let first = cursor.peek() else { return false }
            if first == quote {
                cursor.advance()
                return skipStringBody()
            }
            guard first == openBrace || first == openBracket else {
                cursor.skip { $0 != comma && $0 != closeBrace && $0 != closeBracket && $0 > 0x20 }
                return true
            }
            var depth = 0
            while let c = cursor.peek() {
                cursor.advance()
                if c == quote {
                    guard skipStringBody() else { return false }
                } else if c == openBrace || c == openBracket {
                    depth += 1
                } else if c == closeBrace || c == closeBracket {
                    depth -= 1
                    if depth == 0 { return true }
                }
            }
            return false
        }

        /// Moves past a string's body and its closing quote (the opening one is behind).
        mutating func skipStringBody() -> Bool {
            while let c = cursor.peek() {
                cursor.advance()
                if c == quote { return true }
                if c == backslash {
                    guard cursor.peek() != nil else { return false }
                    cursor.advance()
                }
            }
            return false
        }
    }
}
