// Services Swift's Glibc module does not expose, kept in C so the unsafe parts stay
// small and apart (see Formats/OutputCommit.swift and Formats/SimGraphReader.swift):
//
// - exchanging two paths atomically (Linux renameat2 RENAME_EXCHANGE, macOS
//   renamex_np RENAME_SWAP), so a reader of an output directory sees the old set of
//   files or the new one, never a mix;
// - removing this run's temporary files when a signal ends it, from a handler that
//   only calls async-signal-safe functions;
// - starting a large output's writeback early (sync_file_range);
// - finding bytes in a large input quickly (memmem).
#ifndef CFILESUPPORT_H
#define CFILESUPPORT_H

/// Atomically exchanges the entries at `a` and `b` (both must exist). Returns 0, or -1
/// with errno set (ENOSYS or EINVAL where the system or file system cannot).
int mmp_exchange_paths(const char *a, const char *b);

/// Remembers `path` (copied) to be removed — unlink, or rmdir for a directory — if a
/// signal (SIGINT, SIGTERM, SIGHUP, SIGQUIT) ends the process. Returns a slot number for
/// `mmp_cleanup_forget`, or -1 when the table is full.
int mmp_cleanup_remember(const char *path);

/// Stops removing the path in `slot` (it became a real output, or was removed).
void mmp_cleanup_forget(int slot);

/// Starts writing `count` bytes of `fd` from `offset` to disk without waiting (Linux
/// sync_file_range with SYNC_FILE_RANGE_WRITE; nothing elsewhere): a large output's
/// writeback then overlaps the rest of its writing, and the final fdatasync has less
/// left to wait for. Only a hint: failures are ignored.
void mmp_start_writeback(int fd, long long offset, long long count);

/// The offset of the first `needle` in `haystack` (its first `length` bytes), or -1:
/// memmem, a GNU extension Swift's Glibc module does not expose. The sim reader finds a
/// key in a large file with it in milliseconds.
long long mmp_find_bytes(const void *haystack, long long length, const void *needle, long long needle_length);

/// Installs the signal handlers (once; signals the process ignores stay ignored); each
/// removes the remembered paths, newest first, then ends the process with the signal's
/// default action.
void mmp_cleanup_install(void);

#endif
