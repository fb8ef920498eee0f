# packages: what `cmake --install build --prefix P` installs, the C++ client
# package (docs/cpp.md): the public headers, the static libraries
# kiln_client, kiln_proto and kiln_runtime_cpu (exported as kiln::client,
# kiln::proto, kiln::runtime_cpu), kilnd for the embedded default, and
# lib/cmake/kiln/kilnConfig.cmake + kilnConfigVersion.cmake, so that
# find_package(kiln) gives target kiln::client. The libraries are static
# (position-independent): a program links what it uses and needs no
# LD_LIBRARY_PATH for kiln; its other dependencies (gRPC, protobuf, absl,
# OpenSSL) are Debian's shared libraries, found by kilnConfig.cmake.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(KILN_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/kiln)
set_target_properties(kiln_client PROPERTIES EXPORT_NAME client)
set_target_properties(kiln_proto PROPERTIES EXPORT_NAME proto)
set_target_properties(kiln_runtime_cpu PROPERTIES EXPORT_NAME runtime_cpu)
target_compile_features(kiln_client INTERFACE cxx_std_20)  # kiln/module.h

install(TARGETS kiln_client kiln_proto kiln_runtime_cpu EXPORT kilnTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT cpp)
install(TARGETS kilnd RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT cpp)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/client/cpp/include/kiln DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        COMPONENT cpp)
install(FILES ${PROJECT_BINARY_DIR}/proto/kiln/v1/kiln.pb.h ${PROJECT_BINARY_DIR}/proto/kiln/v1/kiln.grpc.pb.h
              ${PROJECT_BINARY_DIR}/proto/kiln/v1/archive.pb.h ${PROJECT_SOURCE_DIR}/proto/kiln/v1/kiln.proto
              ${PROJECT_SOURCE_DIR}/proto/kiln/v1/archive.proto ${PROJECT_SOURCE_DIR}/proto/kiln/v1/artifact_seal.h
              ${PROJECT_SOURCE_DIR}/proto/kiln/v1/bundle_hash.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/kiln/v1 COMPONENT cpp)
file(GLOB KILN_RUNTIME_HEADERS ${PROJECT_SOURCE_DIR}/runtime/cpu/*.h)
install(FILES ${KILN_RUNTIME_HEADERS} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/kiln/runtime COMPONENT cpp)
install(EXPORT kilnTargets NAMESPACE kiln:: DESTINATION ${KILN_CMAKE_DIR} COMPONENT cpp)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/kilnConfig.cmake.in ${PROJECT_BINARY_DIR}/kilnConfig.cmake
                              INSTALL_DESTINATION ${KILN_CMAKE_DIR} PATH_VARS CMAKE_INSTALL_BINDIR)
# 0.x: a minor version may change the API (SameMinorVersion); the file
# format and the wire protocol carry versions of their own.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/kilnConfigVersion.cmake VERSION ${PROJECT_VERSION}
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/kilnConfig.cmake ${PROJECT_BINARY_DIR}/kilnConfigVersion.cmake
        DESTINATION ${KILN_CMAKE_DIR} COMPONENT cpp)
