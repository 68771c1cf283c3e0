package org.dl4jconnectome.cuda;

import com.sun.jna.Pointer;
import org.dl4jconnectome.kernels.Parallel;

/**
 * Copies between Java arrays and native (pinned) memory, spread over {@link Parallel}'s threads when large: one
 * thread copies a few GB/s, less than the PCIe link, and the arrays of a tutorial-size model are tens of MB.
 */
final class HostCopies {
    /** Elements per parallel chunk. */
    private static final int CHUNK = 1 << 18;
    /** Elements of a float conversion buffer. */
    private static final int CONVERT = 1 << 14;

    private HostCopies() {
    }

    /** native[address + 8i] = src[from + i], i &lt; len. */
    static void write(long address, double[] src, int from, int len) {
        chunks(len, (lo, hi) -> new Pointer(address).write(8L * lo, src, from + lo, hi - lo));
    }

    /** native float[address + 4i] = (float) src[from + i]. */
    static void writeAsFloat(long address, double[] src, int from, int len) {
        chunks(len, (lo, hi) -> {
            float[] buf = new float[Math.min(CONVERT, hi - lo)];
            Pointer p = new Pointer(address);
            for (int c = lo; c < hi; c += buf.length) {
                int n = Math.min(buf.length, hi - c);
                for (int i = 0; i < n; i++) {
                    buf[i] = (float) src[from + c + i];
                }
                p.write(4L * c, buf, 0, n);
            }
        });
    }

    static void write(long address, int[] src, int from, int len) {
        chunks(len, (lo, hi) -> new Pointer(address).write(4L * lo, src, from + lo, hi - lo));
    }

    static void write(long address, byte[] src) {
        new Pointer(address).write(0, src, 0, src.length);
    }

    /** dst[from + i] = native[address + 8i]. */
    static void read(long address, double[] dst, int from, int len) {
        chunks(len, (lo, hi) -> new Pointer(address).read(8L * lo, dst, from + lo, hi - lo));
    }

    static void read(long address, float[] dst, int from, int len) {
        chunks(len, (lo, hi) -> new Pointer(address).read(4L * lo, dst, from + lo, hi - lo));
    }

    /** dst[from + i] = native float[address + 4i]. */
    static void readFloatAsDouble(long address, double[] dst, int from, int len) {
        chunks(len, (lo, hi) -> {
            float[] buf = new float[Math.min(CONVERT, hi - lo)];
            Pointer p = new Pointer(address);
            for (int c = lo; c < hi; c += buf.length) {
                int n = Math.min(buf.length, hi - c);
                p.read(4L * c, buf, 0, n);
                for (int i = 0; i < n; i++) {
                    dst[from + c + i] = buf[i];
                }
            }
        });
    }

    private static void chunks(int len, Parallel.RangeBody body) {
        if (len <= CHUNK) {
            if (len > 0) {
                body.accept(0, len);
            }
            return;
        }
        int parts = (len + CHUNK - 1) / CHUNK;
        Parallel.forEach(parts, p -> body.accept(p * CHUNK, Math.min(len, (p + 1) * CHUNK)));
    }
}
