// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "neuralisp/image.h"
#include "neuralisp/status.h"

namespace neuralisp {

enum class Device { kCpu, kCuda };

struct ModelOptions {
  std::string path;
  Device device = Device::kCpu;
  int threads = 0;  // intra-op threads for this model's calls; 0 = one per core
};

// What a model file declares about itself (the "neuralisp.meta" record saved with it).
struct ModelInfo {
  std::string task;                  // e.g. "denoise"
  std::string variant;               // e.g. "fast"
  std::vector<std::string> inputs;   // first is the image, the rest are scalars
  std::vector<std::string> outputs;  // every output is an image-like map (several heads)
  int channels = 3;                  // channels of the input image
  int alignment = 1;                 // input width and height must be multiples of this
  int overlap = 0;                   // tile overlap in pixels that hides seams
  std::map<std::string, std::string> fields;  // everything, for task-specific keys
};

// A loaded TorchScript network. Loading is separate from pre- and post-processing (the Denoiser
// and the elements' processors own those), so any task can share it.
class Model {
 public:
  // Loads, validates the metadata and runs a small probe input through the network, so that a
  // model of the wrong shape fails here rather than on the first frame.
  static Status load(const ModelOptions& options, std::unique_ptr<Model>& model);
  ~Model();

  const ModelInfo& info() const;
  // Runs one image (channels = info().channels, size aligned) with the scalar inputs in the
  // declared order. Outputs are views into memory the model owns until the next run(); one per
  // declared output, in order.
  Status run(const ImageView& input, const std::vector<float>& scalars, std::vector<ImageView>& outputs);
  void set_threads(int threads);

 private:
  static Status load_unguarded(const ModelOptions& options, std::unique_ptr<Model>& model);
  struct Impl;
  explicit Model(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Where models are looked for, in order: $NEURALISP_MODEL_PATH (':'-separated directories), the
// source tree this library was built from, then the installed data directory.
std::vector<std::string> model_search_path();
// The first file of that name (which may include a sub-directory) on the search path; "" if none.
std::string find_model(const std::string& file_name);

}  // namespace neuralisp
