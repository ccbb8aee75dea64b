/*
 * A power cut for SQLite: a VFS on top of the default one that remembers,
 * for every file, what each write since the file's last xSync overwrote,
 * and on a power cut puts it all back, so that the files hold exactly what
 * had been synced, as after a machine loses power with its page cache.
 * SQLite's own crash tests work this way (its test6.c).
 *
 * Model of the disk:
 * - a write, a truncation or a growth is durable only once xSync of that
 *   file returned; until then the page cache holds it, and a cut drops it,
 *   whole (no torn sectors: SQLite's unix VFS declares powersafe
 *   overwrite, so it relies on no more than that);
 * - creating and deleting files is durable at once (the unix VFS syncs the
 *   folder where it matters);
 * - the -shm file is memory SQLite rebuilds from the -wal when the first
 *   connection opens the database after a cut.
 *
 * Each write keeps an undo record: where, the bytes it covered that
 * existed before, and the file's size before. A cut applies the records of
 * every file, open or closed since, newest first, and calls _exit: nothing
 * of the process runs on after it. xSync forgets the file's records (an
 * fsync makes all of the file durable, whichever handle wrote it).
 *
 * pv_register() makes this VFS the default, so code that opens databases
 * without naming a VFS (the store) uses it unchanged. pv_arm(n) cuts the
 * power just before the n-th write, truncation or sync from then on.
 * Every method holds one mutex, so a cut sees no write half done.
 */
#ifndef GV_TESTS_POWER_VFS_H
#define GV_TESTS_POWER_VFS_H

#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/array.h"

/* The exit status of a process whose power was cut. */
#define PV_EXIT_POWER_CUT 42

typedef struct pv_undo {
    sqlite3_int64 off;         /** where the write (or truncation) began */
    sqlite3_int64 size_before; /** the file's size before it */
    unsigned char *old;        /** the bytes it covered that existed before */
    size_t n_old;
} pv_undo;

/* The undo records of one file since its last sync, kept by name: every
 * handle on the file adds to the same list, in the order the changes were
 * made, and the list outlives the handles. */
typedef struct pv_log {
    struct pv_log *next;
    char *path; /** NULL for a file without a name (nothing to restore after close) */
    pv_undo *undo;
    size_t n_undo, cap_undo;
} pv_log;

typedef struct pv_file {
    sqlite3_file base; /** methods: pv_io */
    pv_log *log;
    sqlite3_file *real; /** the default VFS's file, allocated after this struct */
} pv_file;

static struct {
    pthread_mutex_t mu;
    sqlite3_vfs vfs;
    sqlite3_vfs *real;
    pv_log *logs; /** every file opened, open or closed */
    long armed;   /** writes, truncations and syncs left before the cut; -1 never */
    long ops;     /** counted since pv_arm */
} pv = {.mu = PTHREAD_MUTEX_INITIALIZER, .armed = -1};

static void pv_log_forget(pv_log *l)
{
    for (size_t i = 0; i < l->n_undo; i++)
        free(l->undo[i].old);
    l->n_undo = 0;
}

/* Puts back what a file held at its last sync, through plain system calls
 * (the file may be closed). */
