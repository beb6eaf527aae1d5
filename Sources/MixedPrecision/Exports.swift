// The library's public API is the façade's and its stages' together: a user (the command
// line, a tool built on mmp) imports MixedPrecision and sees the graph, the formats and the
// plan without naming the stage each lives in.
@_exported import MMPFormats
@_exported import MMPModel
@_exported import MMPSolving
