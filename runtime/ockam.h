// The whole public surface of ockam_cpp.
#ifndef OCKAM_RUNTIME_OCKAM_H_
#define OCKAM_RUNTIME_OCKAM_H_

#include "runtime/access_control.h"
#include "runtime/address.h"
#include "runtime/any.h"
#include "runtime/context.h"
#include "runtime/error.h"
#include "runtime/escape.h"
#include "runtime/log.h"
#include "runtime/metrics.h"
#include "runtime/node.h"
#include "runtime/node_options.h"
#include "runtime/processor.h"
#include "runtime/result.h"
#include "runtime/route.h"
#include "runtime/routed.h"
#include "runtime/timer.h"
#include "runtime/worker.h"
#include "runtime/worker_stopped.h"

#endif  // OCKAM_RUNTIME_OCKAM_H_