static void pv_restore(const pv_log *l)
{
    if (!l->path || l->n_undo == 0)
        return;
    int fd = open(l->path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return; /* deleted since: its name went, and with it the data */
    for (size_t i = l->n_undo; i-- > 0;) {
        const pv_undo *u = &l->undo[i];
        if (u->n_old > 0 && pwrite(fd, u->old, u->n_old, (off_t)u->off) != (ssize_t)u->n_old)
            _exit(97);
        if (ftruncate(fd, (off_t)u->size_before) != 0)
            _exit(98);
    }
    close(fd);
}

/* The cut: every file as at its last sync, and the process ends at once. */
static void pv_cut(void)
{
    for (pv_log *l = pv.logs; l; l = l->next)
        pv_restore(l);
    _exit(PV_EXIT_POWER_CUT);
}

/* Counts one change; cuts the power when the armed count is reached.
 * Called with pv.mu held. */
static void pv_tick(void)
{
    pv.ops++;
    if (pv.armed == 0)
        pv_cut();
    if (pv.armed > 0)
        pv.armed--;
}

/* Records what [off, off + len) of the file holds now, before a change. */
static int pv_remember(pv_file *f, sqlite3_int64 off, sqlite3_int64 len)
{
    sqlite3_int64 size = 0;
    int rc = f->real->pMethods->xFileSize(f->real, &size);
    if (rc != SQLITE_OK)
        return rc;
    pv_log *l = f->log;
    if (GV_ARRAY_RESERVE(l->undo, l->cap_undo, l->n_undo + 1) < 0)
        return SQLITE_NOMEM;
    pv_undo u = {.off = off, .size_before = size};
    if (off < size) {
        u.n_old = (size_t)((off + len < size ? off + len : size) - off);
        if (!(u.old = malloc(u.n_old)))
            return SQLITE_NOMEM;
        rc = f->real->pMethods->xRead(f->real, u.old, (int)u.n_old, off);
        if (rc != SQLITE_OK) {
            free(u.old);
            return rc;
        }
    }
    l->undo[l->n_undo++] = u;
    return SQLITE_OK;
}

static int pv_close(sqlite3_file *file)
{
    pv_file *f = (pv_file *)file;
    pthread_mutex_lock(&pv.mu);
    int rc = f->real->pMethods->xClose(f->real);
    pthread_mutex_unlock(&pv.mu);
    return rc;
}

static int pv_read(sqlite3_file *file, void *buf, int n, sqlite3_int64 off)
{
    pv_file *f = (pv_file *)file;
    pthread_mutex_lock(&pv.mu);
    int rc = f->real->pMethods->xRead(f->real, buf, n, off);
    pthread_mutex_unlock(&pv.mu);
    return rc;
}

static int pv_write(sqlite3_file *file, const void *buf, int n, sqlite3_int64 off)
{
    pv_file *f = (pv_file *)file;
    pthread_mutex_lock(&pv.mu);
    pv_tick();
    int rc = pv_remember(f, off, n);
    if (rc == SQLITE_OK)
        rc = f->real->pMethods->xWrite(f->real, buf, n, off);
    pthread_mutex_unlock(&pv.mu);
    return rc;
}

static int pv_truncate(sqlite3_file *file, sqlite3_int64 size)
{
    pv_file *f = (pv_file *)file;
    pthread_mutex_lock(&pv.mu);
    pv_tick();
    int rc = pv_remember(f, size, INT64_MAX / 2);
    if (rc == SQLITE_OK)
        rc = f->real->pMethods->xTruncate(f->real, size);
    pthread_mutex_unlock(&pv.mu);
    return rc;
}

static int pv_sync(sqlite3_file *file, int flags)
{
    pv_file *f = (pv_file *)file;
    pthread_mutex_lock(&pv.mu);
    pv_tick();
    int rc = f->real->pMethods->xSync(f->real, flags);
    if (rc == SQLITE_OK)
        pv_log_forget(f->log); /* on disk now */
    pthread_mutex_unlock(&pv.mu);
    return rc;
}

/* The rest pass through (locks, sizes, shared memory), under the mutex. */
#define PV_PASS(call)                                                                              \
    pv_file *f = (pv_file *)file;                                                                  \
    pthread_mutex_lock(&pv.mu);                                                                    \
    int rc = f->real->pMethods->call;                                                              \
    pthread_mutex_unlock(&pv.mu);                                                                  \
    return rc

static int pv_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
    PV_PASS(xFileSize(f->real, size));
}
static int pv_lock(sqlite3_file *file, int level)
{
    PV_PASS(xLock(f->real, level));
}
static int pv_unlock(sqlite3_file *file, int level)
{
    PV_PASS(xUnlock(f->real, level));
}
static int pv_check_reserved(sqlite3_file *file, int *out)
{
    PV_PASS(xCheckReservedLock(f->real, out));
}
static int pv_file_control(sqlite3_file *file, int op, void *arg)
{
    PV_PASS(xFileControl(f->real, op, arg));
}
static int pv_sector_size(sqlite3_file *file)
{
    PV_PASS(xSectorSize(f->real));
}
static int pv_device(sqlite3_file *file)
{
    PV_PASS(xDeviceCharacteristics(f->real));
}
static int pv_shm_map(sqlite3_file *file, int page, int size, int extend, void volatile **p)
{
    PV_PASS(xShmMap(f->real, page, size, extend, p));
}
static int pv_shm_lock(sqlite3_file *file, int offset, int n, int flags)
{
    PV_PASS(xShmLock(f->real, offset, n, flags));
}
static int pv_shm_unmap(sqlite3_file *file, int delete_flag)
{
    PV_PASS(xShmUnmap(f->real, delete_flag));
}
static void pv_shm_barrier(sqlite3_file *file)
{
    pv_file *f = (pv_file *)file;
    f->real->pMethods->xShmBarrier(f->real);
}

