// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "neuralisp/image.h"
#include "neuralisp/status.h"

namespace neuralisp {

enum class Device { kCpu, kCuda };

// The arithmetic a model's convolutions run in. Frame conversion, the residual additions the
// models declare and every output stay float32 whatever is chosen.
enum class Precision {
  kAuto,  // bfloat16 where the CPU computes it natively (AVX512-BF16 or AMX-BF16), else float32
  kFp32,
  kBf16,  // forced; on a CPU without native bfloat16 it works, emulated and slower than float32
};

// Whether this LibTorch build has CUDA and a GPU is present (Device::kCuda can be loaded).
bool cuda_available() noexcept;
// Whether this CPU (and its operating system) executes bfloat16 arithmetic natively.
bool cpu_has_native_bf16() noexcept;
// "fp32" or "bf16" ("auto" for kAuto).
const char* precision_name(Precision precision) noexcept;

struct ModelOptions {
  std::string path;
  Device device = Device::kCpu;
  Precision precision = Precision::kAuto;
  // Intra-op threads for this model's runs; 0 = one per core, fewer while other work keeps cores
  // busy (lib/src/thread_budget.h), and at most one per core (more would only oversubscribe the
  // CPU). Every model of the process runs on
  // one inference thread that the library starts with the first model and stops with the last
  // (see Model), so the cores are never oversubscribed: elements in different streaming threads
  // take turns, each run using this many threads.
  int threads = 0;
};

// What a method takes or returns (declared in the model file's metadata, checked on every call).
enum class ValueKind {
  kImage,     // the frame (or a scaled version of it) in the model's pixel-unshuffled layout
  kMap,       // a per-pixel map at some scale of the frame, plain layout (e.g. a noise-level map)
  kScalar,    // one float
  kVector,    // a fixed number of floats (e.g. a task vector)
  kTensor,    // an output of fixed shape (e.g. a 3x4 colour matrix, a LUT)
  kFeatures,  // opaque: one method's output that another method of the same model takes
};

struct ValueSpec {
  std::string name;
  ValueKind kind = ValueKind::kScalar;
  int channels = 0;             // kImage: colour channels per frame pixel; kMap: channels
  float scale = 1.0f;           // kImage, kMap: size relative to the frame
  std::vector<int> shape;       // kVector: {N}; kTensor: its shape without the batch dimension
  std::vector<float> defaults;  // kScalar, kVector: the value used to probe the model
};

struct MethodSpec {
  std::string name;
  std::vector<ValueSpec> inputs;
  std::vector<ValueSpec> outputs;
};

// What a model file declares about itself (the "neuralisp.meta" record saved with it); see
// models/README.md for the format.
struct ModelInfo {
  std::string task;      // e.g. "denoise"
  std::string variant;   // e.g. "fast"
  int unshuffle = 1;     // image values are the frame pixel-unshuffled by this factor
  int alignment = 1;     // frame width and height (in pixels) must be multiples of this
  int overlap = 0;       // tile overlap in frame pixels that hides seams
  std::vector<MethodSpec> methods;  // in the order a frame runs them
  Precision precision = Precision::kFp32;     // what it runs in, once loaded (never kAuto)
  std::map<std::string, std::string> fields;  // every metadata line, for task-specific keys

  // nullptr when the model has no such method.
  const MethodSpec* method(const std::string& name) const;
};

// The result of a method that only another method of the same model can read (a shared trunk's
// features, run once per frame and used by several heads).
class Features;

// One input or output of a method. Image and map values are HWC float images: an input's memory
// is the caller's; an output's is kept by the value (and its copies) and goes back to the model's
// pool when the last of them is dropped, so several outputs of one method can be held at once.
struct Value {
  ValueKind kind = ValueKind::kScalar;
  ImageView image;                            // kImage, kMap
  std::vector<float> values;                  // kScalar (one), kVector, kTensor (row-major)
  std::vector<int> shape;                     // kTensor
  std::shared_ptr<const Features> features;   // kFeatures
  std::shared_ptr<const void> storage;        // an output image's memory

  static Value of_image(const ImageView& image, ValueKind kind = ValueKind::kImage);
  static Value of_scalar(float value);
  static Value of_vector(std::vector<float> values);
};

// A loaded TorchScript network. Loading is separate from pre- and post-processing (processors
// own those), so any task shares it: precision, memory, threads and validation live here.
//
// Threads: loading and every run happen on the library's one inference thread; the caller's
// thread waits for the result. With OpenMP each thread that runs parallel work keeps a team of
// workers, and with more of them alive than cores libgomp stops spinning between parallel regions
// (a sleep and a wake-up each time: 10% slower frames, measured); one thread keeps one team, and
// the application's own threads keep their OpenMP settings.
//
// Memory: a forward pass allocates and frees the same intermediates every frame. Each model keeps
// them in a pool of its own, used only while one of its methods runs on the calling thread, so
// frames cause no page faults once the stream runs and nothing else in the process changes. For
// this the first load installs an allocator for LibTorch's CPU tensors that, outside a neuralisp
// model's call, allocates and frees exactly as LibTorch's default one (64-byte aligned).
class Model {
 public:
  // Loads, validates the metadata, casts and lays out the weights for the chosen precision,
  // freezes the graph and runs a small probe through every method, so that a model of the wrong
  // shape fails here rather than on the first frame.
  static Status load(const ModelOptions& options, std::unique_ptr<Model>& model);
  ~Model();

  const ModelInfo& info() const;
  // Runs one method with inputs in its declared order. Image inputs must be in the model's
  // layout (see frame_to_image's `unshuffle`) with a frame size that is a multiple of the
  // alignment; all images of one call describe the same frame. `outputs` is cleared first (its
  // memory is reused for this run), so it must not hold any of the inputs.
  Status run(const std::string& method, const std::vector<Value>& inputs, std::vector<Value>& outputs);
  // 0 = one per core (see ModelOptions::threads); from the next run on.
  void set_threads(int threads);
  // Runs `job` where the model's methods run: work of the caller's around or between methods
  // that splits itself over LibTorch's thread team there (frame conversion, per-pixel work)
  // uses the threads the methods use instead of a pool of its own that would compete with
  // theirs, and the methods `job` runs are called there directly, without handing each over to
  // that thread and back. The library's processors run each frame as one job. Exceptions from
  // `job` come back as an error status.
  Status run_job(const std::function<Status()>& job);

 private:
  struct Impl;
  explicit Model(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Where models are looked for, in order: $NEURALISP_MODEL_PATH (':'-separated directories), the
// models an uninstalled build tree copies next to its library, then the installed data directory
// (both found relative to the library's own file, so a relocated installation keeps working).
std::vector<std::string> model_search_path() noexcept;
// The first file of that name (which may include a sub-directory) on the search path; "" if none.
std::string find_model(const std::string& file_name) noexcept;

}  // namespace neuralisp
