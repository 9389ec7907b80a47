// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <string>
#include <utility>

namespace neuralisp {

enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,  // a caller's value is out of range or inconsistent
  kNotFound,         // a model file does not exist or cannot be read
  kInvalidModel,     // the file is not a neuralisp model, or it misbehaves when run
  kUnsupported,      // the request is valid but this build or machine cannot serve it
  kRuntime,          // inference failed for another reason
};

// Result of every fallible call in the library: no exception crosses the API. Ignoring one is a
// compile-time warning.
class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Error(ErrorCode code, std::string message) { return Status(code, std::move(message)); }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

}  // namespace neuralisp
