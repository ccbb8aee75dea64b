/*
 * Atomic file output: write to "<path>.tmp-XXXXXX" beside the target, fsync,
 * then rename (or link, for an exclusive create, which fails if the target
 * exists) and remove the temporary name. A crash or a full disk leaves the
 * old file, or none, never a torn one.
 */
#include "report/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int gv_file_write(const char *path, const void *bytes, size_t len, mode_t mode, bool exclusive,
                  gv_error *err)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    int fd = -1, rc = 0;
    if (!tmp)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    snprintf(tmp, plen + 16, "%s.tmp-XXXXXX", path);
    if ((fd = mkstemp(tmp)) < 0) {
        rc = gv_error_set(err, GV_EIO, "cannot create a file beside %s: %s", path, strerror(errno));
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
            rc = gv_error_set(err, GV_EIO, "cannot write %s: %s", path, strerror(errno));
            goto fail;
        }
        p += n;
        left -= (size_t)n;
    }
    /* mkstemp makes 0600; give the file the mode asked for, less the umask. */
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, mode & ~mask) < 0 || fsync(fd) < 0) {
        rc = gv_error_set(err, GV_EIO, "cannot write %s: %s", path, strerror(errno));
        goto fail;
    }
    if (close(fd) < 0) {
        fd = -1;
        rc = gv_error_set(err, GV_EIO, "cannot write %s: %s", path, strerror(errno));
        goto fail;
    }
    fd = -1;
    if (exclusive) {
        if (link(tmp, path) < 0) {
            rc = errno == EEXIST
                     ? gv_error_set(err, GV_ESTATE, "%s exists already; it was left as it is", path)
                     : gv_error_set(err, GV_EIO, "cannot create %s: %s", path, strerror(errno));
            goto fail;
        }
        unlink(tmp);
    } else if (rename(tmp, path) < 0) {
        rc = gv_error_set(err, GV_EIO, "cannot create %s: %s", path, strerror(errno));
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
