// SPDX-License-Identifier: LGPL-2.1-or-later
// Steady per-frame memory for LibTorch without touching the process's malloc settings.
#pragma once

#include <memory>

namespace neuralisp {

// A forward pass allocates and frees the same intermediates every frame, up to ~100 MB at 720p.
// Through glibc those large blocks are mmap()ed and returned to the kernel each time (and a
// streaming thread's own malloc arena cannot hold them at all), and re-faulting them made a
// 27 ms pass take up to 180 ms on the target VMs. A pool keeps a model's freed blocks for its next
// pass instead. It is used only while a Scope is alive on the calling thread; every other tensor
// in the process is allocated as LibTorch would.
class TensorPool {
 public:
  TensorPool();
  ~TensorPool();
  TensorPool(const TensorPool&) = delete;
  TensorPool& operator=(const TensorPool&) = delete;

  // While alive, LibTorch CPU allocations made on this thread come from the pool. Blocks that no
  // pass used recently (the frame size changed) are released on entry.
  class Scope {
   public:
    explicit Scope(TensorPool& pool);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    const void* previous_;
  };

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace neuralisp
