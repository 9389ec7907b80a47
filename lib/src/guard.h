// SPDX-License-Identifier: LGPL-2.1-or-later
// Keeps exceptions (OpenCV's, torch's, std::bad_alloc) from crossing the library's API.
#pragma once

#include <exception>
#include <string>

#include "neuralisp/status.h"

namespace neuralisp {

template <typename Body>
Status guarded(const char* what, Body&& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    return Status::Error(ErrorCode::kRuntime, std::string(what) + ": " + e.what());
  } catch (...) {
    return Status::Error(ErrorCode::kRuntime, std::string(what) + ": unknown error");
  }
}

}  // namespace neuralisp
