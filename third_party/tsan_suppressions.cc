// ThreadSanitizer default suppressions, linked only under --config=tsan
// (through //third_party:tbb, :concurrentqueue and :caf). TSan reads
// them at start-up; TSAN_OPTIONS (halt_on_error etc.) still applies. Keep this
// the ONLY definition of __tsan_default_suppressions in any binary.
//
// Every entry is a known false report, with the reason:
//
// * moodycamel::ConcurrentQueue (Debian libconcurrentqueue-dev 1.0.3).
//   When the producer reuses a block slot that a consumer emptied, the two
//   are ordered by relaxed atomics plus std::atomic_thread_fence, and TSan
//   does not model standalone fences (GCC says so with -Wtsan). Result: a
//   "race" between ImplicitProducer::enqueue (concurrentqueue.h:2529) and
//   ImplicitProducer::dequeue_bulk (:2802) on the slot itself, reproduced by
//   //third_party/smoke:concurrentqueue_test (1 producer, 2 bulk consumers).
//   The header's own MOODYCAMEL_NO_TSAN only exists under clang's
//   __has_feature and only covers enqueue_bulk. Reports whose stacks go
//   through the queue's header are suppressed; races on the objects the
//   queue carries, between user code on both sides, are still reported.
//
// * oneTBB 2021.8 itself (the TSan-built one): market::app_parallelism_limit()
//   reads the global_control list (allowed_parallelism_control::
//   active_value_if_present, global_control.cpp:86) without the lock that
//   global_control's destructor (erase_if_present, :178) takes. A real but
//   benign race inside oneTBB (a size read), not fixable from our side; it
//   fires when tbb::global_control objects are created/destroyed while other
//   threads schedule work (e.g. several Nodes on several threads).
//
// * CAF 0.17 (Debian libcaf-core): the library is not built with
//   -fsanitize=thread, so TSan cannot see its scheduler's synchronisation
//   (the same problem as Debian's libtbb). Reports with a frame inside the
//   CAF shared libraries are suppressed.
extern "C" const char* __tsan_default_suppressions() {
  return "race:concurrentqueue/concurrentqueue.h\n"
         "race:concurrentqueue/blockingconcurrentqueue.h\n"
         "race:tbb::detail::r1::allowed_parallelism_control::active_value_if_present\n"
         "race:libcaf_core.so\n"
         "race:libcaf_io.so\n";
}
