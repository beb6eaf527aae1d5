import CFileSupport
import Foundation
import MMPModel

/// One run's outputs, put in place all at once (see ``Files/commit(_:removing:creating:protecting:)``,
/// which checks the destinations first).
///
/// The files of the output directory are written into a fresh staging directory beside
/// it, which then *replaces* the directory in one atomic exchange: a reader — or a kill
/// at any moment — sees the old set of files or the new set, whole. Other entries of the
/// directory are carried over (hard links; subdirectories are moved). Where the file
/// system cannot exchange two directories, or the parent is not writable, the staged
/// files are renamed in one by one instead. Files outside the directory (the pictures)
/// go to temporary files beside them and are renamed into place after the exchange.
///
/// Temporary files and directories are removed if a signal ends the run, and those a
/// dead run left behind are removed by the next run that writes beside them.
struct OutputCommit {
    typealias File = (path: String, contents: Files.OutputContents)

    let replaced: [File]
    let through: [File]
    let stale: [String]
    /// The output directory (canonical), created if missing.
    let directory: String?

    private let fm = FileManager.default
    private let tag = "\(ProcessInfo.processInfo.processIdentifier)"

    init(replaced: [File], through: [File], stale: [String], directory: String?) {
        self.replaced = replaced
        self.through = through
        self.stale = stale
        self.directory = directory
    }

    /// `.NAME.KIND-PID` beside `path`.
    private func beside(_ path: String, _ kind: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().path + "/." + url.lastPathComponent + "." + kind + "-" + tag
    }

    private static func parent(_ path: String) -> String { URL(fileURLWithPath: path).deletingLastPathComponent().path }
    private static func name(_ path: String) -> String { URL(fileURLWithPath: path).lastPathComponent }

    func run() throws(MMPError) {
        mmp_cleanup_install()
        var slots: [Int32] = []
        defer { for s in slots { mmp_cleanup_forget(s) } }
        func remember(_ path: String) { slots.append(mmp_cleanup_remember(path)) }

        // Which files go into the directory, and which elsewhere.
        let inside = directory.map { d in replaced.filter { Self.parent($0.path) == d } } ?? []
        let outside = directory.map { d in replaced.filter { Self.parent($0.path) != d } } ?? replaced
        let staleInside = directory.map { d in stale.filter { Self.parent($0) == d } } ?? []
        let staleOutside = directory.map { d in stale.filter { Self.parent($0) != d } } ?? stale
        for path in Set(replaced.map { Self.parent($0.path) } + (directory.map { [Self.parent($0)] } ?? [])).sorted() {
            Self.removeLeftovers(in: path)
        }

        // 1. Stage everything: the directory's files in a staging directory beside it
        //    (when the directory can be swapped whole), the others beside their destinations.
        var staging: String? = nil
        var created: [String] = []
        if let directory {
            let candidate = beside(directory, "tmp")
            if Self.canSwapWhole(directory), mkdir(candidate, 0o777) == 0 {
                staging = candidate
                remember(candidate)
                var st = stat()
                if stat(directory, &st) == 0 { _ = chmod(candidate, st.st_mode & 0o7777) }
            } else {
                created = try Self.createDirectory(directory)
            }
        }
        let insidePaths = Set(inside.map(\.path))
        func stagedPath(_ f: File) -> String {
            if let staging, insidePaths.contains(f.path) { return staging + "/" + Self.name(f.path) }
            return beside(f.path, "tmp")
        }
        let all = inside + outside
        let jobs = all.map { (path: stagedPath($0), contents: $0.contents) }
        for j in jobs { remember(j.path) }
        // The staged files are independent: written on all cores, in the order given
        // (callers put the largest first, so the longest write starts first).
        let failures = Parallel.map(jobs.count) { k in Files.writeContents(jobs[k].contents, to: jobs[k].path) }
        var carried: [String] = []
        func abandon() {
            for c in carried { _ = unlink(c) }
            for j in jobs { _ = unlink(j.path) }
            if let staging { _ = rmdir(staging) }
            for d in created.reversed() { _ = rmdir(d) }
        }
        if let k = failures.firstIndex(where: { $0 != nil }), let reason = failures[k] {
            abandon()
            throw .io("cannot write '\(all[k].path)': \(reason)")
        }

        // 2. The directory's other entries are linked into the staging directory, which
        //    then takes the directory's place in one step.
        var undo: [() -> Void] = []
        func rollBack() {
            for u in undo.reversed() { u() }
            abandon()
        }
        var perFile = staging == nil ? inside : []
        if let directory, let staging {
            var swapped = false
            if carryOver(
                from: directory, to: staging, except: Set((inside.map(\.path) + staleInside).map(Self.name)),
                carried: &carried, remember: remember)
            {
                if FileManager.default.fileExists(atPath: directory) {
                    swapped = mmp_exchange_paths(staging, directory) == 0
                    if swapped { undo.append { _ = mmp_exchange_paths(staging, directory) } }
                } else {
                    swapped = rename(staging, directory) == 0
                    if swapped { undo.append { _ = rename(directory, staging) } }
                }
            }
            if !swapped {
                // No exchange here (an old kernel, another file system): the staged files
                // are renamed in one by one instead.
                for c in carried { _ = unlink(c) }
                carried = []
                if !FileManager.default.fileExists(atPath: directory) {
                    do { created = try Self.createDirectory(directory) } catch {
                        rollBack()
                        throw error
                    }
                }
                perFile = inside
            }
        }

        // 3. One by one: files outside the directory (and inside it, where it was not swapped whole).
        var movedAside: [String] = [], placed: [String] = []
        undo.append { [fm] in
            for path in placed { try? fm.removeItem(atPath: path) }
            for path in movedAside { _ = rename(beside(path, "old"), path) }
        }
        let staleOneByOne = staleOutside + (perFile.isEmpty ? [] : staleInside)
        for path in (perFile + outside).map(\.path) + staleOneByOne where fm.fileExists(atPath: path) {
            guard rename(path, beside(path, "old")) == 0 else {
                let reason = String(cString: strerror(errno))
                rollBack()
                throw .io("cannot replace '\(path)': \(reason)")
            }
            movedAside.append(path)
        }
        for f in perFile + outside {
            guard rename(stagedPath(f), f.path) == 0 else {
                let reason = String(cString: strerror(errno))
                rollBack()
                throw .io("cannot write '\(f.path)': \(reason)")
            }
            placed.append(f.path)
        }
        // Devices and pipes last: what they received cannot be taken back.
        for f in through {
            if let reason = Files.writeContents(f.contents, to: f.path, create: false) {
                rollBack()
                throw .io("cannot write '\(f.path)': \(reason)")
            }
        }

        // 4. Done: the old files go (after a swap, the staging path holds the old directory,
        //    whose other entries are links to files the new one still has).
        for path in movedAside { _ = unlink(beside(path, "old")) }
        if let staging, perFile.isEmpty { try? fm.removeItem(atPath: staging) } else if let staging { _ = rmdir(staging) }
    }

