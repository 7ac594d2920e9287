# Installs the man page and the shell completions beside the binary, and describes the Debian package
# (`cpack -G DEB`; scripts/build-deb.sh runs it). Included at the end of the top-level CMakeLists.txt.
# docs/packaging.md describes the package and its install paths.
include(GNUInstallDirs)

# Debian policy (§12.1) wants man pages gzipped: relaymetry.1.gz, compressed at build time, with -n so
# that the file, and the package, do not change with the time of the build.
set(relaymetry_man_page ${PROJECT_SOURCE_DIR}/man/relaymetry.1)
find_program(RELAYMETRY_GZIP gzip)
if(RELAYMETRY_GZIP)
  set(relaymetry_man_gz ${PROJECT_BINARY_DIR}/man/relaymetry.1.gz)
  add_custom_command(OUTPUT ${relaymetry_man_gz}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
    COMMAND ${RELAYMETRY_GZIP} -9nc ${relaymetry_man_page} > ${relaymetry_man_gz}
    DEPENDS ${relaymetry_man_page}
    COMMENT "Compressing the man page"
    VERBATIM)
  add_custom_target(relaymetry_man ALL DEPENDS ${relaymetry_man_gz})
  install(FILES ${relaymetry_man_gz} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  install(FILES ${relaymetry_man_page} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()

# Where Debian's bash-completion and zsh look for the completions of installed packages.
install(FILES ${PROJECT_SOURCE_DIR}/completions/relaymetry.bash
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME relaymetry)
install(FILES ${PROJECT_SOURCE_DIR}/completions/_relaymetry
  DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME copyright)

# The Debian package: relaymetry_<version>_<arch>.deb, installing under /usr, its Depends computed from
# the binary's shared libraries by dpkg-shlibdeps (dpkg-dev).
set(RELAYMETRY_DEB_MAINTAINER "relaymetry maintainers <relaymetry@invalid>"
  CACHE STRING "The Maintainer field of the Debian package")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME relaymetry)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${RELAYMETRY_DEB_MAINTAINER})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "check a mail domain's submission TLS, MTA-STS and TLS-RPT")
set(CPACK_PACKAGE_DESCRIPTION
  "relaymetry tells a mail admin, in plain English or in JSON, how well a domain's mail is protected in
transit: it probes the domain's submission servers on ports 465 (implicit TLS) and 587 (STARTTLS) and
judges the MTA-STS policy (RFC 8461) and TLS-RPT record (RFC 8460) the domain publishes. Findings come
with a fix and an RFC reference; the exit code gates CI, and --format nagios|prometheus|junit fits
Nagios/Icinga, node_exporter's textfile collector and GitLab/Jenkins.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES TRUE)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
  OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${RELAYMETRY_DEB_MAINTAINER})
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Certificates are verified against the system store (/etc/ssl/certs) unless --ca-file is given.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS ca-certificates)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "bash-completion, man-db")
include(CPack)
