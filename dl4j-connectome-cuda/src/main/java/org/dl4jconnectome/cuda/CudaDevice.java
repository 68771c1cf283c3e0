package org.dl4jconnectome.cuda;

import com.sun.jna.Memory;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import org.dl4jconnectome.model.ConnectomeModel;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One CUDA device with its primary context and the kernels' module: opened once per driver library and device
 * number in a JVM, shared by every field on it (thread-safe). Each thread makes the context current once, on its
 * first call.
 */
final class CudaDevice {
    /** System property: the driver library to load (default libcuda.so.1). */
    static final String LIBRARY_PROPERTY = "dl4jconnectome.cuda.library";
    /** System property: the device number (default 0). */
    static final String DEVICE_PROPERTY = "dl4jconnectome.cuda.device";
    static final String DEFAULT_LIBRARY = "libcuda.so.1";

    private static final int ATTRIBUTE_MULTIPROCESSORS = 16;
    private static final int ATTRIBUTE_MAJOR = 75;
    private static final int ATTRIBUTE_MINOR = 76;
    private static final int JIT_WALL_TIME = 2;
    private static final int JIT_INFO_LOG = 3;
    private static final int JIT_INFO_LOG_SIZE = 4;
    private static final int JIT_ERROR_LOG = 5;
    private static final int JIT_ERROR_LOG_SIZE = 6;
    private static final int LOG_BYTES = 16384;

    private static final Map<String, Object> OPENED = new HashMap<>();

    final String library;
    final int ordinal;
    final String name;
    final int major;
    final int minor;
    final int multiprocessors;
    final long totalMemory;
    final int driverVersion;
    final String ptxArch;
    final float jitMillis;
    private final long context;
    private final long module;
    private final Map<String, Long> functions = new ConcurrentHashMap<>();
    private final ThreadLocal<Boolean> current = new ThreadLocal<>();
    private final Map<ConnectomeModel, DeviceModel> models = new WeakHashMap<>();

    private CudaDevice(String library, int ordinal, String name, int major, int minor, int multiprocessors,
                       long totalMemory, int driverVersion, long context, long module, String ptxArch,
                       float jitMillis) {
        this.library = library;
        this.ordinal = ordinal;
        this.name = name;
        this.major = major;
        this.minor = minor;
        this.multiprocessors = multiprocessors;
        this.totalMemory = totalMemory;
        this.driverVersion = driverVersion;
        this.context = context;
        this.module = module;
        this.ptxArch = ptxArch;
        this.jitMillis = jitMillis;
    }

    /** The device the system properties name, or why there is none: a CudaDevice or a String. */
    static Object fromSystemProperties() {
        String library = System.getProperty(LIBRARY_PROPERTY, DEFAULT_LIBRARY);
        String ordinal = System.getProperty(DEVICE_PROPERTY, "0");
        int number;
        try {
            number = Integer.parseInt(ordinal.trim());
        } catch (NumberFormatException e) {
            number = -1;
        }
        if (number < 0) {
            return "system property " + DEVICE_PROPERTY + " = '" + ordinal + "': expected a device number 0, 1, ...";
        }
        return open(library, number);
    }

    /** Opens (once) device {@code ordinal} of a driver library: a CudaDevice, or a String saying why not. */
    static synchronized Object open(String library, int ordinal) {
        String key = library + "#" + ordinal;
        Object known = OPENED.get(key);
        if (known == null) {
            try {
                known = tryOpen(library, ordinal);
            } catch (Unavailable e) {
                known = e.getMessage();
            }
            OPENED.put(key, known);
        }
        return known;
    }

    /** Why the device cannot be used. */
    static final class Unavailable extends Exception {
        private static final long serialVersionUID = 1L;

        Unavailable(String reason) {
            super(reason, null, false, false);
        }
    }

