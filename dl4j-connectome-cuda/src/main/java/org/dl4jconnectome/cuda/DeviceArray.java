package org.dl4jconnectome.cuda;

import java.lang.ref.Cleaner;

/**
 * An array in a GPU's memory: the state handle of {@link CudaStates}, one batch of states (or any other buffer of
 * the backend). Its memory returns to its pool when the handle is no longer reachable, for the next allocation of
 * the same size.
 */
public final class DeviceArray {
    private final long address;
    private final long length;
    private final int elementBytes;
    final DevicePool pool;
    Cleaner.Cleanable cleanable;

    DeviceArray(long address, long length, int elementBytes, DevicePool pool) {
        this.address = address;
        this.length = length;
        this.elementBytes = elementBytes;
        this.pool = pool;
    }

    /** Number of elements. */
    public long length() {
        return length;
    }

    /** Bytes per element: 4 (float32, int) or 8 (float64). */
    public int elementBytes() {
        return elementBytes;
    }

    long address() {
        return address;
    }

    /** The address of element i. */
    long at(long i) {
        return address + i * elementBytes;
    }

    long bytes() {
        return length * elementBytes;
    }

    @Override
    public String toString() {
        return "DeviceArray[" + length + " x " + elementBytes + " bytes]";
    }
}
