package org.dl4jconnectome.cuda;

import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Device memory of one stream: blocks come back (explicitly or when their {@link DeviceArray} is collected) and
 * serve the next request of the same size, so that solve after solve allocates nothing and never calls cuMemFree,
 * which would wait for the whole device. Blocks are only reused by work on the pool's own stream, which runs in
 * order, so a block is never taken while earlier work on it is still pending. All blocks are freed when the pool
 * itself is collected.
 */
final class DevicePool {
    static final Cleaner CLEANER = Cleaner.create();
    private static final long ALIGNMENT = 256;

    private final CudaDevice device;
    private final Blocks blocks;

    DevicePool(CudaDevice device) {
        this.device = device;
        this.blocks = new Blocks(device);
        CLEANER.register(this, blocks);
    }

    /** A block of {@code length} elements of {@code elementBytes} bytes (contents undefined). */
    DeviceArray allocate(long length, int elementBytes) {
        if (length < 0) {
            throw new IllegalArgumentException("length = " + length + ": expected >= 0");
        }
        long bytes = Math.max(ALIGNMENT, (length * elementBytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT);
        Long address = blocks.free.computeIfAbsent(bytes, b -> new ConcurrentLinkedQueue<>()).poll();
        if (address == null) {
            address = fresh(bytes);
        } else {
            blocks.freeBytes.addAndGet(-bytes);
        }
        DeviceArray a = new DeviceArray(address, length, elementBytes, this);
        a.cleanable = CLEANER.register(a, new Return(blocks, bytes, address));
        return a;
    }

    private long fresh(long bytes) {
        device.makeCurrent();
        int r = CuApi.cuMemAlloc_v2(Cuda.scratchAddress(), bytes);
        if (r == Cuda.ERROR_OUT_OF_MEMORY) {
            // Blocks of unreachable arrays may be waiting for the collector: give them back, then use or free them.
            System.gc();
            blocks.releaseFree();
            r = CuApi.cuMemAlloc_v2(Cuda.scratchAddress(), bytes);
        }
        if (r != Cuda.SUCCESS) {
            long[] info = r == Cuda.ERROR_OUT_OF_MEMORY ? device.memoryInfo() : null;
            throw new CudaException(String.format(java.util.Locale.ROOT, "cuMemAlloc of %.1f MB on %s failed: %s%s",
                    bytes / 1e6, device.name, Cuda.describe(r), info == null ? "" : String.format(java.util.Locale.ROOT,
                            " (%.1f of %.1f GB free): use a smaller batch, fewer steps on the tape "
                                    + "(SolverSpec.withCheckpointEvery), or the CPU (-D%s=cpu)", info[0] / 1e9,
                            info[1] / 1e9, org.dl4jconnectome.model.ConnectomeBackend.PROPERTY)), r);
        }
        long address = Cuda.scratch().getLong(0);
        blocks.record(address, bytes);
        return address;
    }

    /** Gives a block back at once (it must not be used afterwards). */
    void release(DeviceArray a) {
        if (a != null) {
            a.cleanable.clean();
        }
    }

    /** Bytes of device memory this pool holds, in use or free. */
    long heldBytes() {
        return blocks.heldBytes.get();
    }

    /** Bytes of device memory this pool holds free for reuse. */
    long freeBytes() {
        return blocks.freeBytes.get();
    }

    /** The blocks of a pool: what its cleaner frees. */
    private static final class Blocks implements Runnable {
        final CudaDevice device;
        final Map<Long, Queue<Long>> free = new ConcurrentHashMap<>();
        final Map<Long, Long> all = new ConcurrentHashMap<>();
        final AtomicLong heldBytes = new AtomicLong();
        final AtomicLong freeBytes = new AtomicLong();

        Blocks(CudaDevice device) {
            this.device = device;
        }

        void record(long address, long bytes) {
            all.put(address, bytes);
            heldBytes.addAndGet(bytes);
        }

        /** Frees the blocks that wait for reuse. */
        void releaseFree() {
            device.makeCurrent();
            for (Map.Entry<Long, Queue<Long>> e : free.entrySet()) {
                Long a;
                while ((a = e.getValue().poll()) != null) {
                    CuApi.cuMemFree_v2(a);
                    all.remove(a);
                    heldBytes.addAndGet(-e.getKey());
                    freeBytes.addAndGet(-e.getKey());
                }
            }
        }

        @Override
        public void run() {
            device.makeCurrent();
            List<Long> addresses = new ArrayList<>(all.keySet());
            for (long a : addresses) {
                CuApi.cuMemFree_v2(a);
            }
            all.clear();
            free.clear();
            heldBytes.set(0);
            freeBytes.set(0);
        }
    }

    /** Puts a block back on its free list; never touches the array itself. */
    private static final class Return implements Runnable {
        private final Blocks blocks;
        private final long bytes;
        private final long address;

        Return(Blocks blocks, long bytes, long address) {
            this.blocks = blocks;
            this.bytes = bytes;
            this.address = address;
        }

        @Override
        public void run() {
            if (blocks.all.containsKey(address)) {
                blocks.free.computeIfAbsent(bytes, b -> new ConcurrentLinkedQueue<>()).add(address);
                blocks.freeBytes.addAndGet(bytes);
            }
        }
    }
}
