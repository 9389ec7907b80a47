// SPDX-License-Identifier: LGPL-2.1-or-later
// The one translation unit that includes torch: TorchScript loading, precision, validation and
// inference for every model any processor runs.
#include <cpuid.h>

#include <torch/cuda.h>
#include <ATen/Parallel.h>
#include <torch/script.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <ctime>
#include <condition_variable>
#include <functional>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "guard.h"
#include "model_metadata.h"
#include "network_input.h"
#include "parallel.h"
#include "neuralisp/model.h"
#include "tensor_pool.h"
#include "thread_budget.h"

namespace neuralisp {

class Features {
 public:
  Features(torch::jit::IValue value, int frame_width, int frame_height)
      : value(std::move(value)), frame_width(frame_width), frame_height(frame_height) {}
  torch::jit::IValue value;
  int frame_width;   // the frame the features were computed from, in pixels
  int frame_height;
};

namespace {

constexpr const char* kMetaRecord = "neuralisp.meta";
constexpr std::uintmax_t kMaxModelBytes = 1ull << 30;
// Every this many values of an output are checked for NaN and infinity: a broken model fills its
// outputs with them, and a sparse look costs nothing measurable per frame.
constexpr std::int64_t kFiniteCheckStride = 61;

// The cause of a LibTorch error in one line: its first line, and for a TorchScript traceback
// (whose first line only says that an operation failed) also its last, which names the error.
std::string cause_of(const char* text) {
  const std::vector<std::string> lines = split_fields(text, '\n');
  if (lines.empty()) return "unknown error";
  std::string last = lines.back();
  while (!last.empty() && last.front() == ' ') last.erase(0, 1);
  return lines.size() > 1 && last != lines.front() ? lines.front() + " ... " + last : lines.front();
}

int core_count() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

double thread_cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

// The one thread every neuralisp model in the process runs on, started with the first model and
// stopped with the last. With OpenMP each thread that runs parallel work keeps a team of workers
// of its own; with more OpenMP threads alive than cores, libgomp stops spinning between parallel
// regions and every region pays a sleep and a wake-up (100 context switches and +10% per
// 640x480 frame, measured). Streaming threads come and go (GStreamer pools them, idle, with
// their teams), so the models run here instead: one team, never more threads than cores, and
// the caller's own threads untouched. Elements in different streaming threads take turns, each
// run with all cores.
class InferenceThread {
 public:
  static std::shared_ptr<InferenceThread> acquire() {
    static std::mutex mutex;
    static std::weak_ptr<InferenceThread> shared;
    std::lock_guard<std::mutex> lock(mutex);
    std::shared_ptr<InferenceThread> thread = shared.lock();
    if (!thread) {
      thread = std::make_shared<InferenceThread>();
      shared = thread;
    }
    return thread;
  }

  InferenceThread() : thread_([this] { loop(); }) {}
  ~InferenceThread() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

  // The team size of runs with threads=0, used on the inference thread only.
  ThreadBudget budget{core_count()};

  // Runs `job` on the inference thread and returns its result; callers from several threads
  // take turns. Called from a job (a caller's run_job() that runs several methods), it runs
  // there and then: the handing over to the thread and back is paid once per job.
  Status run(const std::function<Status()>& job) {
    if (std::this_thread::get_id() == thread_.get_id()) return job();
    std::lock_guard<std::mutex> turn(turn_);
    std::unique_lock<std::mutex> lock(mutex_);
    job_ = &job;
    wake_.notify_all();
    done_.wait(lock, [this] { return job_ == nullptr; });
    return std::move(result_);
  }

 private:
  void loop() {
    mark_inference_thread();
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
      wake_.wait(lock, [this] { return stopping_ || job_ != nullptr; });
      if (stopping_) return;
      const std::function<Status()>* job = job_;
      lock.unlock();
      Status result = guarded("running a model", *job);
      lock.lock();
      result_ = std::move(result);
      job_ = nullptr;
      done_.notify_all();
    }
  }

