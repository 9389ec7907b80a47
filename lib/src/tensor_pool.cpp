// SPDX-License-Identifier: LGPL-2.1-or-later
#include "tensor_pool.h"

#include <c10/core/CPUAllocator.h>

#include <cstdint>
#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <vector>

namespace neuralisp {
namespace {

// LibTorch aligns CPU tensors to 64 bytes; the block header takes one such unit, so that the
// data pointer is the deleter's context (LibTorch's raw_allocate() requires that).
constexpr std::size_t kAlignment = 64;
// Blocks that the method that last used them has not used for this many of its passes are
// freed (a new frame size, a model that stopped running some method).
constexpr std::uint64_t kIdlePasses = 16;

struct Header {
  std::shared_ptr<TensorPool::State> pool;  // empty for blocks allocated outside a pool
  std::size_t size;
  std::size_t method;       // the method whose pass last took the block
  std::uint64_t last_pass;  // that method's pass then
};
static_assert(sizeof(Header) <= kAlignment, "the header must fit in the alignment unit");

Header* header_of(void* data) { return reinterpret_cast<Header*>(static_cast<char*>(data) - kAlignment); }

void* allocate_block(std::size_t size) {
  void* base = nullptr;
  if (posix_memalign(&base, kAlignment, size + kAlignment) != 0) return nullptr;
  return static_cast<char*>(base) + kAlignment;
}

void free_block(void* data) {
  header_of(data)->~Header();
  std::free(header_of(data));
}

// The pool of the model running on this thread, if any, and the method it runs (a
// TensorPool::Scope sets them).
thread_local const std::shared_ptr<TensorPool::State>* active_pool = nullptr;
thread_local std::size_t active_method = 0;

}  // namespace

struct TensorPool::State {
  std::mutex mutex;
  std::multimap<std::size_t, void*> free_blocks;  // by size
  std::vector<std::uint64_t> passes;              // per method, the passes begun

  ~State() {
    for (auto& entry : free_blocks) free_block(entry.second);
  }

  void* take(std::size_t size) {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = free_blocks.find(size);
    if (it == free_blocks.end()) return nullptr;
    void* data = it->second;
    free_blocks.erase(it);
    mark_used(header_of(data));
    return data;
  }

  // The caller holds the mutex, or the block is not in the free list.
  void mark_used(Header* header) const {
    header->method = active_method;
    header->last_pass = passes[active_method];
  }

  void begin_pass(std::size_t method) {
    std::lock_guard<std::mutex> lock(mutex);
    if (passes.size() <= method) passes.resize(method + 1, 0);
    ++passes[method];
    for (auto it = free_blocks.begin(); it != free_blocks.end();) {
      const Header* header = header_of(it->second);
      if (passes[header->method] - header->last_pass > kIdlePasses) {
        free_block(it->second);
        it = free_blocks.erase(it);
      } else {
        ++it;
      }
    }
  }
};

namespace {

void release(void* data) {
  Header* header = header_of(data);
  if (!header->pool) {
    free_block(data);
    return;
  }
  // The block stops owning a reference while it sits in the free list (the pool owns it then);
  // the reference is dropped after the lock, so the pool may go with it.
  std::shared_ptr<TensorPool::State> pool = std::move(header->pool);
  {
    std::lock_guard<std::mutex> lock(pool->mutex);
    pool->free_blocks.emplace(header->size, data);
  }
}

class PoolingAllocator final : public c10::Allocator {
 public:
  c10::DataPtr allocate(std::size_t size) const override {
    void* data = active_pool ? (*active_pool)->take(size) : nullptr;
    if (data == nullptr) {
      data = allocate_block(size);
      if (data == nullptr) throw std::bad_alloc();
      new (header_of(data)) Header{active_pool ? *active_pool : nullptr, size, 0, 0};
      if (active_pool) {
        std::lock_guard<std::mutex> lock((*active_pool)->mutex);
        (*active_pool)->mark_used(header_of(data));
      }
    } else {
      header_of(data)->pool = *active_pool;
    }
    return {data, data, &release, c10::Device(c10::DeviceType::CPU)};
  }
  c10::DeleterFnPtr raw_deleter() const override { return &release; }
};

void install_allocator_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    static PoolingAllocator allocator;
    // Above the priority LibTorch registers its default CPU allocator with.
    c10::SetCPUAllocator(&allocator, /*priority=*/100);
  });
}

}  // namespace

TensorPool::TensorPool() : state_(std::make_shared<State>()) { install_allocator_once(); }
TensorPool::~TensorPool() = default;

TensorPool::Scope::Scope(TensorPool& pool, std::size_t method)
    : previous_(active_pool), previous_method_(active_method) {
  pool.state_->begin_pass(method);
  active_pool = &pool.state_;
  active_method = method;
}

TensorPool::Scope::~Scope() {
  active_pool = static_cast<const std::shared_ptr<TensorPool::State>*>(previous_);
  active_method = previous_method_;
}

}  // namespace neuralisp
