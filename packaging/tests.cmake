# Validation of the desktop integration files. Included from tests/CMakeLists.txt
# (after include(CTest)); paths are relative to this file, so it works from anywhere.
if(BUILD_TESTING)
    set(_halab_pkg_dir "${CMAKE_CURRENT_LIST_DIR}")

    find_program(APPSTREAMCLI_EXECUTABLE appstreamcli)
    if(APPSTREAMCLI_EXECUTABLE)
        # Exits non-zero on errors and warnings; pedantic notes are allowed.
        add_test(NAME appstream_validate
                 COMMAND ${APPSTREAMCLI_EXECUTABLE} validate --no-net
                         "${_halab_pkg_dir}/io.github.halab.Console.metainfo.xml")
        set_tests_properties(appstream_validate PROPERTIES LABELS packaging)
    endif()

    find_program(DESKTOP_FILE_VALIDATE_EXECUTABLE desktop-file-validate)
    if(DESKTOP_FILE_VALIDATE_EXECUTABLE)
        # Exits non-zero only on errors, so also fail on printed warnings (hints are fine).
        add_test(NAME desktop_file_validate
                 COMMAND ${DESKTOP_FILE_VALIDATE_EXECUTABLE}
                         "${_halab_pkg_dir}/io.github.halab.Console.desktop")
        set_tests_properties(desktop_file_validate PROPERTIES
            LABELS packaging
            FAIL_REGULAR_EXPRESSION "(error|warning):")
    endif()

    unset(_halab_pkg_dir)
endif()
