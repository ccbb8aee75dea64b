/*
 * Time zone lookup in the zoneinfo database. A name is joined to the
 * directory only after it is known to stay inside it: every part starts with
 * a letter (so no "..", no hidden files) and the name is relative. The file
 * must be a regular file starting with the TZif magic, which keeps out the
 * database's other files (zone.tab, tzdata.zi, leap-seconds.list).
 */
#include "cli/zone.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Longer names are not zone names (the longest IANA name has 32 characters). */
#define ZONE_NAME_MAX 64

static bool name_ok(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > ZONE_NAME_MAX)
        return false;
    for (const char *p = name;; p++) {
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')))
            return false;
        while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
               *p == '_' || *p == '-' || *p == '+')
            p++;
        if (*p == '\0')
            return true;
        if (*p != '/')
            return false;
    }
}

bool gv_zone_exists(const char *name, void *ud)
{
    const char *dir = ud ? (const char *)ud : getenv("TZDIR");
    char path[4096];
    if (!dir || !*dir)
        dir = GV_ZONEINFO_DIR;
    if (!name || !name_ok(name))
        return false;
    int n = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof path)
        return false;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return false;
    struct stat st;
    char magic[4];
    bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
              read(fd, magic, sizeof magic) == (ssize_t)sizeof magic &&
              memcmp(magic, "TZif", 4) == 0;
    close(fd);
    return ok;
}
