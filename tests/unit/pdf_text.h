/*
 * What a PDF says, as pdftotext (poppler-utils) reads it back, for the tests
 * of files Gavel draws. pdftotext marks each right-to-left run with bidi
 * controls (U+202A to U+202E); they are dropped, so that an Arabic phrase is
 * found as it was written. Include after <cmocka.h>.
 */
#ifndef GV_TEST_PDF_TEXT_H
#define GV_TEST_PDF_TEXT_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* The text of the PDF pdf[0..len) (malloc'd); fails the test when pdftotext does. */
static inline char *gvt_pdf_text(const char *pdf, size_t len)
{
    char in[] = "/tmp/gv-pdf-text-XXXXXX";
    int fd = mkstemp(in);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, pdf, len), (ssize_t)len);
    close(fd);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 %s -", in);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 16, n = 0, got;
    char *text = malloc(cap);
    assert_non_null(text);
    while ((got = fread(text + n, 1, cap - n - 1, p)) > 0) {
        n += got;
        if (n + 1 == cap) {
            text = realloc(text, cap *= 2);
            assert_non_null(text);
        }
    }
    text[n] = '\0';
    assert_int_equal(pclose(p), 0);
    unlink(in);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        const unsigned char *c = (const unsigned char *)text + i;
        if (i + 2 < n && c[0] == 0xE2 && c[1] == 0x80 && c[2] >= 0xAA && c[2] <= 0xAE) {
            i += 2;
            continue;
        }
        text[o++] = text[i];
    }
    text[o] = '\0';
    return text;
}

#endif
