#include "runtime/internal/envelope.h"

#include <cxxabi.h>

#include <cstdlib>
#include <new>

namespace ockam::detail {

void OriginRef::set(std::shared_ptr<const Ingress> ingress) {
  if (box_ != nullptr) release();
  if (ingress == nullptr) return;
  box_ = new Box{{}, std::move(ingress)};
}

void OriginRef::release() noexcept {
  delete box_;
  box_ = nullptr;
}

std::string demangle(const std::type_info& type) {
  int status = 0;
  char* name = abi::__cxa_demangle(type.name(), nullptr, nullptr, &status);
  if (status != 0 || name == nullptr) return type.name();
  std::string result(name);
  std::free(name);
  return result;
}

Error no_codec_error(const std::type_info& type) {
  return Error(ErrorCode::WrongMessageType, "a body of type " + demangle(type) +
                                                " has no ockam::Codec, so it cannot go to another node (declare "
                                                "ockam_encode and ockam_decode with the type, see codec/codec.h)");
}

}  // namespace ockam::detail
