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
 * key is reused (so training steps create no temporary off-heap arrays, which are only freed when the garbage
 * collector gets to them), and the staging buffer moves to and from the Java array in one bulk copy.
 */
final class HostArrays {
    private final Map<String, INDArray> staging = new HashMap<>();
    private float[] floats = new float[0];

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

    private float[] floats(int length) {
        if (floats.length < length) {
            floats = new float[length];
        }
        return floats;
    }

    /** The elements of {@code a} in C order into {@code out} (reallocated if its length differs); returns it. */
    double[] read(String key, INDArray a, double[] out) {
        int len = (int) a.length();
        double[] dst = out != null && out.length == len ? out : new double[len];
        DataType type = a.dataType() == DataType.DOUBLE ? DataType.DOUBLE : DataType.FLOAT;
        INDArray s = staging(key, type, len);
        s.assign(a.reshape('c', new long[] {len}));
        if (type == DataType.DOUBLE) {
            s.data().asNioDouble().get(dst, 0, len);
        } else {
            float[] f = floats(len);
            s.data().asNioFloat().get(f, 0, len);
            for (int i = 0; i < len; i++) {
                dst[i] = f[i];
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
            b.put(values, 0, values.length);
        } else {
            float[] f = floats(values.length);
            for (int i = 0; i < values.length; i++) {
                f[i] = (float) values[i];
            }
            FloatBuffer b = s.data().asNioFloat();
            b.put(f, 0, values.length);
        }
        target.assign(s.reshape(target.shape()));
    }

    /** {@code values} (C order) into a float32 or float64 {@code target}. */
    void write(String key, float[] values, INDArray target) {
        if (target.dataType() == DataType.DOUBLE) {
            double[] d = new double[values.length];
            for (int i = 0; i < d.length; i++) {
                d[i] = values[i];
            }
            write(key, d, target);
            return;
        }
        INDArray s = staging(key, DataType.FLOAT, values.length);
        s.data().asNioFloat().put(values, 0, values.length);
        target.assign(s.reshape(target.shape()));
    }
}
