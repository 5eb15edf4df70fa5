# cmake -DCLANG_FORMAT=... -DSOURCE_DIR=... -P checkformat.cmake
# Fails, naming each file, when a C++ source under core/, ui/, app/, packaging/ or tests/ differs from what
# clang-format makes of it with the project's .clang-format.
file(GLOB_RECURSE sources LIST_DIRECTORIES false
  ${SOURCE_DIR}/core/*.cpp ${SOURCE_DIR}/core/*.h ${SOURCE_DIR}/ui/*.cpp ${SOURCE_DIR}/ui/*.h
  ${SOURCE_DIR}/app/*.cpp ${SOURCE_DIR}/app/*.h ${SOURCE_DIR}/packaging/*.cpp ${SOURCE_DIR}/tests/*.cpp
  ${SOURCE_DIR}/tests/*.h)
list(LENGTH sources count)
if(count LESS 50)
  message(FATAL_ERROR "only ${count} C++ files found under ${SOURCE_DIR}: is SOURCE_DIR right?")
endif()
set(unformatted "")
foreach(source IN LISTS sources)
  execute_process(COMMAND ${CLANG_FORMAT} --dry-run -Werror ${source} RESULT_VARIABLE status
    OUTPUT_QUIET ERROR_VARIABLE diagnostics)
  if(NOT status EQUAL 0)
    string(REGEX MATCH "[^\n]*:[0-9]+:[0-9]+:" first "${diagnostics}")
    file(RELATIVE_PATH relative ${SOURCE_DIR} ${source})
    list(APPEND unformatted "${relative} (first at ${first})")
  endif()
endforeach()
if(unformatted)
  list(JOIN unformatted "\n  " listed)
  message(FATAL_ERROR "not formatted with .clang-format (run clang-format -i on them):\n  ${listed}")
endif()
message(STATUS "${count} C++ files formatted as .clang-format says")
