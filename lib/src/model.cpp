// SPDX-License-Identifier: LGPL-2.1-or-later
// The one translation unit that includes torch: TorchScript loading, validation and inference.
#include <malloc.h>

#include <torch/cuda.h>
#include <ATen/Parallel.h>
#include <torch/script.h>

#include <algorithm>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "guard.h"
#include "neuralisp/model.h"

namespace neuralisp {
namespace {

constexpr const char* kMetaRecord = "neuralisp.meta";
constexpr const char* kMetaFormat = "neuralisp-model/1";

// A forward pass allocates and frees ~100 MB of intermediates. With glibc's defaults those large
// blocks are mmap()ed and returned to the kernel every frame, and re-faulting them made a 27 ms
// pass take up to 180 ms on the target VMs. Keeping freed memory in the heap makes frame times
// steady; the process footprint then stays at its high-water mark, which is what a video
// pipeline wants anyway.
// The thresholds only govern the main arena. A streaming thread gets an arena of its own, made
// of heaps of at most 64 MB that a 720p pass does not fit in, so its large blocks were mmap()ed
// anyway: up to 11,000 page faults per 1280x720 frame, against none in the main arena. One arena
// for all threads keeps them in the main heap; a pass makes a few dozen allocations, so
// contention on its lock does not matter. A thread that allocated before the first model load
// keeps its own arena; a pipeline's streaming threads start after its elements have loaded
// their models, as state changes run from the sinks upstream.
void keep_freed_memory_for_reuse() {
  static std::once_flag once;
  std::call_once(once, [] {
    mallopt(M_ARENA_MAX, 1);
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);  // glibc's upper limit for this setting
    mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
    mallopt(M_TOP_PAD, 16 * 1024 * 1024);
  });
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  std::string part;
  while (std::getline(stream, part, separator))
    if (!part.empty()) parts.push_back(part);
  return parts;
}

bool parse_int(const std::string& text, int* value) {
  try {
    std::size_t used = 0;
    *value = std::stoi(text, &used);
    return used == text.size();
  } catch (const std::exception&) {
    return false;
  }
}

bool parse_floats(const std::string& text, std::vector<float>* values) {
  values->clear();
  for (const std::string& part : split(text, ',')) {
    try {
      std::size_t used = 0;
      values->push_back(std::stof(part, &used));
      if (used != part.size()) return false;
    } catch (const std::exception&) {
      return false;
    }
  }
  return true;
}

Status invalid(const std::string& path, const std::string& why) {
  return Status::Error(ErrorCode::kInvalidModel, "model '" + path + "' " + why);
}

// Output geometry the metadata promises, checked on the probe run.
struct OutputShape {
  int channels;
  float scale;  // output size = input size * scale
};

Status parse_metadata(const std::string& path, const std::string& text, ModelInfo* info,
                      std::vector<OutputShape>* shapes, std::vector<float>* defaults) {
  for (const std::string& line : split(text, '\n')) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) return invalid(path, "has a malformed metadata line: " + line);
    info->fields[line.substr(0, eq)] = line.substr(eq + 1);
  }
  auto field = [&](const char* key) -> std::string {
    auto it = info->fields.find(key);
    return it == info->fields.end() ? std::string() : it->second;
  };
  if (field("format") != kMetaFormat)
    return invalid(path, "declares format '" + field("format") + "', expected '" + kMetaFormat + "'");
  info->task = field("task");
  info->variant = field("variant");
  info->inputs = split(field("inputs"), ',');
  info->outputs = split(field("outputs"), ',');
  if (info->task.empty() || info->inputs.empty() || info->outputs.empty())
    return invalid(path, "metadata lacks task, inputs or outputs");
  if (!parse_int(field("channels"), &info->channels) || info->channels < 1 ||
      !parse_int(field("alignment"), &info->alignment) || info->alignment < 1 ||
      !parse_int(field("overlap"), &info->overlap) || info->overlap < 0)
    return invalid(path, "metadata has no valid channels, alignment or overlap");
  std::vector<float> channels, scales;
  if (!parse_floats(field("output_channels"), &channels) || !parse_floats(field("output_scales"), &scales) ||
      channels.size() != info->outputs.size() || scales.size() != info->outputs.size())
    return invalid(path, "metadata has no output_channels/output_scales for every output");
  for (std::size_t i = 0; i < channels.size(); ++i) shapes->push_back({static_cast<int>(channels[i]), scales[i]});
  if (!parse_floats(field("defaults"), defaults) || defaults->size() != info->inputs.size() - 1)
    return invalid(path, "metadata has no default for every scalar input");
  return Status::Ok();
}

std::string first_line(const char* text) {
  std::string s(text);
  return s.substr(0, s.find('\n'));
}

