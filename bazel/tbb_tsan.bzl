"""Repository rule exposing a oneTBB built with ThreadSanitizer.

ThreadSanitizer cannot see the synchronisation inside Debian's prebuilt
libtbb, so a TSan run against it reports races that are not there.
scripts/build-tsan-tbb.sh builds Debian's own oneTBB source with
-DTBB_SANITIZE=thread and caches it in

    ${OCKAM_CACHE_DIR:-$HOME/.cache/ockam_cpp}/tbb-tsan-<version>/{include,lib}

This rule finds that directory and defines @ockam_tbb_tsan//:tbb, a
cc_library with the source package's headers (not /usr/include's) and the
instrumented libtbb.so (rpath'ed, so tests find it at run time).

If the cache is missing, the repository still loads: @ockam_tbb_tsan//:tbb
then fails to BUILD with a message saying what to run. After building the
cache, `bazel sync --configure` (or `bazel shutdown`) makes Bazel look again.
"""

_ENV_CACHE = "OCKAM_CACHE_DIR"

_STUB_BUILD = """\
# Stub: no TSan-built oneTBB was found when this repository was fetched.
package(default_visibility = ["//visibility:public"])

genrule(
    name = "missing_tsan_tbb",
    outs = ["missing_tsan_tbb.cc"],
    cmd = "echo '{msg}' >&2; exit 1",
)

cc_library(
    name = "tbb",
    srcs = [":missing_tsan_tbb"],
)
"""

_REAL_BUILD = """\
# oneTBB {version} built with -fsanitize=thread, from {dir}
package(default_visibility = ["//visibility:public"])

cc_library(
    name = "tbb",
    hdrs = glob(["include/**/*.h"]),
    # -isystem external/ockam_tbb_tsan/include: comes before /usr/include, so
    # the oneTBB headers of the same source tree as the library are used.
    includes = ["include"],
    srcs = ["lib/{soname}"],
    linkopts = [
        "-Wl,-rpath,{libdir}",
        "-lpthread",
        "-ldl",
    ],
)
"""

def _cache_root(rctx):
    env = rctx.os.environ
    if env.get(_ENV_CACHE):
        return env[_ENV_CACHE]
    return env.get("HOME", "") + "/.cache/ockam_cpp"

def _system_tbb_version(rctx):
    res = rctx.execute(["dpkg-query", "-W", "-f=${source:Upstream-Version}", "libtbb-dev"])
    if res.return_code == 0 and res.stdout.strip():
        return res.stdout.strip()
    return None

def _find_tbb_dir(rctx, root):
    candidates = []
    version = _system_tbb_version(rctx)
    if version:
        candidates.append("%s/tbb-tsan-%s" % (root, version))
    candidates.append(root + "/tbb-tsan")  # symlink to the latest build
    for c in candidates:
        p = rctx.path(c)
        if p.get_child(".complete").exists and p.get_child("include").exists:
            return p
    return None

def _stub(rctx, root, why):
    msg = ("ERROR: --config=tsan needs oneTBB built with ThreadSanitizer, " +
           "but %s. Run: bash scripts/build-tsan-tbb.sh " % why +
           "(it caches into %s/tbb-tsan-<version>), " % root +
           "then: bazel sync --configure")
    rctx.file("WORKSPACE", 'workspace(name = "%s")\n' % rctx.name)
    rctx.file("STUB", msg + "\n")
    rctx.file("BUILD.bazel", _STUB_BUILD.format(msg = msg.replace("'", "")))

def _ockam_tbb_tsan_repository_impl(rctx):
    root = _cache_root(rctx)
    tbb_dir = _find_tbb_dir(rctx, root)
    if tbb_dir == None:
        _stub(rctx, root, "it was not found in %s" % root)
        return

    libdir = tbb_dir.get_child("lib")
    soname = None
    res = rctx.execute(["sh", "-c", "cd '%s' && ls libtbb.so.* | sort | head -n 1" % libdir])
    if res.return_code == 0 and res.stdout.strip():
        # libtbb.so.12 (the SONAME) sorts before libtbb.so.12.8
        soname = res.stdout.strip().split("\n")[0]
    if soname == None:
        _stub(rctx, root, "%s has no lib/libtbb.so.*" % tbb_dir)
        return

    # Resolve the versioned dir (not the tbb-tsan symlink) for a stable rpath.
    real = rctx.execute(["readlink", "-f", str(tbb_dir)]).stdout.strip() or str(tbb_dir)
    version = rctx.read(tbb_dir.get_child("VERSION")).strip() if tbb_dir.get_child("VERSION").exists else "?"

    rctx.file("WORKSPACE", 'workspace(name = "%s")\n' % rctx.name)
    rctx.symlink(real + "/include", "include")
    rctx.symlink(real + "/lib/" + soname, "lib/" + soname)
    rctx.file("BUILD.bazel", _REAL_BUILD.format(
        version = version,
        dir = real,
        soname = soname,
        libdir = real + "/lib",
    ))

ockam_tbb_tsan_repository = repository_rule(
    implementation = _ockam_tbb_tsan_repository_impl,
    environ = [_ENV_CACHE, "HOME"],
    local = True,
    configure = True,
    doc = "oneTBB built with -fsanitize=thread from scripts/build-tsan-tbb.sh's cache (or a stub).",
)
