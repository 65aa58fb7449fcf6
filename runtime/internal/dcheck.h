// INTERNAL. OCKAM_DCHECK(condition, what): an invariant checked in debug
// builds (the tests' default), compiled out under NDEBUG (-c opt). A failed
// check names the invariant and aborts: a broken lifecycle must not limp on.
#ifndef OCKAM_RUNTIME_INTERNAL_DCHECK_H_
#define OCKAM_RUNTIME_INTERNAL_DCHECK_H_

#include <cstdio>
#include <cstdlib>

#ifdef NDEBUG
#define OCKAM_DCHECK(condition, what) \
  do {                                \
  } while (false)
#else
#define OCKAM_DCHECK(condition, what)                                                                  \
  do {                                                                                                 \
    if (!(condition)) {                                                                                \
      std::fprintf(stderr, "%s:%d: invariant broken: %s (%s)\n", __FILE__, __LINE__, what, #condition); \
      std::abort();                                                                                    \
    }                                                                                                  \
  } while (false)
#endif

#endif  // OCKAM_RUNTIME_INTERNAL_DCHECK_H_
