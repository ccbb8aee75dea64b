/*
 * Fuzz target: what a written statement is (src/store/filetype.c), and the
 * names a statement may have (core/statements.h) - the bytes and the file
 * name of every upload come from outside.
 *
 * Byte 0 picks what the rest is:
 *   even  a file's bytes, given to gv_filetype_identify;
 *   odd   a file name (when it is UTF-8, as JSON would carry it), given to
 *         gv_statement_name_check for every kind.
 *
 * Checked:
 *   - identification is deterministic and either names a kind or refuses
 *     with GV_EINVAL and a message, never anything else;
 *   - a PDF accepted has its header in the first KiB and "%%EOF" in the
 *     last; an archive accepted starts as a ZIP does; text accepted holds
 *     no NUL;
 *   - a name accepted holds no '/', '\', control character or bidi
 *     control, does not start with '.', and ends in one of the kind's
 *     extensions.
 */
#include <jansson.h>
#include <strings.h>

#include "fuzz_meeting.h"
#include "core/statements.h"
#include "store/filetype.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static bool has(const uint8_t *b, size_t from, size_t to, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = from; i + n <= to; i++)
        if (memcmp(b + i, needle, n) == 0)
            return true;
    return false;
}

static void identify(const uint8_t *b, size_t len)
{
    gv_error err = {0}, again = {0};
    gv_doc_type t = GV_DOC_TYPE_COUNT, u = GV_DOC_TYPE_COUNT;
    int rc = gv_filetype_identify(b, len, &t, &err);
    FZ_CHECK(rc == 0 || (rc == GV_EINVAL && err.msg[0]), "identify gave %d: %s", rc, err.msg);
    FZ_CHECK(gv_filetype_identify(b, len, &u, &again) == rc && t == u, "not deterministic");
    if (rc < 0) {
        FZ_CHECK(t == GV_DOC_TYPE_COUNT, "a refusal set the kind");
        return;
    }
    switch (t) {
    case GV_DOC_PDF:
        FZ_CHECK(has(b, 0, len < 1024 ? len : 1024, "%PDF-"), "a PDF without its header");
        FZ_CHECK(has(b, len > 1024 ? len - 1024 : 0, len, "%%EOF"), "a PDF without its end");
        break;
    case GV_DOC_DOCX:
    case GV_DOC_ODT:
        FZ_CHECK(len >= 4 && b[0] == 'P' && b[1] == 'K', "a document that is no ZIP");
        break;
    case GV_DOC_TEXT:
        FZ_CHECK(!memchr(b, 0, len), "text with a NUL");
        break;
    default:
        FZ_CHECK(false, "kind %d out of range", (int)t);
    }
}

static void name(const uint8_t *b, size_t len)
{
    json_t *s = json_stringn((const char *)b, len); /* NULL unless UTF-8 without NUL */
    const char *n = json_string_value(s);
    for (int t = 0; n && t < GV_DOC_TYPE_COUNT; t++) {
        gv_error err = {0};
        int rc = gv_statement_name_check(n, (gv_doc_type)t, &err);
        FZ_CHECK(rc == 0 || (rc == GV_EINVAL && err.msg[0]), "name check gave %d", rc);
        if (rc < 0)
            continue;
        FZ_CHECK(n[0] != '.' && !strpbrk(n, "/\\"), "a path accepted: %s", n);
        for (const unsigned char *p = (const unsigned char *)n; *p; p++)
            FZ_CHECK(*p >= 0x20 && *p != 0x7f, "a control character accepted");
        FZ_CHECK(!strstr(n, "\xe2\x80\xae") && !strstr(n, "\xe2\x81\xa6"),
                 "a bidi control accepted");
        const char *dot = strrchr(n, '.');
        bool ext = false;
        for (size_t e = 0; dot && gv_doc_types[t].extensions[e]; e++)
            ext = ext || strcasecmp(dot + 1, gv_doc_types[t].extensions[e]) == 0;
        FZ_CHECK(ext, "%s accepted as %s", n, gv_doc_types[t].label);
    }
    json_decref(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if (data[0] & 1)
        name(data + 1, size - 1);
    else
        identify(data + 1, size - 1);
    return 0;
}
