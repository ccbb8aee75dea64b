/*
 * What a statement's bytes are (src/store/filetype.c): the scripted panel's
 * real statements (a PDF, a Word document, an OpenDocument text, a text
 * file) are what they are, and every file that only pretends to be one is
 * refused with a reason: empty, a PDF cut short or with its cross-reference
 * offset pointing elsewhere, a Word document cut short or holding macros, a
 * spreadsheet, an OpenDocument presentation, an old .doc, RTF, binary
 * bytes, text that is not UTF-8 (Latin-1, overlong forms, surrogates) or
 * holds control characters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "store/filetype.h"
#include "support.h"

#define STATEMENTS GV_SOURCE_DIR "/tests/scenarios/statements/"

static int identify(const void *b, size_t len, gv_doc_type *t, gv_error *err)
{
    gv_error_clear(err);
    return gv_filetype_identify(b, len, t, err);
}

static void refused(const void *b, size_t len, const char *says)
{
    gv_error err;
    gv_doc_type t = GV_DOC_TYPE_COUNT;
    assert_int_equal(identify(b, len, &t, &err), GV_EINVAL);
    assert_int_equal(t, GV_DOC_TYPE_COUNT);
    if (!strstr(err.msg, says))
        fail_msg("\"%s\" does not say \"%s\"", err.msg, says);
}

static void the_panels_statements_are_what_they_are(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        gv_doc_type type;
    } cases[] = {
        {"chen-statement.pdf", GV_DOC_PDF},
        {"haddad-statement.docx", GV_DOC_DOCX},
        {"restrepo-statement.odt", GV_DOC_ODT},
        {"corvania-written-statement.txt", GV_DOC_TEXT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[512];
        size_t len;
        gv_error err;
        gv_doc_type t;
        snprintf(path, sizeof path, "%s%s", STATEMENTS, cases[i].file);
        unsigned char *b = gvt_slurp(path, &len);
        if (identify(b, len, &t, &err) != 0)
            fail_msg("%s: %s", cases[i].file, err.msg);
        assert_int_equal(t, cases[i].type);
        free(b);
    }
}

static void a_pdf_cut_short_or_pointing_elsewhere_is_refused(void **state)
{
    (void)state;
    size_t len;
    unsigned char *b = gvt_slurp(STATEMENTS "chen-statement.pdf", &len);
    refused(b, len / 2, "cut short");
    refused(b, len - 7, "cut short"); /* "%%EOF\n" and a byte of the offset gone */
    /* The offset after startxref moved: it points into an object. */
    char *sx = strstr((char *)b, "startxref\n");
    assert_non_null(sx);
    sx[10] = sx[10] == '1' ? '2' : '1';
    refused(b, len, "cross-reference");
    refused("%PDF-1.4\n", 9, "cut short");
    free(b);
}

/* A ZIP archive in memory holding the named entries, each with text `body`. */
static unsigned char *zip_of(const char *const *names, const char *first_body, size_t *len)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
    assert_non_null(src);
    zip_source_keep(src);
    zip_t *za = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
    assert_non_null(za);
    for (size_t i = 0; names[i]; i++) {
        const char *body = i == 0 && first_body ? first_body : "<x/>";
        zip_source_t *s = zip_source_buffer(za, body, strlen(body), 0);
        assert_true(zip_file_add(za, names[i], s, ZIP_FL_OVERWRITE) >= 0);
    }
    assert_int_equal(zip_close(za), 0);
    zip_stat_t st;
    assert_int_equal(zip_source_stat(src, &st), 0);
    assert_int_equal(zip_source_open(src), 0);
    unsigned char *b = malloc(st.size);
    assert_int_equal(zip_source_read(src, b, st.size), (zip_int64_t)st.size);
    zip_source_close(src);
    zip_source_free(src);
    zip_error_fini(&ze);
    *len = st.size;
    return b;
}

static void archives_that_are_not_statements_are_named(void **state)
{
    (void)state;
    size_t len;
    gv_error err;
    gv_doc_type t;
    static const char *const macros[] = {"[Content_Types].xml", "word/document.xml",
                                         "word/vbaProject.bin", NULL};
    static const char *const excel[] = {"[Content_Types].xml", "xl/workbook.xml", NULL};
    static const char *const slides[] = {"mimetype", "content.xml", NULL};
    static const char *const plain[] = {"notes.txt", NULL};
    static const char *const word[] = {"[Content_Types].xml", "word/document.xml", NULL};
    unsigned char *b = zip_of(macros, NULL, &len);
    refused(b, len, "macros");
    free(b);
    b = zip_of(excel, NULL, &len);
    refused(b, len, "Excel");
    free(b);
    b = zip_of(slides, "application/vnd.oasis.opendocument.presentation", &len);
    refused(b, len, "not a text");
    free(b);
    b = zip_of(plain, NULL, &len);
    refused(b, len, "not a document");
    free(b);
    b = zip_of(word, NULL, &len);
    assert_int_equal(identify(b, len, &t, &err), 0);
    assert_int_equal(t, GV_DOC_DOCX);
    free(b);

    /* The real Word document cut short: libzip finds no directory. */
    b = gvt_slurp(STATEMENTS "haddad-statement.docx", &len);
    refused(b, len - 100, "damaged or cut short");
    refused(b, 4, "damaged or cut short");
    free(b);
    b = gvt_slurp(STATEMENTS "restrepo-statement.odt", &len);
    refused(b, len / 3, "damaged or cut short");
    free(b);
}

/* A literal's bytes, without the terminating NUL. */
#define REFUSED(lit, says) refused(lit, sizeof lit - 1, says)

static void other_kinds_and_broken_text_are_refused(void **state)
{
    (void)state;
    gv_error err;
    gv_doc_type t;
    REFUSED("", "empty");
    REFUSED("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 rest of a .doc", ".doc");
    REFUSED("{\\rtf1\\ansi hello}", "Rich Text");
    REFUSED("GIF89a\x01\x00\x01\x00\x00\x00", "binary");
    REFUSED("caf\xe9 au lait", "UTF-8");  /* Latin-1 */
    REFUSED("over\xc0\xaflong", "UTF-8"); /* an overlong '/' */
    REFUSED("half \xed\xa0\x80 surrogate", "UTF-8");
    REFUSED("bell\x07", "control characters");
    REFUSED("cut \xe2\x82", "UTF-8"); /* a sequence cut at the end */

    static const char arabic[] = "\xef\xbb\xbf"
                                 "\xd8\xa8\xd9\x8a\xd8\xa7\xd9\x86\r\n\tStatement\f\n";
    assert_int_equal(identify(arabic, sizeof arabic - 1, &t, &err), 0);
    assert_int_equal(t, GV_DOC_TEXT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_panels_statements_are_what_they_are),
        cmocka_unit_test(a_pdf_cut_short_or_pointing_elsewhere_is_refused),
        cmocka_unit_test(archives_that_are_not_statements_are_named),
        cmocka_unit_test(other_kinds_and_broken_text_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