  std::mutex turn_;  // one caller at a time
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const std::function<Status()>* job_ = nullptr;
  Status result_;
  bool stopping_ = false;
  std::thread thread_;  // last: it starts once the members above exist
};

// Whether every kFiniteCheckStride-th value of a dense float tensor is finite (all values of a
// small one).
bool sparse_values_finite(const torch::Tensor& dense) {
  const float* data = dense.data_ptr<float>();
  const std::int64_t n = dense.numel();
  const std::int64_t stride = n <= 4096 ? 1 : kFiniteCheckStride;
  for (std::int64_t i = 0; i < n; i += stride)
    if (!std::isfinite(data[i])) return false;
  return true;
}

bool cpuid_bit(unsigned leaf, unsigned subleaf, int register_index, int bit) {
  unsigned regs[4] = {0, 0, 0, 0};
  if (!__get_cpuid_count(leaf, subleaf, &regs[0], &regs[1], &regs[2], &regs[3])) return false;
  return (regs[register_index] >> bit) & 1u;
}

}  // namespace

bool cuda_available() noexcept {
  try {
    return torch::cuda::is_available();
  } catch (...) {
    return false;
  }
}

bool cpu_has_native_bf16() noexcept {
  // The OS must save the AVX-512 state (XCR0 bits 5-7 with SSE and AVX: 0xE6) for AVX512-BF16,
  // and the AMX tile state (bits 17-18) for AMX-BF16.
  if (!cpuid_bit(1, 0, 2, 27)) return false;  // OSXSAVE
  unsigned eax = 0, edx = 0;
  __asm__("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  const bool avx512_state = (eax & 0xE6u) == 0xE6u;
  const bool amx_state = (eax & 0x60000u) == 0x60000u;
  const bool avx512_bf16 = avx512_state && cpuid_bit(7, 0, 1, 16) && cpuid_bit(7, 1, 0, 5);  // AVX512F, AVX512_BF16
  const bool amx_bf16 = amx_state && cpuid_bit(7, 0, 3, 22);
  return avx512_bf16 || amx_bf16;
}

const char* precision_name(Precision precision) noexcept {
  switch (precision) {
    case Precision::kAuto: return "auto";
    case Precision::kFp32: return "fp32";
    case Precision::kBf16: return "bf16";
  }
  return "?";
}

const MethodSpec* ModelInfo::method(const std::string& name) const {
  for (const MethodSpec& m : methods)
    if (m.name == name) return &m;
  return nullptr;
}

Value Value::of_image(const ImageView& image, ValueKind kind) {
  Value v;
  v.kind = kind;
  v.image = image;
  return v;
}

Value Value::of_scalar(float value) {
  Value v;
  v.kind = ValueKind::kScalar;
  v.values = {value};
  return v;
}

Value Value::of_vector(std::vector<float> values) {
  Value v;
  v.kind = ValueKind::kVector;
  v.values = std::move(values);
  return v;
}

struct Model::Impl {
  torch::jit::Module module;
  ModelInfo info;
  std::string path;
  torch::Device device = torch::kCPU;
  std::atomic<int> threads{0};  // 0 = all cores; set from any thread, read on the inference thread
  TensorPool pool;
  // Last, so that it is released first: the last model stops the thread.
  std::shared_ptr<InferenceThread> runner = InferenceThread::acquire();

  // These run on the inference thread.
  Status prepare(const ModelOptions& options);
  Status call(const MethodSpec& method, const std::vector<Value>& inputs, std::vector<Value>& outputs);
  Status probe();
};

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;

const ModelInfo& Model::info() const { return impl_->info; }

void Model::set_threads(int threads) { impl_->threads = std::clamp(threads, 0, core_count()); }

Status Model::load(const ModelOptions& options, std::unique_ptr<Model>& model) {
  return guarded("loading a model", [&]() -> Status {
    const std::string& path = options.path;
    if (path.empty()) return Status::Error(ErrorCode::kNotFound, "no model file given");
    // Checked before opening: a FIFO would block the open, a directory gives a cryptic error.
    std::error_code error;
    const auto type = std::filesystem::status(path, error).type();
    if (error || type == std::filesystem::file_type::not_found)
      return Status::Error(ErrorCode::kNotFound, "model file '" + path + "' does not exist");
    if (type != std::filesystem::file_type::regular)
      return Status::Error(ErrorCode::kInvalidModel, "model file '" + path + "' is not a regular file");
    const std::uintmax_t bytes = std::filesystem::file_size(path, error);
    if (error || bytes > kMaxModelBytes)
      return Status::Error(ErrorCode::kInvalidModel, "model file '" + path + "' is larger than 1 GiB");
    if (!std::ifstream(path, std::ios::binary).good())
      return Status::Error(ErrorCode::kNotFound, "model file '" + path + "' cannot be read");

    auto impl = std::make_unique<Impl>();
    Impl* prepared = impl.get();
    const Status status = impl->runner->run([&] { return prepared->prepare(options); });
    if (!status.ok()) return status;
    model.reset(new Model(std::move(impl)));
    return Status::Ok();
  });
}

// Loading and freezing run on the inference thread too: freezing folds constants with
// LibTorch's parallel kernels, which would start an OpenMP team on the caller's thread.
Status Model::Impl::prepare(const ModelOptions& options) {
  path = options.path;
  if (options.device == Device::kCuda) {
    if (!cuda_available())
      return Status::Error(ErrorCode::kUnsupported,
                           "device 'cuda' requested, but this LibTorch build has no CUDA support or no GPU is present");
    device = torch::kCUDA;
  }
  threads = std::clamp(options.threads, 0, core_count());

  std::unordered_map<std::string, std::string> extra{{kMetaRecord, ""}};
  torch::jit::Module loaded;
  try {
    loaded = torch::jit::load(path, device, extra);
  } catch (const std::exception& e) {
    return invalid_model(path, "is not a readable TorchScript file: " + cause_of(e.what()));
  }
  if (extra[kMetaRecord].empty())
    return invalid_model(path, std::string("has no '") + kMetaRecord + "' record; export it with models/*/export.py");
  Status status = parse_model_metadata(path, extra[kMetaRecord], &info);
  if (!status.ok()) return status;
  std::vector<std::string> other_methods;
  for (const MethodSpec& m : info.methods) {
    if (!loaded.find_method(m.name)) return invalid_model(path, "declares method '" + m.name + "' but has none");
    if (m.name != "forward") other_methods.push_back(m.name);
  }

  // Weights in the precision and layout they run in, then a frozen graph (weights become
  // constants, so casts and layout changes are not repeated per frame).
  info.precision = options.precision;
  if (info.precision == Precision::kAuto)
    info.precision = device == torch::kCPU && cpu_has_native_bf16() ? Precision::kBf16 : Precision::kFp32;
  try {
    torch::NoGradGuard no_grad;
    loaded.eval();
    if (info.precision == Precision::kBf16) loaded.to(torch::kBFloat16);
    for (torch::Tensor p : loaded.parameters())
      if (p.dim() == 4) p.set_data(p.contiguous(at::MemoryFormat::ChannelsLast));
    module = torch::jit::freeze(loaded, other_methods);
  } catch (const std::exception& e) {
    return invalid_model(path, "cannot be prepared for inference: " + cause_of(e.what()));
  }

  status = probe();
  if (!status.ok()) return invalid_model(path, "fails on a probe input: " + status.message());
  return Status::Ok();
}

// A small frame through every method in order, so that a model whose outputs do not match its
// metadata fails at load time.
Status Model::Impl::probe() {
  const int side = std::max(4 * info.alignment, 16);
  std::vector<Image> images;
  images.reserve(16);
  std::map<std::string, Value> made;
  for (const MethodSpec& method : info.methods) {
    std::vector<Value> inputs;
    for (const ValueSpec& spec : method.inputs) {
      switch (spec.kind) {
        case ValueKind::kImage:
        case ValueKind::kMap: {
          // An image in the model's layout; a map of the probe frame at its own scale.
          const int u = spec.kind == ValueKind::kImage ? info.unshuffle : 1;
          const int px = spec.kind == ValueKind::kImage
                             ? std::max(info.alignment, static_cast<int>(std::lround(side * spec.scale)) / info.alignment *
                                                            info.alignment)
                             : std::max(1, static_cast<int>(std::lround(side * spec.scale)));
          if (images.size() == images.capacity()) return Status::Error(ErrorCode::kInvalidModel, "too many image inputs");
          images.emplace_back();
          Status status = images.back().resize(px / u, px / u, spec.channels * u * u);
          if (!status.ok()) return status;
          const ImageView v = images.back().view();
          std::fill(v.data, v.data + static_cast<std::size_t>(v.width) * v.height * v.channels, 0.5f);
          inputs.push_back(Value::of_image(v, spec.kind));
          break;
        }
        case ValueKind::kScalar: inputs.push_back(Value::of_scalar(spec.defaults[0])); break;
        case ValueKind::kVector: inputs.push_back(Value::of_vector(spec.defaults)); break;
        case ValueKind::kFeatures: inputs.push_back(made.at(spec.name)); break;
        case ValueKind::kTensor: return Status::Error(ErrorCode::kInvalidModel, "tensor inputs are not supported");
      }
    }
    std::vector<Value> outputs;
    Status status = call(method, inputs, outputs);
    if (!status.ok()) return status;
    for (std::size_t i = 0; i < outputs.size(); ++i) made[method.outputs[i].name] = outputs[i];
  }
  return Status::Ok();
}

Status Model::run_job(const std::function<Status()>& job) {
  return guarded("running a job beside a model", [&] { return impl_->runner->run(job); });
}

Status Model::run(const std::string& method, const std::vector<Value>& inputs, std::vector<Value>& outputs) {
  const MethodSpec* spec = impl_->info.method(method);
  if (!spec) return Status::Error(ErrorCode::kInvalidArgument, "the model has no method '" + method + "'");
  return guarded("running a model", [&] { return impl_->runner->run([&] { return impl_->call(*spec, inputs, outputs); }); });
}

Status Model::Impl::call(const MethodSpec& method, const std::vector<Value>& inputs, std::vector<Value>& outputs) {
  auto bad_input = [&](const std::string& why) {
    return Status::Error(ErrorCode::kInvalidArgument, "method '" + method.name + "': " + why);
  };
  if (inputs.size() != method.inputs.size())
    return bad_input("takes " + std::to_string(method.inputs.size()) + " inputs, got " + std::to_string(inputs.size()));

  // The frame all image values of this call describe, in pixels.
  int frame_width = 0, frame_height = 0;
  std::vector<torch::jit::IValue> args;
  const auto on_device = torch::TensorOptions().device(device);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const ValueSpec& spec = method.inputs[i];
    const Value& value = inputs[i];
    if (value.kind != spec.kind) return bad_input("input '" + spec.name + "' is of the wrong kind");
    switch (spec.kind) {
      case ValueKind::kImage:
      case ValueKind::kMap: {
        const ImageView& img = value.image;
        const int u = spec.kind == ValueKind::kImage ? info.unshuffle : 1;
        if (img.data == nullptr || img.channels != spec.channels * u * u || img.width < 1 || img.height < 1 ||
            img.row_stride < static_cast<std::ptrdiff_t>(img.width) * img.channels)
          return bad_input("input '" + spec.name + "' has the wrong channels or layout");
        // The frame the value describes (a map at 1/8 describes a frame 8 times its size).
        const int w = static_cast<int>(std::lround(img.width * u / spec.scale));
        const int h = static_cast<int>(std::lround(img.height * u / spec.scale));
        if (w % info.alignment != 0 || h % info.alignment != 0)
          return bad_input("input '" + spec.name + "' is not a multiple of the model's alignment");
        if (frame_width == 0) {
          frame_width = w;
          frame_height = h;
        } else if (w != frame_width || h != frame_height) {
          return bad_input("image inputs describe frames of different sizes");
        }
        const std::int64_t c = img.channels, rs = img.row_stride;
        // NCHW sizes over HWC memory: a channels-last tensor, no copy.
        torch::Tensor t = torch::from_blob(img.data, {1, c, img.height, img.width}, {img.height * rs, 1, rs, c},
                                           torch::kFloat32);
        args.emplace_back(t.to(device));
        break;
      }
      case ValueKind::kScalar:
        if (value.values.size() != 1) return bad_input("input '" + spec.name + "' needs one value");
        args.emplace_back(torch::full({1, 1, 1, 1}, value.values[0], on_device));
        break;
      case ValueKind::kVector:
        if (value.values.size() != static_cast<std::size_t>(spec.shape[0]))
          return bad_input("input '" + spec.name + "' needs " + std::to_string(spec.shape[0]) + " values");
        args.emplace_back(torch::tensor(value.values).view({1, spec.shape[0]}).to(device));
        break;
      case ValueKind::kFeatures:
        if (!value.features) return bad_input("input '" + spec.name + "' has no features");
        if (frame_width == 0) {
          frame_width = value.features->frame_width;
          frame_height = value.features->frame_height;
        }
        args.emplace_back(value.features->value);
        break;
      case ValueKind::kTensor:
        return bad_input("tensor inputs are not supported");
    }
  }

  // Setting the count drops oneDNN's primitive cache, hence the check.
  const int configured = threads.load();
  const int wanted_threads = configured > 0 ? configured : runner->budget.next();
  if (at::get_num_threads() != wanted_threads) at::set_num_threads(wanted_threads);

  // The caller's previous outputs go back to the pool before this run allocates.
  outputs.clear();
  // Output copies (device, layout) below come from the pool too.
  TensorPool::Scope pooled(pool, static_cast<std::size_t>(&method - info.methods.data()));
  c10::InferenceMode inference;
  torch::jit::IValue result;
  const Clock::time_point wall_start = Clock::now();
  const double cpu_start = thread_cpu_ms();
  try {
    result = module.get_method(method.name)(args);
  } catch (const std::exception& e) {
    return Status::Error(ErrorCode::kRuntime, cause_of(e.what()));
  }
  if (configured == 0)
    runner->budget.observed(wanted_threads, ms_between(wall_start, Clock::now()), thread_cpu_ms() - cpu_start);

  std::vector<torch::jit::IValue> results;
  if (method.outputs.size() == 1) {
    results.push_back(result);
  } else if (result.isTuple() && result.toTupleRef().elements().size() == method.outputs.size()) {
    for (const auto& element : result.toTupleRef().elements()) results.push_back(element);
  } else {
    return Status::Error(ErrorCode::kInvalidModel, "method '" + method.name + "' did not return the " +
                                                       std::to_string(method.outputs.size()) + " outputs it declares");
  }

  outputs.assign(results.size(), Value());
  for (std::size_t i = 0; i < results.size(); ++i) {
    const ValueSpec& spec = method.outputs[i];
    Value& out = outputs[i];
    out.kind = spec.kind;
    auto wrong = [&](const std::string& what) {
      return Status::Error(ErrorCode::kInvalidModel, "output '" + spec.name + "' " + what);
    };
    if (spec.kind == ValueKind::kFeatures) {
      out.features = std::make_shared<Features>(results[i], frame_width, frame_height);
      continue;
    }
    if (!results[i].isTensor()) return wrong("is not a tensor");
    torch::Tensor t = results[i].toTensor();
    if (t.scalar_type() != torch::kFloat32)
      return wrong("is " + std::string(c10::toString(t.scalar_type())) + ", not float32 (models convert their outputs back)");
    const auto broken = [&] { return wrong("holds NaN or infinite values: the model is broken for this input"); };
    if (spec.kind == ValueKind::kTensor || spec.kind == ValueKind::kVector) {
      // A batch of one: [1, N] for a vector, [1, shape...] for a tensor.
      std::vector<std::int64_t> want{1};
      want.insert(want.end(), spec.shape.begin(), spec.shape.end());
      if (t.sizes() != c10::IntArrayRef(want)) return wrong("has shape " + c10::str(t.sizes()) + ", expected " + c10::str(want));
      t = t.to(torch::kCPU).contiguous();
      if (!sparse_values_finite(t)) return broken();
      if (spec.kind == ValueKind::kTensor) out.shape = spec.shape;
      out.values.assign(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
      continue;
    }
    if (frame_width == 0) return wrong("is an image, but the method takes no image or features");
    const int u = spec.kind == ValueKind::kImage ? info.unshuffle : 1;
    const std::int64_t expect_c = spec.channels * u * u;
    const std::int64_t expect_h = std::lround(frame_height * spec.scale) / u;
    const std::int64_t expect_w = std::lround(frame_width * spec.scale) / u;
    if (t.dim() != 4 || t.size(0) != 1 || t.size(1) != expect_c || t.size(2) != expect_h || t.size(3) != expect_w)
      return wrong("has shape " + c10::str(t.sizes()) + ", expected [1, " + std::to_string(expect_c) + ", " +
                   std::to_string(expect_h) + ", " + std::to_string(expect_w) + "]");
    t = t.to(torch::kCPU).contiguous(at::MemoryFormat::ChannelsLast);
    if (!sparse_values_finite(t)) return broken();
    out.storage = std::make_shared<torch::Tensor>(t);
    out.image = {t.data_ptr<float>(), static_cast<int>(t.size(3)), static_cast<int>(t.size(2)),
                 static_cast<int>(t.size(1)), t.size(3) * t.size(1)};
  }
  return Status::Ok();
}

}  // namespace neuralisp
