# gv_embed(OUT_VAR SYMBOL FILE): generates a C file defining
#   const unsigned char SYMBOL[]; const size_t SYMBOL_len;
# with the bytes of FILE, so data ships inside the binary.
function(gv_embed out_var symbol file)
  set(out ${CMAKE_BINARY_DIR}/embed/${symbol}.c)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DIN=${file} -DOUT=${out} -DSYM=${symbol}
            -P ${CMAKE_SOURCE_DIR}/cmake/embed_run.cmake
    DEPENDS ${file} ${CMAKE_SOURCE_DIR}/cmake/embed_run.cmake
    VERBATIM)
  set(${out_var} ${out} PARENT_SCOPE)
endfunction()
