// SPDX-License-Identifier: LGPL-2.1-or-later
// The model file's metadata record ("neuralisp.meta", models/README.md): parsing and bounds. Apart
// from model.cpp so that it builds without torch and a fuzzer can drive it directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "neuralisp/model.h"
#include "neuralisp/status.h"

namespace neuralisp {

// Bounds on what a model file may declare, so that no crafted value overflows the library's
// arithmetic or lets a model load that cannot run the frames an element accepts.
inline constexpr int kMaxAlignment = 256;
inline constexpr int kMaxOverlap = 1024;
inline constexpr int kMaxDimension = 4096;    // channels, vector lengths, tensor sides
inline constexpr std::size_t kMaxTensorDims = 4;
inline constexpr std::int64_t kMaxTensorValues = 1 << 24;  // a tensor output's values (a 256^3 LUT fits)
inline constexpr float kMinScale = 1.0f / 64;
inline constexpr float kMaxScale = 8.0f;
inline constexpr std::size_t kMaxMethods = 16;
inline constexpr std::size_t kMaxValues = 32;  // per method side

// Fills `info` (task, layout, methods and their values, every field) from a metadata record, or
// says what is wrong with it; `path` names the model file in the message. Never throws.
Status parse_model_metadata(const std::string& path, const std::string& text, ModelInfo* info);

// The non-empty parts of `text` between separators.
std::vector<std::string> split_fields(const std::string& text, char separator);
// The error for a model file that is not what the library needs, naming the file.
Status invalid_model(const std::string& path, const std::string& why);

}  // namespace neuralisp
