package org.dl4jconnectome.cuda;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/** Checking of driver results and the scratch memory of out-parameters. */
final class Cuda {
    static final int SUCCESS = 0;
    static final int ERROR_OUT_OF_MEMORY = 2;

    /** 64 bytes per thread for out-parameters (a driver call writes its results there). */
    private static final ThreadLocal<Memory> SCRATCH = ThreadLocal.withInitial(() -> new Memory(64));

    private Cuda() {
    }

    static Pointer scratch() {
        return SCRATCH.get();
    }

    static long scratchAddress() {
        return Pointer.nativeValue(SCRATCH.get());
    }

    /** @throws CudaException when result is not CUDA_SUCCESS */
    static void check(int result, String call) {
        if (result != SUCCESS) {
            throw new CudaException(call + " failed: " + describe(result), result);
        }
    }

    /** "CUDA_ERROR_OUT_OF_MEMORY (2): out of memory", as far as the driver can name the code. */
    static String describe(int result) {
        String name = text(true, result);
        String text = text(false, result);
        return (name == null ? "CUresult" : name) + " (" + result + ")" + (text == null ? "" : ": " + text);
    }

    private static String text(boolean name, int result) {
        try {
            Memory out = new Memory(8);
            int r = name ? CuApi.cuGetErrorName(result, Pointer.nativeValue(out))
                    : CuApi.cuGetErrorString(result, Pointer.nativeValue(out));
            Pointer p = out.getPointer(0);
            return r == SUCCESS && p != null ? p.getString(0) : null;
        } catch (UnsatisfiedLinkError e) {
            return null;
        }
    }
}
