# gv_embed_dir(OUT_VAR SYMBOL DIR PREFIX INCLUDE TYPE): generates one C file
# holding every file under DIR (web pages, scripts, styles, translations) as
#   const TYPE SYMBOL[] = {{"PREFIX/rel/path", "content/type", bytes, len,
#                           gzip_bytes, gzip_len, "etag"}, ...};
#   const size_t SYMBOL_count;
# where TYPE is a struct {const char *path, *content_type;
# const unsigned char *data; size_t len; const unsigned char *gz;
# size_t gz_len; const char *etag;} declared in the header INCLUDE.
# gz is the file compressed with `gzip -9n` when that is smaller (NULL and 0
# otherwise, or when gzip is not installed); etag is 20 hex digits of the
# file's SHA-256. Files are listed in sorted order, so a lookup may bisect.
# Only known kinds of file are taken (see embed_dir_run.cmake); dotfiles and
# editor backups are left out. The list is re-globbed at build time
# (CONFIGURE_DEPENDS), so a new file under DIR joins the binary with the next
# `make build`.
find_program(GV_GZIP gzip)
function(gv_embed_dir out_var symbol dir prefix include type)
  file(GLOB_RECURSE files CONFIGURE_DEPENDS
    ${dir}/*.html ${dir}/*.js ${dir}/*.css ${dir}/*.json ${dir}/*.svg ${dir}/*.txt
    ${dir}/*.ico ${dir}/*.png ${dir}/*.woff2)
  set(out ${CMAKE_BINARY_DIR}/embed/${symbol}.c)
  set(gzip "")
  if(GV_GZIP)
    set(gzip ${GV_GZIP})
  else()
    message(WARNING "gzip not found: the pages are served uncompressed")
  endif()
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DDIR=${dir} -DOUT=${out} -DSYM=${symbol} -DPREFIX=${prefix}
            -DINCLUDE=${include} -DTYPE=${type} -DGZIP=${gzip}
            -P ${CMAKE_SOURCE_DIR}/cmake/embed_dir_run.cmake
    DEPENDS ${files} ${CMAKE_SOURCE_DIR}/cmake/embed_dir_run.cmake
    COMMENT "Embedding ${dir} into the binary"
    VERBATIM)
  set(${out_var} ${out} PARENT_SCOPE)
endfunction()
