// SPDX-License-Identifier: LGPL-2.1-or-later
#include "model_metadata.h"

#include "guard.h"

#include <cmath>
#include <exception>
#include <map>
#include <set>
#include <sstream>

namespace neuralisp {

namespace {

constexpr const char* kMetaFormat = "neuralisp-model/2";

bool parse_int(const std::string& text, int* value) {
  try {
    std::size_t used = 0;
    *value = std::stoi(text, &used);
    return used == text.size();
  } catch (const std::exception&) {
    return false;
  }
}

bool parse_float(const std::string& text, float* value) {
  try {
    std::size_t used = 0;
    *value = std::stof(text, &used);
    return used == text.size() && std::isfinite(*value);
  } catch (const std::exception&) {
    return false;
  }
}

// One value of a method signature: name:kind[/N[xM...]][@scale][=default[;default...]]
bool parse_value(const std::string& text, bool is_input, ValueSpec* spec) {
  const auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0) return false;
  spec->name = text.substr(0, colon);
  std::string rest = text.substr(colon + 1);
  std::string defaults;
  if (const auto eq = rest.find('='); eq != std::string::npos) {
    defaults = rest.substr(eq + 1);
    rest = rest.substr(0, eq);
  }
  if (const auto at = rest.find('@'); at != std::string::npos) {
    if (!parse_float(rest.substr(at + 1), &spec->scale) || spec->scale < kMinScale || spec->scale > kMaxScale)
      return false;
    rest = rest.substr(0, at);
  }
  std::string dims;
  if (const auto slash = rest.find('/'); slash != std::string::npos) {
    dims = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  for (const std::string& d : split_fields(dims, 'x')) {
    int n = 0;
    if (!parse_int(d, &n) || n < 1 || n > kMaxDimension) return false;
    spec->shape.push_back(n);
  }
  for (const std::string& d : split_fields(defaults, ';')) {
    float v = 0.0f;
    if (!parse_float(d, &v)) return false;
    spec->defaults.push_back(v);
  }
  static const std::map<std::string, ValueKind> kinds{
      {"image", ValueKind::kImage}, {"map", ValueKind::kMap},       {"scalar", ValueKind::kScalar},
      {"vector", ValueKind::kVector}, {"tensor", ValueKind::kTensor}, {"features", ValueKind::kFeatures}};
  const auto kind = kinds.find(rest);
  if (kind == kinds.end()) return false;
  spec->kind = kind->second;
  switch (spec->kind) {
    case ValueKind::kImage:
    case ValueKind::kMap:
      if (spec->shape.size() != 1) return false;
      spec->channels = spec->shape[0];
      spec->shape.clear();
      return true;
    case ValueKind::kScalar:
      return is_input && spec->shape.empty() && spec->defaults.size() == 1;
    // An input carries the defaults the probe feeds it; an output (estimated levels) carries none.
    case ValueKind::kVector:
      return spec->shape.size() == 1 &&
             spec->defaults.size() == (is_input ? static_cast<std::size_t>(spec->shape[0]) : 0u);
    case ValueKind::kTensor: {
      if (is_input || spec->shape.empty() || spec->shape.size() > kMaxTensorDims) return false;
      std::int64_t values = 1;
      for (int n : spec->shape) values *= n;  // at most 4096^4: no overflow
      return values <= kMaxTensorValues;
    }
    case ValueKind::kFeatures:
      return spec->shape.empty();
  }
  return false;
}

Status parse_fields(const std::string& path, const std::string& text, ModelInfo* info) {
  for (const std::string& line : split_fields(text, '\n')) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) return invalid_model(path, "has a malformed metadata line: " + line);
    info->fields[line.substr(0, eq)] = line.substr(eq + 1);
  }
  auto field = [&](const std::string& key) -> std::string {
    auto it = info->fields.find(key);
    return it == info->fields.end() ? std::string() : it->second;
  };
  if (field("format") != kMetaFormat)
    return invalid_model(path, "declares format '" + field("format") + "', expected '" + kMetaFormat +
                             "'; export it again with models/*/export.py");
  info->task = field("task");
  info->variant = field("variant");
  if (info->task.empty()) return invalid_model(path, "metadata names no task");
  const bool valid_unshuffle = parse_int(field("unshuffle"), &info->unshuffle) &&
                               (info->unshuffle == 1 || info->unshuffle == 2 || info->unshuffle == 4);
  if (!valid_unshuffle || !parse_int(field("alignment"), &info->alignment) || info->alignment < 1 ||
      info->alignment > kMaxAlignment || info->alignment % info->unshuffle != 0 ||
      !parse_int(field("overlap"), &info->overlap) || info->overlap < 0 || info->overlap > kMaxOverlap)
    return invalid_model(path, "metadata needs unshuffle 1, 2 or 4, an alignment of 1-" + std::to_string(kMaxAlignment) +
                             " that is a multiple of it, and an overlap of 0-" + std::to_string(kMaxOverlap));
  const std::vector<std::string> methods = split_fields(field("methods"), ',');
  if (methods.empty() || methods.size() > kMaxMethods) return invalid_model(path, "metadata declares no methods, or too many");
  std::set<std::string> features_made;
  for (const std::string& name : methods) {
    MethodSpec method;
    method.name = name;
    for (const bool is_input : {true, false}) {
      const std::string key = "method." + name + (is_input ? ".inputs" : ".outputs");
      std::vector<ValueSpec>& specs = is_input ? method.inputs : method.outputs;
      const std::vector<std::string> texts = split_fields(field(key), ',');
      if (texts.size() > kMaxValues) return invalid_model(path, "declares too many values in " + key);
      for (const std::string& text : texts) {
        ValueSpec spec;
        if (!parse_value(text, is_input, &spec)) return invalid_model(path, "has a malformed value '" + text + "' in " + key);
        if (is_input && spec.kind == ValueKind::kFeatures && !features_made.count(spec.name))
          return invalid_model(path, "method '" + name + "' takes features '" + spec.name + "' that no earlier method makes");
        if (!is_input && spec.kind == ValueKind::kFeatures) features_made.insert(spec.name);
        specs.push_back(spec);
      }
    }
    if (method.outputs.empty()) return invalid_model(path, "method '" + name + "' declares no outputs");
    info->methods.push_back(method);
  }
  return Status::Ok();
}

}  // namespace

std::vector<std::string> split_fields(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  std::string part;
  while (std::getline(stream, part, separator))
    if (!part.empty()) parts.push_back(part);
  return parts;
}

Status invalid_model(const std::string& path, const std::string& why) {
  return Status::Error(ErrorCode::kInvalidModel, "model '" + path + "' " + why);
}

Status parse_model_metadata(const std::string& path, const std::string& text, ModelInfo* info) {
  return guarded("reading the model's metadata", [&] { return parse_fields(path, text, info); });
}

}  // namespace neuralisp
