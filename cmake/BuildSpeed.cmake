# A faster edit-build-test loop, each part used only where this machine has it.

# ccache: a rebuilt tree (a new build folder, a switched branch) compiles from its cache.
option(PARLAB_CCACHE "Compile through ccache when it is installed" ON)
if(PARLAB_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  find_program(PARLAB_CCACHE_PROGRAM ccache)
  if(PARLAB_CCACHE_PROGRAM)
    set(CMAKE_CXX_COMPILER_LAUNCHER ${PARLAB_CCACHE_PROGRAM})
    message(STATUS "Compiling through ${PARLAB_CCACHE_PROGRAM}")
  endif()
endif()

# The linker: a one-file change in core/ relinks every program and test; GNU ld takes about 1.1 s a link
# here, lld 0.34 s. PARLAB_LINKER=auto takes the first of mold, lld, gold that the compiler can drive.
set(PARLAB_LINKER auto CACHE STRING "Linker to use: auto, mold, lld, gold or bfd (the compiler's default)")
set_property(CACHE PARLAB_LINKER PROPERTY STRINGS auto mold lld gold bfd)
set(PARLAB_LINKER_FLAGS "")
if(PARLAB_LINKER STREQUAL "auto")
  include(CheckLinkerFlag)
  foreach(linker mold lld gold)
    check_linker_flag(CXX -fuse-ld=${linker} PARLAB_HAVE_LINKER_${linker})
    if(PARLAB_HAVE_LINKER_${linker})
      set(PARLAB_LINKER_FLAGS -fuse-ld=${linker})
      message(STATUS "Linking with ${linker}")
      break()
    endif()
  endforeach()
elseif(NOT PARLAB_LINKER STREQUAL "bfd")
  set(PARLAB_LINKER_FLAGS -fuse-ld=${PARLAB_LINKER})
endif()
