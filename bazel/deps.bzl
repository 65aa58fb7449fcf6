"""External repositories of ockam_cpp, all offline.

Use from this workspace (see //:WORKSPACE) or from any other workspace:

    local_repository(name = "ockam_cpp", path = "path/to/ockam_cpp")
    load("@ockam_cpp//bazel:deps.bzl", "ockam_cpp_dependencies")
    ockam_cpp_dependencies()
"""

load("//bazel:tbb_tsan.bzl", "ockam_tbb_tsan_repository")

def _shim_repository_impl(rctx):
    rctx.file("WORKSPACE", 'workspace(name = "%s")\n' % rctx.name)
    for dest, src in rctx.attr.files.items():
        rctx.symlink(rctx.path(Label(src)), dest)

_shim_repository = repository_rule(
    implementation = _shim_repository_impl,
    attrs = {
        # destination path in the repository -> label of the source file
        "files": attr.string_dict(mandatory = True),
    },
    local = True,
    doc = "Builds a tiny local repository from files under //third_party/shims.",
)

def _shim_files(shim, files):
    # Label() resolves against the repository of THIS .bzl file, so the shims
    # are found both when ockam_cpp is the main workspace and when it is an
    # external repository of someone else's workspace.
    out = {}
    for f in files:
        dest = f[:-len(".shim")] + ".bazel" if f.endswith("BUILD.shim") else f
        out[dest] = str(Label("//third_party:shims/%s/%s" % (shim, f)))
    return out

def ockam_cpp_dependencies():
    """Declares every external repository ockam_cpp needs (no network)."""

    # These three override the http_archive defaults Bazel 4.2.3 declares
    # itself (a later declaration in WORKSPACE wins), so nothing is downloaded.
    # A workspace that wants the real rules can declare them after this call.
    _shim_repository(
        name = "rules_cc",
        files = _shim_files("rules_cc", ["BUILD.shim", "cc/BUILD.shim", "cc/defs.bzl"]),
    )
    _shim_repository(
        name = "rules_java",
        files = _shim_files("rules_java", ["BUILD.shim", "java/BUILD.shim", "java/defs.bzl"]),
    )
    _shim_repository(
        name = "remote_coverage_tools",
        files = _shim_files("remote_coverage_tools", ["BUILD.shim"]),
    )

    # oneTBB built with -fsanitize=thread, from the cache that
    # scripts/build-tsan-tbb.sh fills. Used by //third_party:tbb under
    # --config=tsan only; a stub that explains itself when the cache is absent.
    ockam_tbb_tsan_repository(name = "ockam_tbb_tsan")
