/*
 * What kind of file a statement's bytes are, read from the bytes themselves
 * (filetype.c): never from the name the file came with, nor the type its
 * sender declared, which the caller compares with the answer.
 */
#ifndef GV_STORE_FILETYPE_H
#define GV_STORE_FILETYPE_H

#include <stddef.h>

#include "core/error.h"
#include "core/statements.h"

/*
 * Identifies `len` bytes as one of the kinds of statement (core/statements.h):
 * a whole PDF (its header, and an end-of-file marker with the cross-reference
 * offset it gives inside the file), a Word document (.docx: a ZIP archive
 * with word/document.xml, without macros), an OpenDocument text (a ZIP
 * archive whose first entry "mimetype" says so) or plain text (UTF-8 without
 * control characters other than tab, line and page breaks). Reads no more
 * than it must: of an archive, the directory and at most 64 bytes of one
 * entry, so that no archive can make it inflate much. Returns 0 with *out
 * set, or GV_EINVAL with err saying what the file is and what to send
 * instead (an empty file, a PDF cut short, an old .doc, a spreadsheet, ...).
 */
int gv_filetype_identify(const unsigned char *bytes, size_t len, gv_doc_type *out, gv_error *err);

#endif
