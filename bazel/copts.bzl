"""Compiler options for ockam_cpp targets.

.bazelrc also sets --cxxopt=-std=c++20 for everything; OCKAM_COPTS repeats it
so the library still compiles as C++20 inside a workspace whose .bazelrc
does not.
"""

OCKAM_COPTS = [
    "-std=c++20",
    "-Wall",
    "-Wextra",
]

# Tests and examples: same standard, fewer warnings about test-framework macros.
OCKAM_TEST_COPTS = [
    "-std=c++20",
    "-Wall",
    "-Wno-unused-parameter",
]
