# gv_embed_dir(OUT_VAR SYMBOL DIR PREFIX INCLUDE TYPE): generates one C file
# holding every file under DIR (web pages, scripts, styles, translations) as
#   const TYPE SYMBOL[] = {{"PREFIX/rel/path", "content/type", bytes, len}, ...};
#   const size_t SYMBOL_count;
# where TYPE is a struct {const char *path, *content_type;
# const unsigned char *data; size_t len;} declared in the header INCLUDE.
# Files are listed in sorted order, so a lookup may bisect. Only known kinds
# of file are taken (see embed_dir_run.cmake); dotfiles and editor backups are
# left out. The list is re-globbed at build time (CONFIGURE_DEPENDS), so a new
# file under DIR joins the binary with the next `make build`.
function(gv_embed_dir out_var symbol dir prefix include type)
  file(GLOB_RECURSE files CONFIGURE_DEPENDS
    ${dir}/*.html ${dir}/*.js ${dir}/*.css ${dir}/*.json ${dir}/*.svg ${dir}/*.txt
    ${dir}/*.ico ${dir}/*.png ${dir}/*.woff2)
  set(out ${CMAKE_BINARY_DIR}/embed/${symbol}.c)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DDIR=${dir} -DOUT=${out} -DSYM=${symbol} -DPREFIX=${prefix}
            -DINCLUDE=${include} -DTYPE=${type}
            -P ${CMAKE_SOURCE_DIR}/cmake/embed_dir_run.cmake
    DEPENDS ${files} ${CMAKE_SOURCE_DIR}/cmake/embed_dir_run.cmake
    COMMENT "Embedding ${dir} into the binary"
    VERBATIM)
  set(${out_var} ${out} PARENT_SCOPE)
endfunction()
