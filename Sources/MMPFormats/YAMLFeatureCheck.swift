import CYaml
import MMPModel

/// Refuses the YAML features a request file never needs before the document is
/// composed: aliases (`*name`, and with them merge keys `<<: *name`) and explicit tags
/// (`!!binary`, `!custom`).
///
/// The check runs on libyaml's event stream, which costs one pass over the text and no
/// tree. It has to come first: composing expands every alias, so a 479-byte "billion
/// laughs" of nested aliases would take gigabytes before mmp saw a single node.
enum YAMLFeatureCheck {
    /// Throws at the first alias or explicit tag; returns quietly when the text is
    /// malformed, leaving the message to the composer, which says it better.
    static func check(_ text: String) throws(MMPError) {
        var utf8 = Array(text.utf8)
        if utf8.isEmpty { return }
        let problem: String? = utf8.withUnsafeMutableBufferPointer { buffer -> String? in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else { return nil }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var event = yaml_event_t()
            while yaml_parser_parse(&parser, &event) == 1 {
                defer { yaml_event_delete(&event) }
                let place = "line \(event.start_mark.line + 1), column \(event.start_mark.column + 1)"
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return nil
                case YAML_ALIAS_EVENT:
                    return "\(place): YAML aliases (and merge keys) are not supported in request files; write the value out"
                case YAML_SCALAR_EVENT where event.data.scalar.tag != nil,
                    YAML_SEQUENCE_START_EVENT where event.data.sequence_start.tag != nil,
                    YAML_MAPPING_START_EVENT where event.data.mapping_start.tag != nil:
                    return "\(place): YAML tags are not supported in request files"
                default:
                    continue
                }
            }
            return nil
        }
        if let problem { throw .invalidRequest(problem) }
    }
}
