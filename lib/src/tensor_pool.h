// SPDX-License-Identifier: LGPL-2.1-or-later
// Steady per-frame memory for LibTorch without touching the process's malloc settings.
#pragma once

#include <cstddef>
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

  // While alive, LibTorch CPU allocations made on this thread come from the pool, for a pass of
  // one of the model's methods (numbered from 0). Blocks that the method that last used them did
  // not use in its recent passes (the frame size changed) are released on entry: idleness counts
  // in passes of that method, so that a method that runs on every eighth frame keeps its blocks
  // while others run several times a frame.
  class Scope {
   public:
    Scope(TensorPool& pool, std::size_t method);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    const void* previous_;
    std::size_t previous_method_;
  };

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace neuralisp
