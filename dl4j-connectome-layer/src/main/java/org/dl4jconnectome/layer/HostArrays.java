package org.dl4jconnectome.layer;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * Copies between DL4J arrays and Java arrays without allocating per call: one detached, contiguous staging array per
 * key is reused, so that training steps create no temporary off-heap arrays (which are only freed when the garbage
 * collector gets to them, and would make resident memory grow between collections).
 */
final class HostArrays {
    private final Map<String, INDArray> staging = new HashMap<>();

    private INDArray staging(String key, DataType type, long length) {
        INDArray s = staging.get(key);
        if (s == null || s.dataType() != type || s.length() != length) {
            try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                s = Nd4j.createUninitialized(type, length);
            }
            staging.put(key, s);
        }
        return s;
    }

    /** The elements of {@code a} in C order into {@code out} (reallocated if its length differs); returns it. */
    double[] read(String key, INDArray a, double[] out) {
        double[] dst = out != null && out.length == a.length() ? out : new double[(int) a.length()];
        DataType type = a.dataType() == DataType.DOUBLE ? DataType.DOUBLE : DataType.FLOAT;
        INDArray s = staging(key, type, a.length());
        s.assign(a.reshape('c', new long[] {a.length()}));
        if (type == DataType.DOUBLE) {
            DoubleBuffer b = s.data().asNioDouble();
            for (int i = 0; i < dst.length; i++) {
                dst[i] = b.get(i);
            }
        } else {
            FloatBuffer b = s.data().asNioFloat();
            for (int i = 0; i < dst.length; i++) {
                dst[i] = b.get(i);
            }
        }
        return dst;
    }

    /** {@code values} (C order) into {@code target}, converting to its data type. */
    void write(String key, double[] values, INDArray target) {
        DataType type = target.dataType() == DataType.DOUBLE ? DataType.DOUBLE : DataType.FLOAT;
        INDArray s = staging(key, type, values.length);
        if (type == DataType.DOUBLE) {
            DoubleBuffer b = s.data().asNioDouble();
            for (int i = 0; i < values.length; i++) {
                b.put(i, values[i]);
            }
        } else {
            FloatBuffer b = s.data().asNioFloat();
            for (int i = 0; i < values.length; i++) {
                b.put(i, (float) values[i]);
            }
        }
        target.assign(s.reshape(target.shape()));
    }

    /** Drops the staging arrays. */
    void clear() {
        staging.clear();
    }
}
