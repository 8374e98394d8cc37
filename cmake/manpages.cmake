# Man pages and bash completion for the tools. The pages are generated at
# build time by help2man from each program's --help and --version, so page
# and --help cannot drift apart (tests/cli/man_pages.sh checks every option
# of --help is in the page). Without help2man the pages are skipped with a note.
find_program(HELP2MAN help2man)
set(_dnp3kit_man_tools)
if(TARGET dnp3-master)
  list(APPEND _dnp3kit_man_tools "dnp3-master|a DNP3 (IEEE 1815) master for polling, controls, files and commissioning")
endif()
if(TARGET dnp3-pcap)
  list(APPEND _dnp3kit_man_tools "dnp3-pcap|check, decode, replay and fuzz DNP3 (IEEE 1815) captures")
endif()
if(TARGET dnp3-outstation)
  list(APPEND _dnp3kit_man_tools "dnp3-outstation|a DNP3 (IEEE 1815) outstation simulator")
endif()
set(_dnp3kit_pages)
foreach(entry IN LISTS _dnp3kit_man_tools)
  string(REPLACE "|" ";" parts "${entry}")
  list(GET parts 0 tool)
  list(GET parts 1 what)
  # bash completion: one script, one name per tool (bash-completion loads by command name)
  install(FILES ${PROJECT_SOURCE_DIR}/completions/dnp3kit.bash
    DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME ${tool})
  if(HELP2MAN)
    set(page ${PROJECT_BINARY_DIR}/man/${tool}.1)
    add_custom_command(OUTPUT ${page}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
      COMMAND ${HELP2MAN} --no-info --no-discard-stderr --section 1 --name "${what}"
              --output ${page} $<TARGET_FILE:${tool}>
      DEPENDS ${tool} VERBATIM COMMENT "man page ${tool}.1 (help2man)")
    list(APPEND _dnp3kit_pages ${page})
  endif()
endforeach()
if(HELP2MAN)
  add_custom_target(man-pages ALL DEPENDS ${_dnp3kit_pages})
  install(FILES ${_dnp3kit_pages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(STATUS "help2man not found: no man pages (apt-get install help2man)")
endif()

# libdnp3kit(3) and libdnp3kit-master(3): the libraries' pages, each from one
# source (docs/NAME.3.pod) by pod2man (package perl); tests/cli/man_pages.sh
# checks that every function the installed headers declare is in its page.
find_program(POD2MAN pod2man)
if(POD2MAN)
  set(_lib_pages)
  set(_libs libdnp3kit)
  if(TARGET dnp3kit-master)
    list(APPEND _libs libdnp3kit-master)
  endif()
  foreach(lib IN LISTS _libs)
    string(TOUPPER ${lib} _upper)
    set(_page ${PROJECT_BINARY_DIR}/man/${lib}.3)
    add_custom_command(OUTPUT ${_page}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
      COMMAND ${POD2MAN} --section 3 --center dnp3kit --release "dnp3kit ${PROJECT_VERSION}"
              --name ${_upper} --errors die ${PROJECT_SOURCE_DIR}/docs/${lib}.3.pod ${_page}
      DEPENDS ${PROJECT_SOURCE_DIR}/docs/${lib}.3.pod VERBATIM COMMENT "man page ${lib}.3 (pod2man)")
    list(APPEND _lib_pages ${_page})
  endforeach()
  add_custom_target(man-pages-lib ALL DEPENDS ${_lib_pages})
  install(FILES ${_lib_pages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man3)
else()
  message(STATUS "pod2man not found: no libdnp3kit.3 / libdnp3kit-master.3 (apt-get install perl)")
endif()
