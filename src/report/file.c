/*
 * Atomic file output: write to "<path>.tmp-<pid>-<n>" beside the target
 * (created exclusively, with the final mode, so the kernel applies the umask
 * and nobody else can open it first), fsync, then rename (or link, for an
 * exclusive create, which fails if the target exists) and remove the
 * temporary name. A crash or a full disk leaves the old file, or none, never
 * a torn one.
 *
 * A full disk is GV_EFULL and a read-only file system GV_EREADONLY, as for
 * the database, so that the command line's exit code tells them apart.
 */
#include "report/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The error for a failed system call on `path` (errno still set). */
static int os_error(const char *doing, const char *path, gv_error *err)
{
    int code = errno == ENOSPC || errno == EDQUOT ? GV_EFULL
               : errno == EROFS                   ? GV_EREADONLY
                                                  : GV_EIO;
    return gv_error_set(err, code, "%s %s: %s", doing, path, strerror(errno));
}

int gv_file_write(const char *path, const void *bytes, size_t len, mode_t mode, bool exclusive,
                  gv_error *err)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 48);
    int fd = -1, rc = 0;
    if (!tmp)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    /* A name of this process; a leftover of a crashed one with the same pid
     * is skipped over. */
    for (unsigned n = 0; fd < 0 && n < 100; n++) {
        snprintf(tmp, plen + 48, "%s.tmp-%ld-%u", path, (long)getpid(), n);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        rc = os_error("cannot create a file beside", path, err);
        free(tmp);
        return rc;
    }
    const char *p = bytes;
    size_t left = len;
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = os_error("cannot write", path, err);
            goto fail;
        }
        p += n;
        left -= (size_t)n;
    }
    if (fsync(fd) < 0) {
        rc = os_error("cannot write", path, err);
        goto fail;
    }
    if (close(fd) < 0) {
        fd = -1;
        rc = os_error("cannot write", path, err);
        goto fail;
    }
    fd = -1;
    if (exclusive) {
        if (link(tmp, path) < 0) {
            rc = errno == EEXIST
                     ? gv_error_set(err, GV_ESTATE, "%s exists already; it was left as it is", path)
                     : os_error("cannot create", path, err);
            goto fail;
        }
        unlink(tmp);
    } else if (rename(tmp, path) < 0) {
        rc = os_error("cannot create", path, err);
        goto fail;
    }
    free(tmp);
    return 0;
fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    free(tmp);
    return rc;
}
