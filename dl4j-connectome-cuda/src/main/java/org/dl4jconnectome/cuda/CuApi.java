package org.dl4jconnectome.cuda;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * The CUDA driver API functions the backend uses, bound with JNA's direct mapping (static natives with primitive
 * arguments only: the cheapest call JNA offers, a few hundred nanoseconds, which matters at hundreds of launches per
 * solve). Pointers and handles are {@code long}; out-parameters are the addresses of scratch memory. The names are
 * the symbols libcuda.so.1 exports for the current ABI (cuMemAlloc_v2 for cuda.h's cuMemAlloc, and so on);
 * {@code DriverBindingTest} checks every signature against cuda.h where the toolkit is installed.
 */
final class CuApi {
    private static String bound;

    private CuApi() {
    }

    /**
     * Binds the natives to a loaded driver library (named as given to the dynamic loader, e.g. libcuda.so.1, or a
     * path); binding another library later replaces the first.
     *
     * @throws UnsatisfiedLinkError when the library lacks a function
     */
    static synchronized void bind(String name, NativeLibrary library) {
        if (name.equals(bound)) {
            return;
        }
        if (bound != null) {
            Native.unregister(CuApi.class);
            bound = null;
        }
        Native.register(CuApi.class, library);
        bound = name;
    }

    static native int cuInit(int flags);

    static native int cuDriverGetVersion(long versionOut);

    static native int cuDeviceGetCount(long countOut);

    static native int cuDeviceGet(long deviceOut, int ordinal);

    static native int cuDeviceGetName(long nameOut, int length, int device);

    static native int cuDeviceGetAttribute(long valueOut, int attribute, int device);

    static native int cuDeviceTotalMem_v2(long bytesOut, int device);

    static native int cuDevicePrimaryCtxRetain(long contextOut, int device);

    static native int cuCtxSetCurrent(long context);

    static native int cuModuleLoadDataEx(long moduleOut, long image, int numOptions, long options, long optionValues);

    static native int cuModuleGetFunction(long functionOut, long module, String name);

    static native int cuMemAlloc_v2(long pointerOut, long bytes);

    static native int cuMemFree_v2(long pointer);

    static native int cuMemAllocHost_v2(long pointerOut, long bytes);

    static native int cuMemFreeHost(long pointer);

    static native int cuMemGetInfo_v2(long freeOut, long totalOut);

    static native int cuMemcpyHtoDAsync_v2(long device, long host, long bytes, long stream);

    static native int cuMemcpyDtoHAsync_v2(long host, long device, long bytes, long stream);

    static native int cuMemcpyDtoDAsync_v2(long dst, long src, long bytes, long stream);

    static native int cuMemsetD32Async(long device, int value, long count, long stream);

    static native int cuLaunchKernel(long function, int gridX, int gridY, int gridZ, int blockX, int blockY,
                                     int blockZ, int sharedBytes, long stream, long params, long extra);

    static native int cuStreamCreate(long streamOut, int flags);

    static native int cuStreamDestroy_v2(long stream);

    static native int cuStreamSynchronize(long stream);

    static native int cuEventCreate(long eventOut, int flags);

    static native int cuEventRecord(long event, long stream);

    static native int cuEventSynchronize(long event);

    static native int cuEventElapsedTime_v2(long millisOut, long start, long end);

    static native int cuEventDestroy_v2(long event);

    static native int cuGetErrorName(int error, long textOut);

    static native int cuGetErrorString(int error, long textOut);
}