    static CudaDevice tryOpen(String library, int ordinal) throws Unavailable {
        NativeLibrary lib;
        try {
            lib = NativeLibrary.getInstance(library);
        } catch (LinkageError e) {
            throw new Unavailable("no CUDA driver: " + library + " cannot be loaded (" + firstLine(e) + ")");
        }
        try {
            CuApi.bind(library, lib);
        } catch (LinkageError e) {
            throw new Unavailable("the CUDA driver " + library + " lacks a function the backend needs ("
                    + firstLine(e) + ")");
        }
        int r = CuApi.cuInit(0);
        if (r != Cuda.SUCCESS) {
            throw new Unavailable("the CUDA driver does not start: cuInit returned " + Cuda.describe(r));
        }
        Pointer out = Cuda.scratch();
        long o = Cuda.scratchAddress();
        call(CuApi.cuDriverGetVersion(o), "cuDriverGetVersion");
        int driver = out.getInt(0);
        call(CuApi.cuDeviceGetCount(o), "cuDeviceGetCount");
        int count = out.getInt(0);
        if (count == 0) {
            throw new Unavailable("the CUDA driver sees no device");
        }
        if (ordinal >= count) {
            throw new Unavailable(DEVICE_PROPERTY + " = " + ordinal + " but the CUDA driver sees " + count
                    + " device" + (count == 1 ? "" : "s"));
        }
        call(CuApi.cuDeviceGet(o, ordinal), "cuDeviceGet");
        int device = out.getInt(0);
        Memory nameBuf = new Memory(256);
        call(CuApi.cuDeviceGetName(Pointer.nativeValue(nameBuf), 256, device), "cuDeviceGetName");
        String name = nameBuf.getString(0, StandardCharsets.UTF_8.name());
        int major = attribute(device, ATTRIBUTE_MAJOR);
        int minor = attribute(device, ATTRIBUTE_MINOR);
        int sms = attribute(device, ATTRIBUTE_MULTIPROCESSORS);
        call(CuApi.cuDeviceTotalMem_v2(o, device), "cuDeviceTotalMem");
        long total = out.getLong(0);
        int arch = PtxImage.chooseArchitecture(major, minor, PtxImage.architectures());
        if (arch < 0) {
            throw new Unavailable(String.format(Locale.ROOT, "device %d (%s) has compute capability %d.%d; the "
                    + "kernels' PTX needs %s or newer", ordinal, name, major, minor,
                    capability(PtxImage.architectures().get(0))));
        }
        int release = PtxImage.nvccRelease();
        if (driver < release) {
            throw new Unavailable(String.format(Locale.ROOT, "the CUDA driver supports CUDA %s but the kernels' PTX "
                    + "was made by nvcc %s: update the NVIDIA driver, or regenerate the PTX with that CUDA "
                    + "release's nvcc (dl4j-connectome-cuda/src/main/cuda/build-ptx.sh)", release(driver),
                    release(release)));
        }
        call(CuApi.cuDevicePrimaryCtxRetain(o, device), "cuDevicePrimaryCtxRetain");
        long context = out.getLong(0);
        call(CuApi.cuCtxSetCurrent(context), "cuCtxSetCurrent");
        PtxImage ptx = PtxImage.load(arch);
        long[] module = new long[1];
        float[] millis = new float[1];
        String error = loadModule(ptx, module, millis);
        if (error != null) {
            throw new Unavailable("the CUDA driver cannot compile the kernels' PTX (" + ptx.arch() + ") for " + name
                    + ": " + error);
        }
        return new CudaDevice(library, ordinal, name, major, minor, sms, total, driver, context, module[0],
                ptx.arch(), millis[0]);
    }

    private static String firstLine(Throwable e) {
        return String.valueOf(e.getMessage()).split("\n")[0].trim();
    }

    private static String capability(int arch) {
        return arch / 10 + "." + arch % 10;
    }

    private static String release(int version) {
        return version / 1000 + "." + (version % 1000) / 10;
    }

