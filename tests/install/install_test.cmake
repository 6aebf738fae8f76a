# Run with cmake -P (see CMakeLists.txt). Installs the build in ZVERSE_BUILD_DIR
# into WORK_DIR/prefix, builds the consumer project in WORK_DIR/build against
# it, and runs the consumers (KV and graph) on databases in WORK_DIR.
cmake_minimum_required(VERSION 3.25)

foreach(var ZVERSE_BUILD_DIR WORK_DIR CONSUMER_SOURCE_DIR GENERATOR
            C_COMPILER CXX_COMPILER)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "install_test.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT BUILD_TYPE)
  set(BUILD_TYPE Release)
endif()

set(prefix ${WORK_DIR}/prefix)
set(consumer_build ${WORK_DIR}/build)
set(db_dir ${WORK_DIR}/db)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

function(run step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "install test: ${step} failed (${rc}): ${ARGN}")
  endif()
endfunction()

message(STATUS "install test: installing ${ZVERSE_BUILD_DIR} into ${prefix}")
run(install ${CMAKE_COMMAND} --install ${ZVERSE_BUILD_DIR} --prefix ${prefix}
    --config ${BUILD_TYPE})

# The documented layout: public headers under include/zverse/kv, a CMake
# package under <libdir>/cmake/zverse.
file(GLOB config_files ${prefix}/lib*/cmake/zverse/zverseConfig.cmake
                       ${prefix}/lib/*/cmake/zverse/zverseConfig.cmake)
foreach(expected include/zverse/kv/db.h include/zverse/kv/env.h
                 include/zverse/kv/interleave.h include/zverse/kv/status_macros.h
                 include/zverse/graph/graph_db.h include/zverse/graph/boost_graph.h
                 include/zverse/graph/algorithms.h include/zverse/graph/loader.h
                 include/zverse/query/traversal.h include/zverse/query/syntax.h
                 include/zverse/query/ldbc.h include/zverse/kv/timestamp.h)
  if(NOT EXISTS ${prefix}/${expected})
    message(FATAL_ERROR "install test: ${expected} was not installed")
  endif()
endforeach()
if(NOT config_files)
  message(FATAL_ERROR "install test: no zverseConfig.cmake under ${prefix}")
endif()

message(STATUS "install test: configuring the consumer project")
run(configure ${CMAKE_COMMAND}
    -S ${CONSUMER_SOURCE_DIR} -B ${consumer_build} -G ${GENERATOR}
    -DCMAKE_C_COMPILER=${C_COMPILER} -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
    -DCMAKE_BUILD_TYPE=${BUILD_TYPE}
    -DCMAKE_PREFIX_PATH=${prefix}
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    -DEXPECTED_ZVERSE_PREFIX=${prefix})

message(STATUS "install test: building the consumer project")
run(build ${CMAKE_COMMAND} --build ${consumer_build})

message(STATUS "install test: running the consumer")
run(consumer ${consumer_build}/app ${db_dir})
run(graph_consumer ${consumer_build}/graph_app ${WORK_DIR}/graph_db)
message(STATUS "install test: OK")