int resolve_threads(int threads) {
  return threads > 0 ? threads : std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace

struct Model::Impl {
  torch::jit::Module module;
  ModelInfo info;
  std::vector<OutputShape> shapes;
  torch::Device device = torch::kCPU;
  int threads = 1;
  std::vector<torch::Tensor> outputs;  // keeps the memory behind the returned views alive

  Status forward(const ImageView& input, const std::vector<float>& scalars, std::vector<ImageView>& views);
};

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;

const ModelInfo& Model::info() const { return impl_->info; }

void Model::set_threads(int threads) { impl_->threads = resolve_threads(threads); }

Status Model::load(const ModelOptions& options, std::unique_ptr<Model>& model) {
  return guarded("loading a model", [&] { return load_unguarded(options, model); });
}

Status Model::load_unguarded(const ModelOptions& options, std::unique_ptr<Model>& model) {
  keep_freed_memory_for_reuse();
  const std::string& path = options.path;
  if (path.empty()) return Status::Error(ErrorCode::kNotFound, "no model file given");
  if (!std::ifstream(path, std::ios::binary).good())
    return Status::Error(ErrorCode::kNotFound, "model file '" + path + "' does not exist or cannot be read");

  auto impl = std::make_unique<Impl>();
  if (options.device == Device::kCuda) {
    if (!torch::cuda::is_available())
      return Status::Error(ErrorCode::kUnsupported,
                           "device 'cuda' requested, but this LibTorch build has no CUDA support or no GPU is present");
    impl->device = torch::kCUDA;
  }
  impl->threads = resolve_threads(options.threads);

  std::unordered_map<std::string, std::string> extra{{kMetaRecord, ""}};
  try {
    impl->module = torch::jit::load(path, impl->device, extra);
  } catch (const std::exception& e) {
    return invalid(path, "is not a readable TorchScript file: " + first_line(e.what()));
  }
  if (extra[kMetaRecord].empty())
    return invalid(path, std::string("has no '") + kMetaRecord + "' record; export it with models/*/export.py");
  std::vector<float> defaults;
  Status status = parse_metadata(path, extra[kMetaRecord], &impl->info, &impl->shapes, &defaults);
  if (!status.ok()) return status;
  impl->module.eval();

  // Probe: a small input through the whole network, so that a wrong model fails at load time.
  const int side = std::max(4 * impl->info.alignment, 16);
  Image probe;
  probe.resize(side, side, impl->info.channels);
  std::fill(probe.view().data, probe.view().data + side * side * impl->info.channels, 0.5f);
  std::vector<ImageView> outputs;
  status = impl->forward(probe.view(), defaults, outputs);
  if (!status.ok()) return invalid(path, "fails on a probe input: " + status.message());

  model.reset(new Model(std::move(impl)));
  return Status::Ok();
}

Status Model::run(const ImageView& input, const std::vector<float>& scalars, std::vector<ImageView>& outputs) {
  if (input.channels != impl_->info.channels || input.width % impl_->info.alignment != 0 ||
      input.height % impl_->info.alignment != 0)
    return Status::Error(ErrorCode::kInvalidArgument, "input image does not match the model's channels or alignment");
  if (scalars.size() + 1 != impl_->info.inputs.size())
    return Status::Error(ErrorCode::kInvalidArgument, "wrong number of scalar inputs for this model");
  return impl_->forward(input, scalars, outputs);
}

Status Model::Impl::forward(const ImageView& input, const std::vector<float>& scalars, std::vector<ImageView>& views) {
  // With OpenMP, the thread count belongs to the calling thread, so each element's streaming
  // thread keeps its own budget. Setting it also drops oneDNN's primitive cache, hence the check.
  if (at::get_num_threads() != threads) at::set_num_threads(threads);
  try {
    c10::InferenceMode guard;
    const std::int64_t c = input.channels, h = input.height, w = input.width, rs = input.row_stride;
    // NCHW sizes over HWC memory: a channels-last tensor, no copy.
    torch::Tensor image = torch::from_blob(input.data, {1, c, h, w}, {h * rs, 1, rs, c}, torch::kFloat32);
    std::vector<torch::jit::IValue> args{image.to(device)};
    for (float s : scalars) args.emplace_back(torch::full({1, 1, 1, 1}, s, torch::TensorOptions().device(device)));
    torch::jit::IValue result = module.forward(args);

    outputs.clear();
    if (result.isTuple()) {
      for (const auto& element : result.toTuple()->elements()) outputs.push_back(element.toTensor());
    } else {
      outputs.push_back(result.toTensor());
    }
    if (outputs.size() != shapes.size())
      return Status::Error(ErrorCode::kInvalidModel, "returned " + std::to_string(outputs.size()) +
                                                         " outputs, metadata declares " + std::to_string(shapes.size()));
    views.clear();
    for (std::size_t i = 0; i < outputs.size(); ++i) {
      torch::Tensor& t = outputs[i];
      const auto expect_h = static_cast<std::int64_t>(h * shapes[i].scale);
      const auto expect_w = static_cast<std::int64_t>(w * shapes[i].scale);
      if (t.dim() != 4 || t.size(0) != 1 || t.size(1) != shapes[i].channels || t.size(2) != expect_h ||
          t.size(3) != expect_w || t.scalar_type() != torch::kFloat32)
        return Status::Error(ErrorCode::kInvalidModel, "output '" + info.outputs[i] + "' has shape " +
                                                           c10::str(t.sizes()) + ", expected [1, " +
                                                           std::to_string(shapes[i].channels) + ", " +
                                                           std::to_string(expect_h) + ", " +
                                                           std::to_string(expect_w) + "]");
      t = t.to(torch::kCPU).contiguous(at::MemoryFormat::ChannelsLast);
      views.push_back({t.data_ptr<float>(), static_cast<int>(t.size(3)), static_cast<int>(t.size(2)),
                       static_cast<int>(t.size(1)), t.size(3) * t.size(1)});
    }
  } catch (const std::exception& e) {
    return Status::Error(ErrorCode::kRuntime, first_line(e.what()));
  }
  return Status::Ok();
}

}  // namespace neuralisp
