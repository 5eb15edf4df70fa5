# One layout for the build tree and every install (FHS, through GNUInstallDirs): programs in bin/, the
# mpi backend's rank program in libexec/parlab/, the ctypes kernel library in lib/parlab/. The build tree
# mirrors it, so parlab finds its helpers by the same relative path from build/bin and from any prefix
# (core/installlayout.cpp), and an installed parlab never looks into its build folder.
include(GNUInstallDirs)

foreach(dir BINDIR LIBDIR LIBEXECDIR DATADIR MANDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
    message(FATAL_ERROR "CMAKE_INSTALL_${dir} is absolute (${CMAKE_INSTALL_${dir}}): ParLab finds its helpers "
      "relative to its own program, so give the folder relative to the prefix")
  endif()
endforeach()

set(PARLAB_INSTALL_LIBEXECDIR ${CMAKE_INSTALL_LIBEXECDIR}/parlab)
set(PARLAB_INSTALL_PKGLIBDIR ${CMAKE_INSTALL_LIBDIR}/parlab)
# The examples of a user's own code (examples/), which users copy, build and run: the package's documentation.
set(PARLAB_INSTALL_EXAMPLESDIR ${CMAKE_INSTALL_DATADIR}/doc/parlab/examples)
# The examples' libraries, built (examples/c/collatz.c) so that a preset can run one: code, so under lib/.
set(PARLAB_INSTALL_EXAMPLELIBDIR ${PARLAB_INSTALL_PKGLIBDIR}/examples)

# The relative paths from bin/ that core/installlayout.cpp compiles in.
file(RELATIVE_PATH PARLAB_LIBEXEC_FROM_BIN /prefix/${CMAKE_INSTALL_BINDIR} /prefix/${PARLAB_INSTALL_LIBEXECDIR})
file(RELATIVE_PATH PARLAB_PKGLIB_FROM_BIN /prefix/${CMAKE_INSTALL_BINDIR} /prefix/${PARLAB_INSTALL_PKGLIBDIR})
file(RELATIVE_PATH PARLAB_EXAMPLES_FROM_BIN /prefix/${CMAKE_INSTALL_BINDIR} /prefix/${PARLAB_INSTALL_EXAMPLESDIR})
file(RELATIVE_PATH PARLAB_EXAMPLELIB_FROM_BIN /prefix/${CMAKE_INSTALL_BINDIR} /prefix/${PARLAB_INSTALL_EXAMPLELIBDIR})

set(CMAKE_RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/${CMAKE_INSTALL_BINDIR})
set(PARLAB_BUILD_LIBEXECDIR ${CMAKE_BINARY_DIR}/${PARLAB_INSTALL_LIBEXECDIR})
set(PARLAB_BUILD_PKGLIBDIR ${CMAKE_BINARY_DIR}/${PARLAB_INSTALL_PKGLIBDIR})
set(PARLAB_BUILD_EXAMPLESDIR ${CMAKE_BINARY_DIR}/${PARLAB_INSTALL_EXAMPLESDIR})
set(PARLAB_BUILD_EXAMPLELIBDIR ${CMAKE_BINARY_DIR}/${PARLAB_INSTALL_EXAMPLELIBDIR})
