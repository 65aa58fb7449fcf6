// INTERNAL. A processor on the node's pool (ProcessorOptions::own_thread
// false): a cell whose turns each call process() once and then give way to
// the back of the pool's queue (Lifecycle::process). Its mailbox is never
// marked empty while it runs, so it is always either scheduled or in a turn;
// a claim (stop_worker, the node's stop, process() returning false or an
// error) ends it through the same retirement as a worker's.
#ifndef OCKAM_RUNTIME_INTERNAL_PROCESSOR_CELL_H_
#define OCKAM_RUNTIME_INTERNAL_PROCESSOR_CELL_H_

#include <memory>
#include <typeinfo>

#include "runtime/internal/cell.h"
#include "runtime/processor.h"

namespace ockam::detail {

class ProcessorCell final : public Cell {
 public:
  explicit ProcessorCell(std::unique_ptr<Processor> p) : Cell(mailbox::Start::kScheduled), processor_(std::move(p)) {
    processor = true;
  }
  // A processor takes no messages: one sent to it is counted as wrong_type.
  bool accepts(const std::type_info&) const override { return false; }
  const std::type_info& message_type() const override { return typeid(void); }
  WireDecoder wire_decoder() const override { return nullptr; }
  Result<void> call_initialize() override { return processor_->initialize(*this); }
  Result<void> call_handle(EnvelopePtr) override { return {}; }
  Result<bool> call_process() override { return processor_->process(*this); }
  Result<void> call_shutdown() override { return processor_->shutdown(*this); }

 private:
  std::unique_ptr<Processor> processor_;
};

}  // namespace ockam::detail

#endif  // OCKAM_RUNTIME_INTERNAL_PROCESSOR_CELL_H_
