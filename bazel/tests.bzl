"""A doctest suite per file, the way //crypto and //channel lay out tests."""

load("@rules_cc//cc:defs.bzl", "cc_test")
load("//bazel:copts.bzl", "OCKAM_TEST_COPTS")

def doctest_suites(suites, deps = []):
    """Declares a small cc_test NAME_test from NAME_test.cc for each suite.

    Args:
      suites: (name, extra deps) pairs.
      deps: what every suite links besides doctest's main().
    """
    for name, extra in suites:
        cc_test(
            name = name + "_test",
            size = "small",
            srcs = [name + "_test.cc"],
            copts = OCKAM_TEST_COPTS,
            deps = ["//third_party:doctest_main"] + deps + extra,
        )