    /// Whether `directory` can be replaced by a staged copy: missing, or holding nothing
    /// but files (a subdirectory cannot be linked into the copy, and is never moved).
    private static func canSwapWhole(_ directory: String) -> Bool {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return true }
        for e in entries {
            var st = stat()
            if lstat(directory + "/" + e, &st) != 0 || (st.st_mode & S_IFMT) == S_IFDIR { return false }
        }
        return true
    }

    /// Links every entry of `directory` not in `except` into `staging`, listing each link
    /// made in `carried`; false when one cannot be linked.
    private func carryOver(
        from directory: String, to staging: String, except: Set<String>,
        carried: inout [String], remember: (String) -> Void
    ) -> Bool {
        guard let entries = try? fm.contentsOfDirectory(atPath: directory) else { return true }
        for e in entries.sorted() where !except.contains(e) {
            let to = staging + "/" + e
            guard link(directory + "/" + e, to) == 0 else { return false }
            carried.append(to)
            remember(to)
        }
        return true
    }

    /// Creates `directory` and its missing parents; returns those it created, outermost first.
    static func createDirectory(_ directory: String) throws(MMPError) -> [String] {
        var missing: [String] = []
        var url = URL(fileURLWithPath: directory).standardizedFileURL
        while !FileManager.default.fileExists(atPath: url.path), url.path != "/" {
            missing.insert(url.path, at: 0)
            url = url.deletingLastPathComponent()
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            var st = stat()
            let reason = stat(directory, &st) == 0 ? "it is not a directory" : "\(String(cString: strerror(errno)))"
            for d in missing.reversed() { _ = rmdir(d) }
            throw .io("cannot create output directory '\(directory)': \(reason)")
        }
        return missing
    }

    /// Removes the `.NAME.tmp-PID` and `.NAME.old-PID` entries in `directory` that runs
    /// which are no longer alive left behind (killed with SIGKILL, or on a power cut).
    static func removeLeftovers(in directory: String) {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for e in entries where e.hasPrefix(".") {
            guard let dash = e.lastIndex(of: "-"), let pid = Int32(e[e.index(after: dash)...]), pid > 0 else { continue }
            let kind = e[..<dash]
            guard kind.hasSuffix(".tmp") || kind.hasSuffix(".old") else { continue }
            // Alive (or not ours to judge): leave it.
            if kill(pid, 0) == 0 || errno != ESRCH { continue }
            try? FileManager.default.removeItem(atPath: directory + "/" + e)
        }
    }
}
