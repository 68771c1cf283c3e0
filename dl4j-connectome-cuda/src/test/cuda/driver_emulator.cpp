// A stand-in for the CUDA driver (libcuda.so.1) for the test suite: the driver API functions the backend binds,
// implemented on the CPU against cuda.h's own declarations, with connectome.cu's kernels compiled as C++ (see
// emulator.h). "Device" memory is host memory with guard zones that every launch and free checks; launches run
// synchronously, every emulated thread on its own fiber. Built by the tests with g++; never shipped.
#include <cuda.h>
#include <ucontext.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "emulator.h"

namespace emu {

Coordinates coords;

namespace {

struct Kernel {
    std::string name;
    void* fn;
    Invoker invoker;
    std::vector<size_t> sizes;
};

std::vector<Kernel>& registry() {
    static std::vector<Kernel> kernels;
    return kernels;
}

enum State { READY, WAIT_WARP, WAIT_BLOCK, DONE };

const size_t STACK_BYTES = 256 * 1024;
const size_t GUARD = 256;
const unsigned char GUARD_BYTE = 0xA5;

struct Fiber {
    ucontext_t context;
    char* stack = nullptr;
    State state = DONE;
    int generation = 0;
    emu_dim3 thread;
};

struct Launch {
    const Kernel* kernel;
    void** params;
};

std::mutex lock;
std::string lastError;
std::vector<Fiber> fibers;
ucontext_t scheduler;
int current = -1;
Launch launch;
std::vector<uint64_t> slots;  // per warp: 2 generations x 32 lanes
std::map<int, size_t> sharedSites;
std::vector<char> sharedArena;
size_t sharedUsed = 0;
long long launches = 0;

struct Allocation {
    size_t bytes;
    bool device;
};
std::map<uintptr_t, Allocation> allocations;  // by user address
size_t deviceBytes = 0;
size_t memoryLimit = size_t(8) << 30;
int deviceCount = 1;
CUresult initResult = CUDA_SUCCESS;

struct Module {
    std::map<std::string, std::vector<size_t>> entries;
};
std::vector<Module*> modules;

void fail(const std::string& message) {
    lastError = message;
}

void fiber_main() {
    Fiber& f = fibers[current];
    launch.kernel->invoker(launch.kernel->fn, launch.params);
    f.state = DONE;
    swapcontext(&f.context, &scheduler);
}

void enter(int i, const emu_dim3& block, const emu_dim3& blockDimension, const emu_dim3& grid) {
    current = i;
    coords.thread = fibers[i].thread;
    coords.block = block;
    coords.blockSize = blockDimension;
    coords.gridSize = grid;
    swapcontext(&scheduler, &fibers[i].context);
}

bool guards_intact(uintptr_t user, size_t bytes) {
    const unsigned char* below = reinterpret_cast<const unsigned char*>(user) - GUARD;
    const unsigned char* above = reinterpret_cast<const unsigned char*>(user) + bytes;
    for (size_t i = 0; i < GUARD; i++) {
        if (below[i] != GUARD_BYTE || above[i] != GUARD_BYTE) {
            return false;
        }
    }
    return true;
}

bool check_all_guards(const std::string& after) {
    for (auto& a : allocations) {
        if (!guards_intact(a.first, a.second.bytes)) {
            fail("memory outside an allocation of " + std::to_string(a.second.bytes) + " bytes was written by "
                 + after);
            return false;
        }
    }
    return true;
}

void* allocate(size_t bytes, bool device) {
    size_t total = GUARD + ((bytes + 255) / 256) * 256 + GUARD;
    char* raw = static_cast<char*>(aligned_alloc(256, total));
    if (raw == nullptr) {
        return nullptr;
    }
    std::memset(raw, GUARD_BYTE, total);
    // Fresh device memory holds garbage on a GPU too: NaN bit patterns make reads of unwritten memory visible.
    std::memset(raw + GUARD, 0xFF, bytes);
    uintptr_t user = reinterpret_cast<uintptr_t>(raw + GUARD);
    allocations[user] = Allocation{bytes, device};
    if (device) {
        deviceBytes += bytes;
    }
    return raw + GUARD;
}

CUresult release(uintptr_t user, bool device) {
    auto it = allocations.find(user);
    if (it == allocations.end() || it->second.device != device) {
        fail("free of an address that is not an allocation");
        return CUDA_ERROR_INVALID_VALUE;
    }
    bool intact = guards_intact(user, it->second.bytes);
    if (device) {
        deviceBytes -= it->second.bytes;
    }
    allocations.erase(it);
    free(reinterpret_cast<char*>(user) - GUARD);
    if (!intact) {
        fail("memory outside a freed allocation was written");
        return CUDA_ERROR_ILLEGAL_ADDRESS;
    }
    return CUDA_SUCCESS;
}

/** Whether [p, p + bytes) lies in one device allocation. */
bool in_device(uintptr_t p, size_t bytes) {
    auto it = allocations.upper_bound(p);
    if (it == allocations.begin()) {
        return false;
    }
    --it;
    return it->second.device && p >= it->first && p + bytes <= it->first + it->second.bytes;
}

size_t param_size(const std::string& type, const std::string& rest) {
    if (type == ".u64" || type == ".s64" || type == ".f64" || type == ".b64") {
        return 8;
    }
    if (type == ".u32" || type == ".s32" || type == ".f32" || type == ".b32") {
        return 4;
    }
    // ".align 8 .b8 name[64]"
    size_t open = rest.find('[');
    return open == std::string::npos ? 0 : std::stoul(rest.substr(open + 1));
}

/** The entries of a PTX text with the byte size of every parameter. */
bool parse_ptx(const char* text, Module* m) {
    std::string s(text);
    if (s.find(".version") == std::string::npos || s.find(".target") == std::string::npos) {
        return false;
    }
    size_t pos = 0;
    while ((pos = s.find(".entry ", pos)) != std::string::npos) {
        size_t nameStart = pos + 7;
        size_t open = s.find('(', nameStart);
        size_t close = s.find(')', open);
        std::string name = s.substr(nameStart, open - nameStart);
        while (!name.empty() && (name.back() == ' ' || name.back() == '\n')) {
            name.pop_back();
        }
        std::vector<size_t> sizes;
        std::string params = s.substr(open + 1, close - open - 1);
        size_t p = 0;
        while ((p = params.find(".param", p)) != std::string::npos) {
            size_t end = params.find(',', p);
            std::string decl = params.substr(p + 6, end == std::string::npos ? std::string::npos : end - p - 6);
            size_t t = decl.find_first_not_of(" \t");
            std::string type = decl.substr(t, decl.find_first_of(" \t", t) - t);
            sizes.push_back(param_size(type, decl));
            p += 6;
        }
        m->entries[name] = sizes;
        pos = close;
    }
    return true;
}

CUresult run(const Kernel& k, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
             void** params) {
    if (bx * by * bz == 0 || gx * gy * gz == 0 || bx * by * bz > 1024 || bz != 1 || by != 1) {
        fail("launch of " + k.name + " with an invalid configuration");
        return CUDA_ERROR_INVALID_VALUE;
    }
    unsigned threads = bx;
    if (threads % 32 != 0) {
        fail("launch of " + k.name + " with a block of " + std::to_string(threads) + " threads, not whole warps");
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (fibers.size() < threads) {
        fibers.resize(threads);
    }
    for (unsigned i = 0; i < threads; i++) {
        if (fibers[i].stack == nullptr) {
            fibers[i].stack = static_cast<char*>(malloc(STACK_BYTES));
        }
    }
    slots.assign((threads / 32) * 64, 0);
    launch = Launch{&k, params};
    emu_dim3 grid{gx, gy, gz};
    emu_dim3 blockDimension{bx, by, bz};
    for (unsigned z = 0; z < gz; z++) {
        for (unsigned y = 0; y < gy; y++) {
            for (unsigned x = 0; x < gx; x++) {
                emu_dim3 block{x, y, z};
                sharedSites.clear();
                sharedUsed = 0;
                for (unsigned i = 0; i < threads; i++) {
                    Fiber& f = fibers[i];
                    getcontext(&f.context);
                    f.context.uc_stack.ss_sp = f.stack;
                    f.context.uc_stack.ss_size = STACK_BYTES;
                    f.context.uc_link = nullptr;
                    makecontext(&f.context, fiber_main, 0);
                    f.state = READY;
                    f.generation = 0;
                    f.thread = emu_dim3{i, 0, 0};
                }
                while (true) {
                    bool progress = false;
                    for (unsigned i = 0; i < threads; i++) {
                        if (fibers[i].state == READY) {
                            enter((int) i, block, blockDimension, grid);
                            progress = true;
                        }
                    }
                    unsigned live = 0;
                    unsigned atBlock = 0;
                    for (unsigned w = 0; w < threads / 32; w++) {
                        unsigned waiting = 0;
                        unsigned done = 0;
                        for (unsigned l = 0; l < 32; l++) {
                            State s = fibers[w * 32 + l].state;
                            waiting += s == WAIT_WARP;
                            done += s == DONE;
                        }
                        if (waiting > 0 && waiting + done == 32) {
                            if (done > 0) {
                                fail(k.name + ": a warp shuffle while " + std::to_string(done)
                                     + " lanes of the warp have exited");
                                return CUDA_ERROR_ILLEGAL_INSTRUCTION;
                            }
                            for (unsigned l = 0; l < 32; l++) {
                                fibers[w * 32 + l].state = READY;
                            }
                            progress = true;
                        }
                    }
                    for (unsigned i = 0; i < threads; i++) {
                        live += fibers[i].state != DONE;
                        atBlock += fibers[i].state == WAIT_BLOCK;
                    }
                    if (live == 0) {
                        break;
                    }
                    if (atBlock > 0 && atBlock == live) {
                        for (unsigned i = 0; i < threads; i++) {
                            if (fibers[i].state == WAIT_BLOCK) {
                                fibers[i].state = READY;
                            }
                        }
                        progress = true;
                    }
                    if (!progress) {
                        fail(k.name + ": deadlock (threads wait at different barriers)");
                        return CUDA_ERROR_LAUNCH_FAILED;
                    }
                }
            }
        }
    }
    launches++;
    return check_all_guards("kernel " + k.name) ? CUDA_SUCCESS : CUDA_ERROR_ILLEGAL_ADDRESS;
}

}  // namespace

Registrar::Registrar(const char* name, void* fn, Invoker invoker, const size_t* sizes, int count) {
    registry().push_back(Kernel{name, fn, invoker, std::vector<size_t>(sizes, sizes + count)});
}

int lane() {
    return (int) (coords.thread.x & 31u);
}

uint64_t* shuffle_slots() {
    Fiber& f = fibers[current];
    int warp = (int) (f.thread.x / 32);
    return &slots[(size_t) warp * 64 + (f.generation & 1) * 32];
}

void warp_barrier(unsigned mask) {
    if (mask != 0xffffffffu) {
        fail("a shuffle with a partial mask (the emulator supports full warps only)");
        abort();
    }
    Fiber& f = fibers[current];
    f.state = WAIT_WARP;
    f.generation++;
    swapcontext(&f.context, &scheduler);
}

void block_barrier() {
    Fiber& f = fibers[current];
    f.state = WAIT_BLOCK;
    swapcontext(&f.context, &scheduler);
}

void* shared_alloc(int site, size_t bytes) {
    auto it = sharedSites.find(site);
    if (it == sharedSites.end()) {
        if (sharedArena.size() < sharedUsed + bytes + 64) {
            sharedArena.resize(std::max(sharedArena.size() * 2, sharedUsed + bytes + 65536));
            sharedSites.clear();
            sharedUsed = 0;
            return shared_alloc(site, bytes);
        }
        it = sharedSites.emplace(site, sharedUsed).first;
        sharedUsed += (bytes + 63) / 64 * 64;
    }
    return &sharedArena[it->second];
}

}  // namespace emu

using emu::fail;

#define LOCKED std::lock_guard<std::mutex> guard(emu::lock)

extern "C" {

// Test controls, not part of the driver API.
const char* emu_last_error() {
    return emu::lastError.c_str();
}
void emu_set_device_count(int count) {
    emu::deviceCount = count;
}
void emu_set_init_result(int result) {
    emu::initResult = (CUresult) result;
}
void emu_set_memory_limit(size_t bytes) {
    emu::memoryLimit = bytes;
}
long long emu_launches() {
    return emu::launches;
}
size_t emu_device_bytes() {
    return emu::deviceBytes;
}
}

CUresult CUDAAPI cuInit(unsigned int flags) {
    return flags != 0 ? CUDA_ERROR_INVALID_VALUE : emu::initResult;
}

CUresult CUDAAPI cuDriverGetVersion(int* version) {
    *version = CUDA_VERSION;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceGetCount(int* count) {
    *count = emu::deviceCount;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceGet(CUdevice* device, int ordinal) {
    if (ordinal < 0 || ordinal >= emu::deviceCount) {
        return CUDA_ERROR_INVALID_DEVICE;
    }
    *device = ordinal;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceGetName(char* name, int len, CUdevice dev) {
    std::snprintf(name, (size_t) len, "CUDA emulator %d", dev);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceGetAttribute(int* value, CUdevice_attribute attribute, CUdevice dev) {
    switch (attribute) {
        case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: *value = 9; break;
        case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: *value = 0; break;
        case CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT: *value = 4; break;
        default: *value = 0; break;
    }
    return dev >= 0 && dev < emu::deviceCount ? CUDA_SUCCESS : CUDA_ERROR_INVALID_DEVICE;
}

CUresult CUDAAPI cuDeviceTotalMem(size_t* bytes, CUdevice dev) {
    *bytes = emu::memoryLimit;
    return dev >= 0 && dev < emu::deviceCount ? CUDA_SUCCESS : CUDA_ERROR_INVALID_DEVICE;
}

CUresult CUDAAPI cuDevicePrimaryCtxRetain(CUcontext* context, CUdevice dev) {
    static int dummy;
    *context = reinterpret_cast<CUcontext>(&dummy);
    return dev >= 0 && dev < emu::deviceCount ? CUDA_SUCCESS : CUDA_ERROR_INVALID_DEVICE;
}

CUresult CUDAAPI cuCtxSetCurrent(CUcontext context) {
    return context == nullptr ? CUDA_ERROR_INVALID_CONTEXT : CUDA_SUCCESS;
}

CUresult CUDAAPI cuModuleLoadDataEx(CUmodule* module, const void* image, unsigned int numOptions,
                                    CUjit_option* options, void** optionValues) {
    LOCKED;
    emu::Module* m = new emu::Module();
    if (!emu::parse_ptx(static_cast<const char*>(image), m)) {
        delete m;
        const char* message = "emulator: not a PTX text (no .version or .target)";
        for (unsigned i = 0; i < numOptions; i++) {
            if (options[i] == CU_JIT_ERROR_LOG_BUFFER) {
                size_t capacity = 0;
                for (unsigned j = 0; j < numOptions; j++) {
                    if (options[j] == CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES) {
                        capacity = (size_t) reinterpret_cast<uintptr_t>(optionValues[j]);
                    }
                }
                if (capacity > 0) {
                    std::snprintf(static_cast<char*>(optionValues[i]), capacity, "%s", message);
                }
            }
        }
        fail(message);
        return CUDA_ERROR_INVALID_PTX;
    }
    emu::modules.push_back(m);
    *module = reinterpret_cast<CUmodule>(m);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuModuleGetFunction(CUfunction* function, CUmodule module, const char* name) {
    LOCKED;
    emu::Module* m = reinterpret_cast<emu::Module*>(module);
    auto entry = m->entries.find(name);
    if (entry == m->entries.end()) {
        fail(std::string("the PTX has no entry ") + name);
        return CUDA_ERROR_NOT_FOUND;
    }
    for (auto& k : emu::registry()) {
        if (k.name == name) {
            if (k.sizes != entry->second) {
                fail(std::string("the PTX entry ") + name + " has other parameters than the kernel source");
                return CUDA_ERROR_INVALID_IMAGE;
            }
            *function = reinterpret_cast<CUfunction>(&k);
            return CUDA_SUCCESS;
        }
    }
    fail(std::string("the emulator has no kernel ") + name);
    return CUDA_ERROR_NOT_FOUND;
}

CUresult CUDAAPI cuMemAlloc(CUdeviceptr* pointer, size_t bytes) {
    LOCKED;
    if (bytes == 0) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (emu::deviceBytes + bytes > emu::memoryLimit) {
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    void* p = emu::allocate(bytes, true);
    if (p == nullptr) {
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    *pointer = reinterpret_cast<CUdeviceptr>(p);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemFree(CUdeviceptr pointer) {
    LOCKED;
    return emu::release((uintptr_t) pointer, true);
}

CUresult CUDAAPI cuMemAllocHost(void** pointer, size_t bytes) {
    LOCKED;
    void* p = emu::allocate(bytes == 0 ? 1 : bytes, false);
    if (p == nullptr) {
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    *pointer = p;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemFreeHost(void* pointer) {
    LOCKED;
    return emu::release(reinterpret_cast<uintptr_t>(pointer), false);
}

CUresult CUDAAPI cuMemGetInfo(size_t* freeBytes, size_t* total) {
    LOCKED;
    *total = emu::memoryLimit;
    *freeBytes = emu::memoryLimit - emu::deviceBytes;
    return CUDA_SUCCESS;
}

static CUresult copy(void* dst, const void* src, size_t bytes, bool dstDevice, bool srcDevice, const char* what) {
    LOCKED;
    if ((dstDevice && !emu::in_device((uintptr_t) dst, bytes))
        || (srcDevice && !emu::in_device((uintptr_t) src, bytes))) {
        fail(std::string(what) + " of " + std::to_string(bytes) + " bytes outside a device allocation");
        return CUDA_ERROR_INVALID_VALUE;
    }
    std::memmove(dst, src, bytes);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemcpyHtoDAsync(CUdeviceptr dst, const void* src, size_t bytes, CUstream) {
    return copy(reinterpret_cast<void*>(dst), src, bytes, true, false, "cuMemcpyHtoDAsync");
}

CUresult CUDAAPI cuMemcpyDtoHAsync(void* dst, CUdeviceptr src, size_t bytes, CUstream) {
    return copy(dst, reinterpret_cast<const void*>(src), bytes, false, true, "cuMemcpyDtoHAsync");
}

CUresult CUDAAPI cuMemcpyDtoDAsync(CUdeviceptr dst, CUdeviceptr src, size_t bytes, CUstream) {
    return copy(reinterpret_cast<void*>(dst), reinterpret_cast<const void*>(src), bytes, true, true,
                "cuMemcpyDtoDAsync");
}

CUresult CUDAAPI cuMemsetD32Async(CUdeviceptr dst, unsigned int value, size_t count, CUstream) {
    LOCKED;
    if (!emu::in_device((uintptr_t) dst, count * 4)) {
        fail("cuMemsetD32Async outside a device allocation");
        return CUDA_ERROR_INVALID_VALUE;
    }
    unsigned int* p = reinterpret_cast<unsigned int*>(dst);
    for (size_t i = 0; i < count; i++) {
        p[i] = value;
    }
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuLaunchKernel(CUfunction f, unsigned int gridDimX, unsigned int gridDimY, unsigned int gridDimZ,
                                unsigned int blockDimX, unsigned int blockDimY, unsigned int blockDimZ,
                                unsigned int sharedMemBytes, CUstream, void** kernelParams, void** extra) {
    LOCKED;
    if (extra != nullptr || sharedMemBytes != 0) {
        fail("launch with extra options or dynamic shared memory (not used by the backend)");
        return CUDA_ERROR_INVALID_VALUE;
    }
    const auto* k = reinterpret_cast<const emu::Kernel*>(f);
    return emu::run(*k, gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ, kernelParams);
}

CUresult CUDAAPI cuStreamCreate(CUstream* stream, unsigned int) {
    static int dummy;
    *stream = reinterpret_cast<CUstream>(&dummy);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuStreamDestroy(CUstream) {
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuStreamSynchronize(CUstream) {
    LOCKED;
    return emu::check_all_guards("a copy") ? CUDA_SUCCESS : CUDA_ERROR_ILLEGAL_ADDRESS;
}

CUresult CUDAAPI cuEventCreate(CUevent* event, unsigned int) {
    // An event is the launch count when it was recorded: the emulator keeps no device clock, so elapsed time is 0.
    *event = reinterpret_cast<CUevent>(new long long(-1));
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuEventRecord(CUevent event, CUstream) {
    LOCKED;
    *reinterpret_cast<long long*>(event) = emu::launches;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuEventSynchronize(CUevent event) {
    return *reinterpret_cast<long long*>(event) < 0 ? CUDA_ERROR_INVALID_HANDLE : CUDA_SUCCESS;
}

CUresult CUDAAPI cuEventElapsedTime(float* millis, CUevent start, CUevent end) {
    if (*reinterpret_cast<long long*>(start) < 0 || *reinterpret_cast<long long*>(end) < 0) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    *millis = 0.0f;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuEventDestroy(CUevent event) {
    delete reinterpret_cast<long long*>(event);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuGetErrorName(CUresult error, const char** text) {
    switch (error) {
        case CUDA_SUCCESS: *text = "CUDA_SUCCESS"; break;
        case CUDA_ERROR_INVALID_VALUE: *text = "CUDA_ERROR_INVALID_VALUE"; break;
        case CUDA_ERROR_OUT_OF_MEMORY: *text = "CUDA_ERROR_OUT_OF_MEMORY"; break;
        case CUDA_ERROR_NO_DEVICE: *text = "CUDA_ERROR_NO_DEVICE"; break;
        case CUDA_ERROR_INVALID_PTX: *text = "CUDA_ERROR_INVALID_PTX"; break;
        case CUDA_ERROR_ILLEGAL_ADDRESS: *text = "CUDA_ERROR_ILLEGAL_ADDRESS"; break;
        case CUDA_ERROR_NOT_FOUND: *text = "CUDA_ERROR_NOT_FOUND"; break;
        default: *text = nullptr; return CUDA_ERROR_INVALID_VALUE;
    }
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuGetErrorString(CUresult error, const char** text) {
    if (cuGetErrorName(error, text) != CUDA_SUCCESS) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    *text = emu::lastError.empty() ? "emulated error" : emu::lastError.c_str();
    return CUDA_SUCCESS;
}
