package org.dl4jconnectome.cuda;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A CUDA stream with what work on it needs: its {@link DevicePool}, the kernel-parameter buffer, a ring for the small
 * per-call arrays of the next kernels (per-sample weights, masks, segments: written to pinned memory and copied in
 * stream order, so they are never read before they arrive), and a pinned staging buffer for bulk copies. Everything
 * on a stream runs in the order it was enqueued; {@link #sync()} waits for it and frees the ring and the staging
 * buffer for reuse. One thread at a time.
 */
final class CudaStream {
    private static final int MAX_PARAMS = 32;
    private static final int SLOT = 64;
    private static final int RING_START = 1 << 16;
    private static final int RING_ALIGN = 16;

    final CudaDevice device;
    final DevicePool pool;
    private final Handles handles;
    private final long stream;
    private final Memory params;
    private final long paramsAddress;
    private final ByteBuffer paramBytes;
    private final Launch launch = new Launch();

    private long ringHost;
    private long ringDevice;
    private int ringCapacity;
    private int ringUsed;
    /** Start of the ring bytes written since the last copy to the device. */
    private int ringSent;
    private ByteBuffer ringBytes;
    private long staging;
    private long stagingCapacity;
    private boolean stagingBusy;

    CudaStream(CudaDevice device) {
        this.device = device;
        device.makeCurrent();
        this.pool = new DevicePool(device);
        Cuda.check(CuApi.cuStreamCreate(Cuda.scratchAddress(), 1), "cuStreamCreate");
        this.stream = Cuda.scratch().getLong(0);
        this.handles = new Handles(device, stream);
        DevicePool.CLEANER.register(this, handles);
        this.params = new Memory((long) MAX_PARAMS * (8 + SLOT));
        this.paramsAddress = Pointer.nativeValue(params);
        for (int i = 0; i < MAX_PARAMS; i++) {
            params.setLong(8L * i, paramsAddress + 8L * MAX_PARAMS + (long) SLOT * i);
        }
        this.paramBytes = params.getByteBuffer(0, params.size()).order(ByteOrder.nativeOrder());
        growRing(RING_START);
    }

    long handle() {
        return stream;
    }

    // ------------------------------------------------------------------------------------------ kernel launches

    /** Starts filling in the parameters of a launch (the previous launch's builder is reused). */
    Launch launch(Kernel kernel) {
        launch.kernel = kernel;
        launch.next = 0;
        return launch;
    }

    /** The parameters of one launch, in the kernel's order, checked against its catalogued kinds. */
    final class Launch {
        private Kernel kernel;
        private int next;

        private int slot(Kernel.Param kind) {
            if (next >= kernel.params.length || kernel.params[next] != kind) {
                throw new IllegalStateException("kernel " + kernel.name + ": parameter " + next + " is "
                        + (next < kernel.params.length ? kernel.params[next] : "past the last") + ", given " + kind);
            }
            return 8 * MAX_PARAMS + SLOT * next++;
        }

        Launch ptr(long address) {
            paramBytes.putLong(slot(Kernel.Param.PTR), address);
            return this;
        }

        Launch ptr(DeviceArray a) {
            return ptr(a == null ? 0 : a.address());
        }

        Launch i32(int value) {
            paramBytes.putInt(slot(Kernel.Param.INT), value);
            return this;
        }

        Launch i64(long value) {
            paramBytes.putLong(slot(Kernel.Param.LONG), value);
            return this;
        }

        Launch f64(double value) {
            paramBytes.putDouble(slot(Kernel.Param.DOUBLE), value);
            return this;
        }

        /** A Ptrs8: addresses[from .. from + count), the rest null. */
        Launch ptrs(long[] addresses, int from, int count) {
            int at = slot(Kernel.Param.STRUCT64);
            for (int j = 0; j < 8; j++) {
                paramBytes.putLong(at + 8 * j, j < count ? addresses[from + j] : 0L);
            }
            return this;
        }

        /** A Weights8: w[from + j][0] for j &lt; count (the weights of sample 0, which all samples share). */
        Launch weights(double[][] w, int from, int count) {
            int at = slot(Kernel.Param.STRUCT64);
            for (int j = 0; j < 8; j++) {
                paramBytes.putDouble(at + 8 * j, j < count ? w[from + j][0] : 0.0);
            }
            return this;
        }

        /** A Weights8 of plain values. */
        Launch weights(double[] w, int count) {
            int at = slot(Kernel.Param.STRUCT64);
            for (int j = 0; j < 8; j++) {
                paramBytes.putDouble(at + 8 * j, j < count ? w[j] : 0.0);
            }
            return this;
        }

        /** Enqueues the kernel on a one-dimensional block of {@value LaunchPlan#BLOCK} threads. */
        void go(int gridX) {
            go(gridX, 1);
        }

        void go(int gridX, int gridY) {
            if (next != kernel.params.length) {
                throw new IllegalStateException("kernel " + kernel.name + " takes " + kernel.params.length
                        + " parameters, given " + next);
            }
            sendRing();
            Cuda.check(CuApi.cuLaunchKernel(kernel.function, gridX, gridY, 1, LaunchPlan.BLOCK, 1, 1, 0, stream,
                    paramsAddress, 0L), "cuLaunchKernel(" + kernel.name + ")");
        }
    }

    // ------------------------------------------------------------------------------------------ small arrays

    /**
     * Room for {@code bytes} in the ring: its offset. A full ring is replaced by a larger one (the old one is freed
     * at the next sync, when no copy or kernel uses it any more), so addresses already handed out stay valid.
     */
    private int reserve(int bytes) {
        int size = (bytes + RING_ALIGN - 1) / RING_ALIGN * RING_ALIGN;
        if (ringUsed + size > ringCapacity) {
            sendRing();
            handles.retire(ringHost, ringDevice);
            growRing(Math.max(2 * ringCapacity, ringCapacity + size));
        }
        int at = ringUsed;
        ringUsed += size;
        return at;
    }

    private void growRing(int capacity) {
        device.makeCurrent();
        Cuda.check(CuApi.cuMemAllocHost_v2(Cuda.scratchAddress(), capacity), "cuMemAllocHost");
        ringHost = Cuda.scratch().getLong(0);
        Cuda.check(CuApi.cuMemAlloc_v2(Cuda.scratchAddress(), capacity), "cuMemAlloc");
        ringDevice = Cuda.scratch().getLong(0);
        handles.ring(ringHost, ringDevice);
        ringCapacity = capacity;
        ringUsed = 0;
        ringSent = 0;
        ringBytes = new Pointer(ringHost).getByteBuffer(0, capacity).order(ByteOrder.nativeOrder());
    }

    /**
     * The device address of ring bytes just written: they are copied to the device, together with the others
     * written since the last copy, in stream order before the next launch or copy that may read them.
     */
    private long send(int at, int bytes) {
        return ringDevice + at;
    }

    /** Copies the ring bytes written since the last copy (one copy for all the small arrays of a launch). */
    private void sendRing() {
        if (ringUsed > ringSent) {
            Cuda.check(CuApi.cuMemcpyHtoDAsync_v2(ringDevice + ringSent, ringHost + ringSent, ringUsed - ringSent,
                    stream), "cuMemcpyHtoDAsync");
            ringSent = ringUsed;
        }
    }

    /** w[from + j][b] for j &lt; count, as count × B float64 on the device. */
    long perSample(double[][] w, int from, int count, int batch) {
        int at = reserve(8 * count * batch);
        for (int j = 0; j < count; j++) {
            for (int b = 0; b < batch; b++) {
                ringBytes.putDouble(at + 8 * (j * batch + b), w[from + j][b]);
            }
        }
        return send(at, 8 * count * batch);
    }

    /** The values on the device. */
    long values(double[] v, int length) {
        int at = reserve(8 * length);
        for (int i = 0; i < length; i++) {
            ringBytes.putDouble(at + 8 * i, v[i]);
        }
        return send(at, 8 * length);
    }

    /** The values on the device. */
    long values(int[] v, int length) {
        int at = reserve(4 * length);
        for (int i = 0; i < length; i++) {
            ringBytes.putInt(at + 4 * i, v[i]);
        }
        return send(at, 4 * length);
    }

    /** rows × B ints, row-major. */
    long values(int[][] v, int rows, int batch) {
        int at = reserve(4 * rows * batch);
        for (int j = 0; j < rows; j++) {
            for (int b = 0; b < batch; b++) {
                ringBytes.putInt(at + 4 * (j * batch + b), v[j][b]);
            }
        }
        return send(at, 4 * rows * batch);
    }

    /** A mask as ints 0/1 on the device. */
    long mask(boolean[] selected) {
        int at = reserve(4 * selected.length);
        for (int i = 0; i < selected.length; i++) {
            ringBytes.putInt(at + 4 * i, selected[i] ? 1 : 0);
        }
        return send(at, 4 * selected.length);
    }

    // ------------------------------------------------------------------------------------------ bulk copies

    /** The pinned staging buffer with room for {@code bytes}, free of pending copies. */
    long staging(long bytes) {
        if (stagingBusy) {
            sync();
        }
        if (bytes > stagingCapacity) {
            device.makeCurrent();
            if (staging != 0) {
                Cuda.check(CuApi.cuMemFreeHost(staging), "cuMemFreeHost");
                staging = 0;
            }
            long capacity = Math.max(bytes, Math.min(2 * stagingCapacity, bytes + (64L << 20)));
            Cuda.check(CuApi.cuMemAllocHost_v2(Cuda.scratchAddress(), capacity), "cuMemAllocHost");
            staging = Cuda.scratch().getLong(0);
            stagingCapacity = capacity;
            handles.staging(staging);
        }
        return staging;
    }

    /** Enqueues a copy from the staging buffer to the device; the buffer is busy until the next sync. */
    void stagedToDevice(long device, long bytes) {
        Cuda.check(CuApi.cuMemcpyHtoDAsync_v2(device, staging, bytes, stream), "cuMemcpyHtoDAsync");
        stagingBusy = true;
    }

    /** Copies device memory into the staging buffer and waits for it. */
    long deviceToStaged(long device, long bytes) {
        long host = staging(bytes);
        Cuda.check(CuApi.cuMemcpyDtoHAsync_v2(host, device, bytes, stream), "cuMemcpyDtoHAsync");
        sync();
        return host;
    }

    void upload(DeviceArray dst, double[] src) {
        long host = staging(8L * src.length);
        HostCopies.write(host, src, 0, src.length);
        stagedToDevice(dst.address(), 8L * src.length);
    }

    void uploadAsFloat(DeviceArray dst, double[] src) {
        long host = staging(4L * src.length);
        HostCopies.writeAsFloat(host, src, 0, src.length);
        stagedToDevice(dst.address(), 4L * src.length);
    }

    void upload(DeviceArray dst, int[] src) {
        long host = staging(4L * src.length);
        HostCopies.write(host, src, 0, src.length);
        stagedToDevice(dst.address(), 4L * src.length);
    }

    void upload(DeviceArray dst, byte[] src) {
        long host = staging(src.length);
        HostCopies.write(host, src);
        stagedToDevice(dst.address(), src.length);
    }

    /** dst[0 .. len) = the device's float64 values at src. */
    void download(double[] dst, long src, int len) {
        long host = deviceToStaged(src, 8L * len);
        HostCopies.read(host, dst, 0, len);
    }

    /** dst[0 .. len) = the device's values at src, float32 or float64. */
    void download(double[] dst, long src, int len, boolean single) {
        if (single) {
            long host = deviceToStaged(src, 4L * len);
            HostCopies.readFloatAsDouble(host, dst, 0, len);
        } else {
            download(dst, src, len);
        }
    }

    /** An int array from the device. */
    void download(int[] dst, long src, int len) {
        long host = deviceToStaged(src, 4L * len);
        new Pointer(host).read(0, dst, 0, len);
    }

    void copy(DeviceArray src, DeviceArray dst, long bytes) {
        Cuda.check(CuApi.cuMemcpyDtoDAsync_v2(dst.address(), src.address(), bytes, stream), "cuMemcpyDtoDAsync");
    }

    void zero(DeviceArray dst) {
        zero(dst.address(), dst.bytes());
    }

    void zero(long address, long bytes) {
        if (bytes % 4 != 0) {
            throw new IllegalArgumentException(bytes + " bytes: expected whole 32-bit words");
        }
        if (bytes > 0) {
            Cuda.check(CuApi.cuMemsetD32Async(address, 0, bytes / 4, stream), "cuMemsetD32Async");
        }
    }

    /** A new event (for timing work on the stream). */
    long event() {
        device.makeCurrent();
        Cuda.check(CuApi.cuEventCreate(Cuda.scratchAddress(), 0), "cuEventCreate");
        return Cuda.scratch().getLong(0);
    }

    /** Records an event after the work enqueued so far. */
    void record(long event) {
        sendRing();
        Cuda.check(CuApi.cuEventRecord(event, stream), "cuEventRecord");
    }

    /** Milliseconds of device time between two recorded events (waits for the second). */
    float elapsed(long start, long end) {
        Cuda.check(CuApi.cuEventSynchronize(end), "cuEventSynchronize");
        Cuda.check(CuApi.cuEventElapsedTime_v2(Cuda.scratchAddress(), start, end), "cuEventElapsedTime");
        return Cuda.scratch().getFloat(0);
    }

    static void destroy(long event) {
        Cuda.check(CuApi.cuEventDestroy_v2(event), "cuEventDestroy");
    }

    /** Waits for everything enqueued; the ring and the staging buffer are free afterwards. */
    void sync() {
        sendRing();
        Cuda.check(CuApi.cuStreamSynchronize(stream), "cuStreamSynchronize");
        ringUsed = 0;
        ringSent = 0;
        stagingBusy = false;
        handles.freeRetired();
    }

    /** What the stream's cleaner frees. */
    private static final class Handles implements Runnable {
        private final CudaDevice device;
        private final long stream;
        private volatile long ringHost;
        private volatile long ringDevice;
        private volatile long staging;
        private final java.util.List<long[]> retired = new java.util.concurrent.CopyOnWriteArrayList<>();

        Handles(CudaDevice device, long stream) {
            this.device = device;
            this.stream = stream;
        }

        void ring(long host, long dev) {
            ringHost = host;
            ringDevice = dev;
        }

        void staging(long host) {
            staging = host;
        }

        void retire(long host, long dev) {
            retired.add(new long[]{host, dev});
        }

        /** Frees the replaced rings (after a sync: nothing reads them any more). */
        void freeRetired() {
            for (long[] r : retired) {
                Cuda.check(CuApi.cuMemFreeHost(r[0]), "cuMemFreeHost");
                Cuda.check(CuApi.cuMemFree_v2(r[1]), "cuMemFree");
            }
            retired.clear();
        }

        @Override
        public void run() {
            device.makeCurrent();
            CuApi.cuStreamSynchronize(stream);
            for (long[] r : retired) {
                CuApi.cuMemFreeHost(r[0]);
                CuApi.cuMemFree_v2(r[1]);
            }
            if (ringHost != 0) {
                CuApi.cuMemFreeHost(ringHost);
                CuApi.cuMemFree_v2(ringDevice);
            }
            if (staging != 0) {
                CuApi.cuMemFreeHost(staging);
            }
            CuApi.cuStreamDestroy_v2(stream);
        }
    }
}
