// The subset of CUDA C++ that connectome.cu uses, for compiling its kernels as plain C++ and running them on the CPU
// in the test suite (see driver_emulator.cpp: a stand-in for libcuda.so.1). Every emulated thread runs on its own
// fiber; warp shuffles and __syncthreads are barriers of the warp and the block, so a kernel that would deadlock or
// shuffle with exited lanes on a GPU fails here too.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#define CONNECTOME_EMULATION 1
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __restrict__ __restrict

struct emu_dim3 {
    unsigned int x, y, z;
};

namespace emu {

struct Coordinates {
    emu_dim3 thread, block, blockSize, gridSize;
};

/** The coordinates of the emulated thread that runs now. */
extern Coordinates coords;

/** The lane (0..31) of the running thread in its warp. */
int lane();

/** The 32 exchange slots of the running thread's warp for its next shuffle. */
uint64_t* shuffle_slots();

/** Waits until every lane of the running thread's warp has reached a shuffle (all 32 must). */
void warp_barrier(unsigned mask);

/** Waits until every running thread of the block has reached __syncthreads. */
void block_barrier();

/** The block's shared array of a given call site (the same for every thread of the block). */
void* shared_alloc(int site, size_t bytes);

typedef void (*Invoker)(void* fn, void** params);

/** Records a kernel with its parameter sizes (a static instance per kernel, through EMU_KERNEL). */
struct Registrar {
    Registrar(const char* name, void* fn, Invoker invoker, const size_t* sizes, int count);
};

template <typename... A, size_t... I>
void call(void (*f)(A...), void** p, std::index_sequence<I...>) {
    f(*static_cast<std::remove_cv_t<std::remove_reference_t<A>>*>(p[I])...);
}

template <typename... A>
void invoke(void* f, void** p) {
    call(reinterpret_cast<void (*)(A...)>(f), p, std::index_sequence_for<A...>{});
}

template <typename... A>
Registrar make(const char* name, void (*f)(A...)) {
    static const size_t sizes[] = {sizeof(A)..., 0};
    return Registrar(name, reinterpret_cast<void*>(f), &invoke<A...>, sizes, (int) sizeof...(A));
}

template <typename T>
T shuffle(unsigned mask, T v, int src) {
    static_assert(sizeof(T) <= 8, "shuffle of more than 8 bytes");
    uint64_t* slots = shuffle_slots();
    uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof(T));
    slots[lane()] = bits;
    warp_barrier(mask);
    T out;
    std::memcpy(&out, &slots[src & 31], sizeof(T));
    return out;
}

}  // namespace emu

#define threadIdx (emu::coords.thread)
#define blockIdx (emu::coords.block)
#define blockDim (emu::coords.blockSize)
#define gridDim (emu::coords.gridSize)
#define SHARED_ARRAY(T, name, n) T* name = static_cast<T*>(emu::shared_alloc(__LINE__, sizeof(T) * (n)))
#define EMU_KERNEL(name) static emu::Registrar emu_registrar_##name = emu::make(#name, &name);

inline void __syncthreads() {
    emu::block_barrier();
}

template <typename T>
T __shfl_sync(unsigned mask, T v, int src) {
    return emu::shuffle(mask, v, src);
}

template <typename T>
T __shfl_xor_sync(unsigned mask, T v, int laneMask) {
    return emu::shuffle(mask, v, emu::lane() ^ laneMask);
}

inline int min(int a, int b) {
    return a < b ? a : b;
}

inline int max(int a, int b) {
    return a > b ? a : b;
}
