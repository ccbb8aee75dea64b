# The layers hold (docs/design.md, "The layers"): with the very command the
# build compiles a file of each layer (from compile_commands.json), a probe
# that includes one header of every layer compiles where the include is
# allowed and fails, for want of the header, where it is not.
#
#   cmake -DCOMMANDS=build/compile_commands.json -DSOURCE_DIR=. -DWORK=dir -P layers.cmake
#
# Shown to fail when the layers are not enforced: with every library given
# the whole of src/ as its include path (as it was), the probe of core
# including store/store.h compiles, and the test names it and every other
# include that should have failed.
cmake_minimum_required(VERSION 3.25)

foreach(var COMMANDS SOURCE_DIR WORK)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "layers.cmake needs -D${var}=...")
  endif()
endforeach()

# Layers, lowest first, the header a probe includes, and what each may include.
set(layers core work store server report cli)
set(header_core core/error.h)
set(header_work work/worker.h)
set(header_store store/store.h)
set(header_server server/server.h)
set(header_report report/render.h)
set(header_cli cli/cli.h)
set(allowed_core core)
set(allowed_work core work)
set(allowed_store core work store)
set(allowed_server core work store server)
set(allowed_report core work store report)
set(allowed_cli core work store server report cli)

file(READ ${COMMANDS} json)
string(JSON n LENGTH "${json}")
math(EXPR last "${n} - 1")
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

set(problems "")
set(checked 0)
foreach(layer ${layers})
  # The command that compiles the first file of src/<layer>/ in the list.
  unset(command)
  foreach(i RANGE ${last})
    string(JSON file GET "${json}" ${i} file)
    string(FIND "${file}" "${SOURCE_DIR}/src/${layer}/" at)
    if(at EQUAL 0)
      string(JSON command GET "${json}" ${i} command)
      string(JSON directory GET "${json}" ${i} directory)
      break()
    endif()
  endforeach()
  if(NOT DEFINED command)
    message(FATAL_ERROR "no file of src/${layer} in ${COMMANDS}")
  endif()
  separate_arguments(args UNIX_COMMAND "${command}")

  foreach(other ${layers})
    set(probe ${WORK}/${layer}_includes_${other}.c)
    file(WRITE ${probe} "#include \"${header_${other}}\"\nint gv_probe_${layer}_${other};\n")
    # The build's command, compiling the probe instead, to an object of its
    # own, without dependency files (which would overwrite the build's).
    set(run "")
    set(skip "")
    foreach(arg ${args})
      if(skip STREQUAL "out")
        list(APPEND run ${WORK}/${layer}_includes_${other}.o)
        set(skip "")
      elseif(skip STREQUAL "drop")
        set(skip "")
      elseif(arg STREQUAL "-o")
        list(APPEND run -o)
        set(skip "out")
      elseif(arg MATCHES "^-M[TFQ]$")
        set(skip "drop")
      elseif(arg MATCHES "^-M(M)?D$")
      elseif(arg STREQUAL file)
        list(APPEND run ${probe})
      else()
        list(APPEND run ${arg})
      endif()
    endforeach()
    execute_process(COMMAND ${run} WORKING_DIRECTORY ${directory}
                    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    math(EXPR checked "${checked} + 1")
    list(FIND allowed_${layer} ${other} may)
    if(may GREATER -1)
      if(NOT rc EQUAL 0)
        string(APPEND problems "\n  ${layer} may include ${header_${other}} but the probe "
               "does not compile:\n${out}")
      endif()
    elseif(rc EQUAL 0)
      string(APPEND problems "\n  ${layer} must not include ${header_${other}}, yet it compiles")
    elseif(NOT out MATCHES "${header_${other}}" OR
           NOT out MATCHES "(No such file or directory|file not found)")
      string(APPEND problems "\n  ${layer} including ${header_${other}} failed, but not for "
             "want of the header:\n${out}")
    endif()
  endforeach()
endforeach()

if(problems)
  message(FATAL_ERROR "the layers do not hold:${problems}")
endif()
message(STATUS "layers: ${checked} includes probed; each layer compiles its own and the "
        "lower layers' headers and none of the others")