/* Version 2: no memory-mapped reads (xFetch), so every read goes through
 * xRead and sees what the undo records restore. */
static const sqlite3_io_methods pv_io = {
    .iVersion = 2,
    .xClose = pv_close,
    .xRead = pv_read,
    .xWrite = pv_write,
    .xTruncate = pv_truncate,
    .xSync = pv_sync,
    .xFileSize = pv_file_size,
    .xLock = pv_lock,
    .xUnlock = pv_unlock,
    .xCheckReservedLock = pv_check_reserved,
    .xFileControl = pv_file_control,
    .xSectorSize = pv_sector_size,
    .xDeviceCharacteristics = pv_device,
    .xShmMap = pv_shm_map,
    .xShmLock = pv_shm_lock,
    .xShmBarrier = pv_shm_barrier,
    .xShmUnmap = pv_shm_unmap,
};

static int pv_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *out)
{
    (void)vfs;
    pv_file *f = (pv_file *)file;
    memset(f, 0, sizeof *f);
    f->real = (sqlite3_file *)(f + 1);
    pthread_mutex_lock(&pv.mu);
    int rc = SQLITE_NOMEM;
    pv_log *l = pv.logs;
    while (l && !(name && l->path && strcmp(l->path, name) == 0))
        l = l->next;
    bool fresh = !l;
    if (fresh && (l = calloc(1, sizeof *l)) && name && !(l->path = strdup(name))) {
        free(l);
        l = NULL;
    }
    if (l)
        rc = pv.real->xOpen(pv.real, name, f->real, flags, out);
    if (rc == SQLITE_OK) {
        if (fresh) {
            l->next = pv.logs;
            pv.logs = l;
        }
        f->log = l;
        f->base.pMethods = &pv_io;
    } else if (fresh && l) {
        free(l->path);
        free(l);
    }
    pthread_mutex_unlock(&pv.mu);
    return rc;
}

static int pv_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
    (void)vfs;
    pthread_mutex_lock(&pv.mu);
    int rc = pv.real->xDelete(pv.real, name, sync_dir);
    for (pv_log *l = pv.logs; rc == SQLITE_OK && l; l = l->next)
        if (l->path && strcmp(l->path, name) == 0)
            pv_log_forget(l); /* gone, with whatever it held */
    pthread_mutex_unlock(&pv.mu);
    return rc;
}

static int pv_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    (void)vfs;
    return pv.real->xAccess(pv.real, name, flags, out);
}

static int pv_full_path(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
    (void)vfs;
    return pv.real->xFullPathname(pv.real, name, n, out);
}

static int pv_randomness(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return pv.real->xRandomness(pv.real, n, out);
}

static int pv_sleep(sqlite3_vfs *vfs, int us)
{
    (void)vfs;
    return pv.real->xSleep(pv.real, us);
}

static int pv_time(sqlite3_vfs *vfs, double *out)
{
    (void)vfs;
    return pv.real->xCurrentTime(pv.real, out);
}

static int pv_last_error(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return pv.real->xGetLastError(pv.real, n, out);
}

static int pv_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
    (void)vfs;
    return pv.real->xCurrentTimeInt64(pv.real, out);
}

/* Makes the power-cut VFS SQLite's default; returns an SQLite result code. */
static inline int pv_register(void)
{
    int rc = sqlite3_initialize();
    if (rc != SQLITE_OK)
        return rc;
    pv.real = sqlite3_vfs_find(NULL);
    if (!pv.real)
        return SQLITE_ERROR;
    pv.vfs = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = (int)sizeof(pv_file) + pv.real->szOsFile,
        .mxPathname = pv.real->mxPathname,
        .zName = "gavel-power-cut",
        .xOpen = pv_open,
        .xDelete = pv_delete,
        .xAccess = pv_access,
        .xFullPathname = pv_full_path,
        .xRandomness = pv_randomness,
        .xSleep = pv_sleep,
        .xCurrentTime = pv_time,
        .xGetLastError = pv_last_error,
        .xCurrentTimeInt64 = pv_time64,
    };
    return sqlite3_vfs_register(&pv.vfs, 1);
}

/* Cuts the power just before the n-th write, truncation or sync from now. */
static inline void pv_arm(long n)
{
    pthread_mutex_lock(&pv.mu);
    pv.armed = n;
    pv.ops = 0;
    pthread_mutex_unlock(&pv.mu);
}

#endif
