package org.dl4jconnectome.kernels;

/** Argument checks shared by the kernel implementations: a wrong length must fail here, not corrupt memory. */
final class KernelChecks {
    private KernelChecks() {
    }

    static void product(BlockedCsr a, int values, int x, int y, int batch) {
        positive(batch);
        if (values != a.nnz()) {
            throw new IllegalArgumentException("values has " + values + " entries, expected nnz = " + a.nnz());
        }
        operand("x", x, (long) a.cols() * batch);
        operand("y", y, (long) a.rows() * batch);
    }

    static void outer(BlockedCsr a, int g, int x, int acc, int stride, int width) {
        positive(stride);
        if (width < 0 || width > stride) {
            throw new IllegalArgumentException("width = " + width + ": expected 0.." + stride + " (the stride)");
        }
        operand("g", g, (long) a.rows() * stride);
        operand("x", x, (long) a.cols() * stride);
        if (acc != a.nnz()) {
            throw new IllegalArgumentException("acc has " + acc + " entries, expected nnz = " + a.nnz());
        }
    }

    private static void positive(int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch = " + batch + ": expected at least 1");
        }
    }

    private static void operand(String name, int length, long expected) {
        if (length < expected) {
            throw new IllegalArgumentException(name + " has " + length + " entries, expected at least " + expected);
        }
    }
}
