# Sanitizer builds: the asan, ubsan and tsan presets (CMakePresets.json), run by `./dev.sh sanitize NAME`.
#
# PARLAB_SANITIZE lists GCC's -fsanitize= values, comma-separated: address,undefined (asan), undefined (ubsan),
# thread (tsan). Every ParLab target gets them through parlab_settings. The test presets set
# UBSAN_OPTIONS=halt_on_error=1 so that an UBSan finding fails the program that made it (UBSan otherwise prints
# and carries on, and a test would pass); the environment, not -fno-sanitize-recover, so that the same objects
# serve both and the python3 that loads the kernel library follows it too.
#
# PARLAB_SANITIZE_LOADABLE is the part of it that a library loaded into a program built without sanitizers may
# carry: ASan's and TSan's runtimes must be the first library of the process (their interceptors replace
# malloc and pthread before anything runs), which a plain python3 loading the kernel library through ctypes
# cannot give them; UBSan's runtime starts on first use and can. core/CMakeLists.txt builds that library from a
# copy of the core compiled with PARLAB_SANITIZE_LOADABLE only.

set(PARLAB_SANITIZE "" CACHE STRING "Comma-separated sanitizers: address,undefined or undefined or thread")
set(PARLAB_SANITIZE_LOADABLE "")
if(PARLAB_SANITIZE)
  string(REPLACE "," ";" parlab_sanitizers "${PARLAB_SANITIZE}")
  foreach(sanitizer IN LISTS parlab_sanitizers)
    if(NOT sanitizer MATCHES "^(address|undefined|thread|leak)$")
      message(FATAL_ERROR "PARLAB_SANITIZE: '${sanitizer}' is not one of address, undefined, thread, leak")
    endif()
  endforeach()
  if("address" IN_LIST parlab_sanitizers AND "thread" IN_LIST parlab_sanitizers)
    message(FATAL_ERROR "PARLAB_SANITIZE: address and thread cannot be combined (use the asan or the tsan preset)")
  endif()
  target_compile_options(parlab_settings INTERFACE -fsanitize=${PARLAB_SANITIZE} -fno-omit-frame-pointer)
  target_link_options(parlab_settings INTERFACE -fsanitize=${PARLAB_SANITIZE})
  if("undefined" IN_LIST parlab_sanitizers)
    set(PARLAB_SANITIZE_LOADABLE undefined)
  endif()
  message(STATUS "Sanitizers: ${PARLAB_SANITIZE}")
endif()
