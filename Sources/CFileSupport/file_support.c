#define _GNU_SOURCE
#include "CFileSupport.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int mmp_exchange_paths(const char *a, const char *b) {
#if defined(__linux__) && defined(RENAME_EXCHANGE)
    return renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
#elif defined(__APPLE__)
    return renamex_np(a, b, RENAME_SWAP);
#else
    (void)a;
    (void)b;
    errno = ENOSYS;
    return -1;
#endif
}

enum { SLOTS = 256, PATH_BYTES = 4096 };
// Written only by the remembering thread before a slot is marked used, read by the
// handler: a slot is used once its flag is set, after its path is complete.
static char paths[SLOTS][PATH_BYTES];
static volatile sig_atomic_t used[SLOTS];

int mmp_cleanup_remember(const char *path) {
    size_t n = strlen(path);
    if (n >= PATH_BYTES) return -1;
    for (int k = 0; k < SLOTS; k++) {
        if (!used[k]) {
            memcpy(paths[k], path, n + 1);
            used[k] = 1;
            return k;
        }
    }
    return -1;
}

void mmp_cleanup_forget(int slot) {
    if (slot >= 0 && slot < SLOTS) used[slot] = 0;
}

static void on_signal(int sig) {
    for (int k = SLOTS - 1; k >= 0; k--) {
        if (used[k]) {
            if (unlink(paths[k]) != 0) rmdir(paths[k]);
        }
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

void mmp_cleanup_install(void) {
    static int installed = 0;
    if (installed) return;
    installed = 1;
    int signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    for (unsigned k = 0; k < sizeof signals / sizeof signals[0]; k++) {
        // A signal the caller ignores (nohup ignores SIGHUP) stays ignored.
        struct sigaction current;
        if (sigaction(signals[k], NULL, &current) == 0 && current.sa_handler == SIG_IGN) continue;
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = on_signal;
        sigemptyset(&action.sa_mask);
        sigaction(signals[k], &action, NULL);
    }
}

void mmp_start_writeback(int fd, long long offset, long long count) {
#if defined(__linux__) && defined(SYNC_FILE_RANGE_WRITE)
    (void)sync_file_range(fd, (off_t)offset, (off_t)count, SYNC_FILE_RANGE_WRITE);
#else
    (void)fd;
    (void)offset;
    (void)count;
#endif
}

long long mmp_find_bytes(const void *haystack, long long length, const void *needle, long long needle_length) {
    if (length <= 0 || needle_length <= 0) return -1;
    const char *hit = memmem(haystack, (size_t)length, needle, (size_t)needle_length);
    return hit ? (long long)(hit - (const char *)haystack) : -1;
}
