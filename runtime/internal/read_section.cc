#include "runtime/internal/read_section.h"

#include <thread>

namespace ockam::detail {
namespace {

// Every ReaderState ever made, newest first. States are never freed: a
// thread that exits releases its state for the next new thread.
std::atomic<ReaderState*> g_readers{nullptr};

ReaderState* claim_state() {
  // seq_cst (default): rare (once per thread).
  for (ReaderState* s = g_readers.load(); s != nullptr; s = s->next) {
    if (!s->in_use.load() && !s->in_use.exchange(true)) return s;
  }
  auto* s = new ReaderState;
  s->in_use.store(true);
  ReaderState* head = g_readers.load();
  do {
    s->next = head;
  } while (!g_readers.compare_exchange_weak(head, s));
  return s;
}

struct ThreadReader {
  ReaderState* state = claim_state();
  // The phase is even here (no section is open at thread exit).
  ~ThreadReader() { state->in_use.store(false); }
};

}  // namespace

ReaderState& this_thread_reader() {
  thread_local ThreadReader reader;
  return *reader.state;
}

void synchronize() {
  for (ReaderState* s = g_readers.load(); s != nullptr; s = s->next) {
    // seq_cst: pairs with ReadSection's seq_cst store (see there).
    const std::uint64_t phase = s->phase.load(std::memory_order_seq_cst);
    if ((phase & 1) == 0) continue;
    // acquire: pairs with ~ReadSection's release store.
    while (s->phase.load(std::memory_order_acquire) == phase) std::this_thread::yield();
  }
}

}  // namespace ockam::detail
