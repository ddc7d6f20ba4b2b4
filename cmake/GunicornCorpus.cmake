# gunicorn's HTTP request corpus (../shared beside the checkout), turned into JSON once
# by Debian's python3, for the conformance test and the parser benchmarks.
set(STRATA_CORPUS_DIR "${PROJECT_SOURCE_DIR}/../shared/corpus/gunicorn-requests"
    CACHE PATH "gunicorn's HTTP request corpus")
if(NOT EXISTS "${STRATA_CORPUS_DIR}/README.md")
  message(FATAL_ERROR "request corpus not found at ${STRATA_CORPUS_DIR}")
endif()
find_program(STRATA_SYSTEM_PYTHON python3 PATHS /usr/bin NO_DEFAULT_PATH REQUIRED)
set(corpus_script ${PROJECT_SOURCE_DIR}/tests/unit/http/corpus_to_json.py)
file(GLOB corpus_files CONFIGURE_DEPENDS ${STRATA_CORPUS_DIR}/valid/* ${STRATA_CORPUS_DIR}/invalid/*)
set(STRATA_CORPUS_JSON ${PROJECT_BINARY_DIR}/gunicorn_corpus.json)
add_custom_command(
  OUTPUT ${STRATA_CORPUS_JSON}
  COMMAND ${STRATA_SYSTEM_PYTHON} ${corpus_script} ${STRATA_CORPUS_DIR} ${STRATA_CORPUS_JSON}
  DEPENDS ${corpus_script} ${corpus_files}
  COMMENT "Converting the gunicorn request corpus to JSON")
add_custom_target(gunicorn_corpus_json DEPENDS ${STRATA_CORPUS_JSON})

# use_gunicorn_corpus(target): builds the JSON first and passes its path as STRATA_CORPUS_JSON.
function(use_gunicorn_corpus target)
  add_dependencies(${target} gunicorn_corpus_json)
  target_compile_definitions(${target} PRIVATE STRATA_CORPUS_JSON="${STRATA_CORPUS_JSON}")
endfunction()