    private static int attribute(int device, int attribute) throws Unavailable {
        call(CuApi.cuDeviceGetAttribute(Cuda.scratchAddress(), attribute, device), "cuDeviceGetAttribute");
        return Cuda.scratch().getInt(0);
    }

    private static void call(int result, String what) throws Unavailable {
        if (result != Cuda.SUCCESS) {
            throw new Unavailable(what + " failed: " + Cuda.describe(result));
        }
    }

    /** Loads the PTX, JIT-compiling it: null, or the driver's error with its log. */
    private static String loadModule(PtxImage ptx, long[] module, float[] millis) {
        byte[] text = ptx.text().getBytes(StandardCharsets.US_ASCII);
        Memory image = new Memory(text.length + 1L);
        image.write(0, text, 0, text.length);
        image.setByte(text.length, (byte) 0);
        Memory errorLog = new Memory(LOG_BYTES);
        errorLog.setByte(0, (byte) 0);
        Memory infoLog = new Memory(LOG_BYTES);
        infoLog.setByte(0, (byte) 0);
        int[] keys = {JIT_WALL_TIME, JIT_INFO_LOG, JIT_INFO_LOG_SIZE, JIT_ERROR_LOG, JIT_ERROR_LOG_SIZE};
        Memory options = new Memory(4L * keys.length);
        Memory values = new Memory(8L * keys.length);
        for (int i = 0; i < keys.length; i++) {
            options.setInt(4L * i, keys[i]);
        }
        values.setLong(0, 0);
        values.setLong(8, Pointer.nativeValue(infoLog));
        values.setLong(16, LOG_BYTES);
        values.setLong(24, Pointer.nativeValue(errorLog));
        values.setLong(32, LOG_BYTES);
        int r = CuApi.cuModuleLoadDataEx(Cuda.scratchAddress(), Pointer.nativeValue(image), keys.length,
                Pointer.nativeValue(options), Pointer.nativeValue(values));
        if (r != Cuda.SUCCESS) {
            String log = errorLog.getString(0, StandardCharsets.UTF_8.name()).trim();
            return Cuda.describe(r) + (log.isEmpty() ? "" : "; " + log);
        }
        module[0] = Cuda.scratch().getLong(0);
        millis[0] = values.getFloat(0);
        return null;
    }

    /** Makes the device's context current on the calling thread (once per thread). */
    void makeCurrent() {
        if (current.get() == null) {
            Cuda.check(CuApi.cuCtxSetCurrent(context), "cuCtxSetCurrent");
            current.set(Boolean.TRUE);
        }
    }

    /** The handle of a kernel of the module. */
    long function(String kernel) {
        return functions.computeIfAbsent(kernel, k -> {
            makeCurrent();
            Cuda.check(CuApi.cuModuleGetFunction(Cuda.scratchAddress(), module, k), "cuModuleGetFunction(" + k + ")");
            return Cuda.scratch().getLong(0);
        });
    }

    /** Free and total device memory in bytes. */
    long[] memoryInfo() {
        makeCurrent();
        Memory out = new Memory(16);
        Cuda.check(CuApi.cuMemGetInfo_v2(Pointer.nativeValue(out), Pointer.nativeValue(out) + 8), "cuMemGetInfo");
        return new long[]{out.getLong(0), out.getLong(8)};
    }

    /** The model's structure on this device, uploaded once per model and shared by its fields. */
    DeviceModel model(ConnectomeModel model) {
        synchronized (models) {
            return models.computeIfAbsent(model, m -> DeviceModel.upload(this, m));
        }
    }

    /** For the log line and messages, e.g. "NVIDIA H200 (device 0, compute 9.0, 132 SMs, 140.4 GB, CUDA 13.0)". */
    String describe() {
        return String.format(Locale.ROOT, "%s (device %d, compute %d.%d, %d SMs, %.1f GB, driver CUDA %s, PTX %s)",
                name, ordinal, major, minor, multiprocessors, totalMemory / 1e9, release(driverVersion), ptxArch);
    }

}
