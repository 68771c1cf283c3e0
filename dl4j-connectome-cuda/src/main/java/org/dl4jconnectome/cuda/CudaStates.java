package org.dl4jconnectome.cuda;

import org.dl4jconnectome.ode.IntegralController;
import org.dl4jconnectome.ode.StateBackend;

import java.util.ArrayList;
import java.util.List;

/**
 * The states of a batch in a GPU's memory, float32 or float64, batch-innermost like the host backends (state i of
 * sample b at i · B + b): every operation of {@link StateBackend} is one kernel (or a copy) on the field's stream,
 * so the solvers run unchanged. What the solvers need on the host per step comes back as B values: the
 * non-finite flags of a step's combination, the error ratios, the norms of the initial step. The evaluation points
 * read into host arrays go to a device copy of each array and come back in one transfer per solve
 * ({@link #awaitReads()}); the cotangents of the points go up once per reverse pass (when its last point, the first
 * one the reverse pass adds, is added, or whenever another array is given).
 * <p>
 * Sums and norms accumulate in float64. Not thread-safe: one solve at a time, as the field.
 */
public final class CudaStates implements StateBackend<DeviceArray> {
    private final CudaStream s;
    private final int n;
    private final int batch;
    private final int elements;
    private final boolean single;
    private final int elementBytes;

    private final Kernel combine;
    private final Kernel spread;
    private final Kernel copySamples;
    private final Kernel fill;
    private final Kernel errorPartials;
    private final Kernel rmsPartials;
    private final Kernel reducePartials;
    private final Kernel readPointToFloat;
    private final Kernel readPointToDouble;
    private final Kernel addPoint;

    private final DeviceArray flags;
    private final DeviceArray partials;
    private final DeviceArray sums;
    private final int reductionX;
    private final int reductionY;
    private final long[] addresses = new long[8];
    private final int[] flagsHost;
    private final double[] sumsHost;

    private int[] readRowsKey;
    private DeviceArray readRows;
    private final List<Pending> pending = new ArrayList<>();

    private int[] addRowsKey;
    private int addTargetCount;
    private DeviceArray addTargets;
    private DeviceArray addOffsets;
    private DeviceArray addSources;
    private double[] cotangentKey;
    private DeviceArray cotangents;

    CudaStates(CudaStream stream, int size, int batch, boolean single) {
        if (size < 1 || batch < 1) {
            throw new IllegalArgumentException("size = " + size + ", batch = " + batch + ": expected at least 1 each");
        }
        if ((long) size * batch > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("size x batch = " + size + " x " + batch + " states: more than an "
                    + "array holds (2^31 - 9)");
        }
        this.s = stream;
        this.n = size;
        this.batch = batch;
        this.elements = size * batch;
        this.single = single;
        this.elementBytes = single ? 4 : 8;
        CudaDevice d = stream.device;
        this.combine = Kernel.of(d, Kernel.typed("combine", single));
        this.spread = Kernel.of(d, Kernel.typed("spread", single));
        this.copySamples = Kernel.of(d, Kernel.typed("copy_samples", single));
        this.fill = Kernel.of(d, Kernel.typed("fill", single));
        this.errorPartials = Kernel.of(d, Kernel.typed("error_partials", single));
        this.rmsPartials = Kernel.of(d, Kernel.typed("rms_partials", single));
        this.reducePartials = Kernel.of(d, "reduce_partials");
        this.readPointToFloat = Kernel.of(d, "read_point_" + (single ? "f32" : "f64") + "_f32");
        this.readPointToDouble = Kernel.of(d, "read_point_" + (single ? "f32" : "f64") + "_f64");
        this.addPoint = Kernel.of(d, Kernel.typed("add_point", single));
        this.flags = s.pool.allocate(batch, 4);
        this.reductionX = LaunchPlan.reductionBlocksX(size, batch);
        this.reductionY = LaunchPlan.reductionBlocksY(batch);
        this.partials = s.pool.allocate((long) reductionX * batch, 8);
        this.sums = s.pool.allocate(batch, 8);
        this.flagsHost = new int[batch];
        this.sumsHost = new double[batch];
    }

    @Override
    public int size() {
        return n;
    }

    @Override
    public int batch() {
        return batch;
    }

    /** Whether the states are float32. */
    public boolean isFloat32() {
        return single;
    }

    @Override
    public DeviceArray allocate() {
        s.device.makeCurrent();
        DeviceArray a = s.pool.allocate(elements, elementBytes);
        s.zero(a);
        return a;
    }

    @Override
    public DeviceArray[] handleArray(int length) {
        return new DeviceArray[length];
    }

    /** @throws IllegalArgumentException unless a is a state batch of this backend's size and precision */
    DeviceArray check(DeviceArray a, String name) {
        if (a == null) {
            throw new IllegalArgumentException(name + " is null: expected a state batch of this backend");
        }
        if (a.length() != elements || a.elementBytes() != elementBytes || a.pool != s.pool) {
            throw new IllegalArgumentException(name + " is " + a + ": expected a state batch of this backend ("
                    + n + " x " + batch + " " + (single ? "float32" : "float64") + " values)");
        }
        return a;
    }

    private void checkSamples(boolean[] samples, String name) {
        if (samples != null && samples.length != batch) {
            throw new IllegalArgumentException(name + " has " + samples.length + " entries, expected one per sample ("
                    + batch + ")");
        }
    }

    private void checkWeights(double[][] w, int count) {
        if (count < 0 || count > w.length) {
            throw new IllegalArgumentException("count = " + count + ": expected 0.." + w.length + " (the weight rows)");
        }
        for (int j = 0; j < count; j++) {
            if (w[j].length < batch) {
                throw new IllegalArgumentException("weights row " + j + " has " + w[j].length
                        + " entries, expected one per sample (" + batch + ")");
            }
        }
    }

    @Override
    public void copy(DeviceArray src, DeviceArray dst) {
        check(src, "src");
        check(dst, "dst");
        if (src != dst) {
            s.device.makeCurrent();
            s.copy(src, dst, src.bytes());
        }
    }

    @Override
    public void copySamples(DeviceArray src, DeviceArray dst, boolean[] samples) {
        check(src, "src");
        check(dst, "dst");
        checkSamples(samples, "samples");
        s.device.makeCurrent();
        int selected = count(samples);
        if (selected == 0 || src == dst) {
            return;
        }
        if (selected == batch) {
            s.copy(src, dst, src.bytes());
            return;
        }
        s.launch(copySamples).ptr(dst).ptr(src).i32(elements).i32(batch).ptr(s.mask(samples))
                .go(LaunchPlan.stridedBlocks(elements));
    }

    private static int count(boolean[] samples) {
        int c = 0;
        for (boolean b : samples) {
            c += b ? 1 : 0;
        }
        return c;
    }

    @Override
    public void fill(DeviceArray dst, double value) {
        check(dst, "dst");
        s.device.makeCurrent();
        if (Double.doubleToRawLongBits(value) == 0L) {
            s.zero(dst);
        } else {
            s.launch(fill).ptr(dst).i32(elements).f64(value).go(LaunchPlan.stridedBlocks(elements));
        }
    }

    /** Whether every sample has the same weights in rows [from, from + count). */
    private boolean uniform(double[][] w, int from, int count) {
        for (int j = from; j < from + count; j++) {
            for (int b = 1; b < batch; b++) {
                if (Double.compare(w[j][b], w[j][0]) != 0) {
                    return false;
                }
            }
        }
        return true;
    }

    @Override
    public void combine(DeviceArray dst, DeviceArray src, double[][] w, DeviceArray[] k, int count,
                        boolean[] samples, boolean[] finite) {
        check(dst, "dst");
        if (src != null) {
            check(src, "src");
        }
        checkWeights(w, count);
        checkSamples(samples, "samples");
        if (finite != null && finite.length != batch) {
            throw new IllegalArgumentException("finite has " + finite.length + " entries, expected one per sample ("
                    + batch + ")");
        }
        s.device.makeCurrent();
        long mask = samples == null ? 0 : s.mask(samples);
        if (finite != null) {
            s.zero(flags);
        }
        // Eight terms per launch; later launches add to what the first wrote.
        int from = 0;
        DeviceArray base = src;
        do {
            int c = Math.min(8, count - from);
            for (int j = 0; j < c; j++) {
                addresses[j] = check(k[from + j], "k[" + (from + j) + "]").address();
            }
            boolean last = from + c >= count;
            boolean same = uniform(w, from, c);
            s.launch(combine).ptr(dst).ptr(base).i32(elements).i32(batch).i32(c).ptrs(addresses, 0, c)
                    .ptr(same ? 0 : s.perSample(w, from, c, batch)).weights(w, from, same ? c : 0).ptr(mask)
                    .ptr(last && finite != null ? flags.address() : 0).go(LaunchPlan.stridedBlocks(elements));
            base = dst;
            from += c;
        } while (from < count);
        if (finite != null) {
            s.download(flagsHost, flags.address(), batch);
            for (int b = 0; b < batch; b++) {
                finite[b] = flagsHost[b] == 0;
            }
        }
    }

    @Override
    public void spread(DeviceArray x, double[][] w, DeviceArray[] dst, int count) {
        check(x, "x");
        checkWeights(w, count);
        s.device.makeCurrent();
        for (int from = 0; from < count; from += 8) {
            int c = Math.min(8, count - from);
            for (int j = 0; j < c; j++) {
                addresses[j] = check(dst[from + j], "dst[" + (from + j) + "]").address();
            }
            boolean same = uniform(w, from, c);
            s.launch(spread).ptr(x).i32(elements).i32(batch).i32(c).ptrs(addresses, 0, c)
                    .ptr(same ? 0 : s.perSample(w, from, c, batch)).weights(w, from, same ? c : 0)
                    .go(LaunchPlan.stridedBlocks(elements));
        }
    }

    @Override
    public void errorRatios(DeviceArray y, DeviceArray yNew, double[] h, double[] e, DeviceArray[] k, int count,
                            IntegralController c, boolean[] samples, double[] ratio) {
        check(y, "y");
        check(yNew, "yNew");
        if (count < 0 || count > 8) {
            throw new IllegalArgumentException("count = " + count + ": the CUDA error estimate takes at most 8 stages");
        }
        if (h.length != batch || ratio.length != batch || e.length < count) {
            throw new IllegalArgumentException("h and ratio need one entry per sample (" + batch + "), e one per stage ("
                    + count + "): got " + h.length + ", " + ratio.length + ", " + e.length);
        }
        checkSamples(samples, "samples");
        s.device.makeCurrent();
        for (int j = 0; j < count; j++) {
            addresses[j] = check(k[j], "k[" + j + "]").address();
        }
        s.launch(errorPartials).i32(n).i32(batch).ptr(y).ptr(yNew).i32(count).ptrs(addresses, 0, count)
                .weights(e, count).ptr(s.values(h, batch)).f64(c.atol()).f64(c.rtol()).ptr(partials)
                .go(reductionX, reductionY);
        reduce();
        for (int b = 0; b < batch; b++) {
            ratio[b] = samples == null || samples[b] ? c.ratio(sumsHost[b], n) : 0.0;
        }
    }

    @Override
    public void scaledRms(DeviceArray x, DeviceArray ref, IntegralController c, double[] rms) {
        check(x, "x");
        check(ref, "ref");
        if (rms.length != batch) {
            throw new IllegalArgumentException("rms has " + rms.length + " entries, expected one per sample (" + batch
                    + ")");
        }
        s.device.makeCurrent();
        s.launch(rmsPartials).i32(n).i32(batch).ptr(x).ptr(ref).f64(c.atol()).f64(c.rtol()).ptr(partials)
                .go(reductionX, reductionY);
        reduce();
        for (int b = 0; b < batch; b++) {
            rms[b] = Math.sqrt(sumsHost[b] / n);
        }
    }

    /** Sums the partials of a reduction into sumsHost. */
    private void reduce() {
        s.launch(reducePartials).ptr(partials).i32(reductionX).i32(batch).ptr(sums)
                .go(LaunchPlan.threadPerItemBlocks(batch));
        s.download(sumsHost, sums.address(), batch);
    }

    /** A host array of evaluation points with its device copy and the (point, sample) pairs written to it. */
    private static final class Pending {
        final Object host;
        final DeviceArray device;
        final int points;
        final boolean[][] written;

        Pending(Object host, DeviceArray device, int points, int batch) {
            this.host = host;
            this.device = device;
            this.points = points;
            this.written = new boolean[points][batch];
        }
    }

    private void checkRows(int[] rows, int point, int points, int outLength) {
        if (points < 1 || point < 0 || point >= points) {
            throw new IllegalArgumentException("point = " + point + " of " + points + ": expected 0 <= point < points");
        }
        if ((long) batch * rows.length * points != outLength) {
            throw new IllegalArgumentException("the array has " + outLength + " entries, expected B x rows x points = "
                    + batch + " x " + rows.length + " x " + points);
        }
    }

    private DeviceArray rowsForRead(int[] rows, int point) {
        if (rows != readRowsKey || point == 0) {
            for (int r : rows) {
                if (r < 0 || r >= n) {
                    throw new IllegalArgumentException("row " + r + " is out of range: expected 0.." + (n - 1));
                }
            }
            s.pool.release(readRows);
            readRows = null;
            if (!isIdentity(rows)) {
                readRows = s.pool.allocate(rows.length, 4);
                s.upload(readRows, rows);
            }
            readRowsKey = rows;
        }
        return readRows;
    }

    private boolean isIdentity(int[] rows) {
        if (rows.length != n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (rows[i] != i) {
                return false;
            }
        }
        return true;
    }

    private Pending pendingFor(Object host, int length, int points, boolean toFloat) {
        for (Pending p : pending) {
            if (p.host == host) {
                return p;
            }
        }
        Pending p = new Pending(host, s.pool.allocate(length, toFloat ? 4 : 8), points, batch);
        pending.add(p);
        return p;
    }

    @Override
    public void readPoint(DeviceArray state, int[] rows, int point, int points, boolean[] samples, double[] out) {
        read(state, rows, point, points, samples, out, out.length, false);
    }

    @Override
    public void readPoint(DeviceArray state, int[] rows, int point, int points, boolean[] samples, float[] out) {
        read(state, rows, point, points, samples, out, out.length, true);
    }

    private void read(DeviceArray state, int[] rows, int point, int points, boolean[] samples, Object out,
                      int length, boolean toFloat) {
        check(state, "state");
        checkRows(rows, point, points, length);
        checkSamples(samples, "samples");
        if (rows.length == 0) {
            return;
        }
        s.device.makeCurrent();
        DeviceArray r = rowsForRead(rows, point);
        Pending p = pendingFor(out, length, points, toFloat);
        s.launch(toFloat ? readPointToFloat : readPointToDouble).ptr(state).i32(batch).ptr(r).i32(rows.length)
                .i32(point).i32(points).ptr(samples == null ? 0 : s.mask(samples)).ptr(p.device)
                .go(LaunchPlan.stridedBlocks((long) rows.length * batch));
        for (int b = 0; b < batch; b++) {
            p.written[point][b] |= samples == null || samples[b];
        }
    }

    /**
     * Brings the evaluation points read since the last call into their host arrays: one transfer per array when
     * every (point, sample) was written, as the solvers do; only the written ones otherwise.
     */
    @Override
    public void awaitReads() {
        if (pending.isEmpty()) {
            return;
        }
        s.device.makeCurrent();
        try {
            for (Pending p : pending) {
                boolean all = true;
                for (boolean[] row : p.written) {
                    for (boolean w : row) {
                        all &= w;
                    }
                }
                int length = (int) p.device.length();
                long host = s.deviceToStaged(p.device.address(), p.device.bytes());
                if (all) {
                    if (p.host instanceof float[]) {
                        HostCopies.read(host, (float[]) p.host, 0, length);
                    } else {
                        HostCopies.read(host, (double[]) p.host, 0, length);
                    }
                } else {
                    copyWritten(p, host, length);
                }
            }
        } finally {
            for (Pending p : pending) {
                s.pool.release(p.device);
            }
            pending.clear();
        }
    }

    /** Copies only the written (point, sample) pairs of a device copy into its host array. */
    private void copyWritten(Pending p, long host, int length) {
        int m = length / (batch * p.points);
        com.sun.jna.Pointer src = new com.sun.jna.Pointer(host);
        for (int b = 0; b < batch; b++) {
            for (int point = 0; point < p.points; point++) {
                if (!p.written[point][b]) {
                    continue;
                }
                for (int o = 0; o < m; o++) {
                    int e = (b * m + o) * p.points + point;
                    if (p.host instanceof float[]) {
                        ((float[]) p.host)[e] = src.getFloat(4L * e);
                    } else {
                        ((double[]) p.host)[e] = src.getDouble(8L * e);
                    }
                }
            }
        }
    }

    @Override
    public void addPoint(double[] in, int[] rows, int point, int points, DeviceArray state) {
        check(state, "state");
        checkRows(rows, point, points, in.length);
        if (rows.length == 0) {
            return;
        }
        s.device.makeCurrent();
        if (rows != addRowsKey || point == points - 1) {
            prepareTargets(rows);
        }
        if (in != cotangentKey || point == points - 1) {
            if (cotangents == null || cotangents.length() != in.length) {
                s.pool.release(cotangents);
                cotangents = s.pool.allocate(in.length, 8);
            }
            s.upload(cotangents, in);
            cotangentKey = in;
        }
        s.launch(addPoint).ptr(cotangents).i32(batch).ptr(addTargets).ptr(addOffsets).ptr(addSources)
                .i32(addTargetCount).i32(rows.length).i32(point).i32(points).ptr(state)
                .go(LaunchPlan.stridedBlocks((long) addTargetCount * batch));
    }

    /** The targets of a row selection, each with the selections that name it (none for the identity). */
    private void prepareTargets(int[] rows) {
        for (int r : rows) {
            if (r < 0 || r >= n) {
                throw new IllegalArgumentException("row " + r + " is out of range: expected 0.." + (n - 1));
            }
        }
        s.pool.release(addTargets);
        s.pool.release(addOffsets);
        s.pool.release(addSources);
        addTargets = null;
        addOffsets = null;
        addSources = null;
        if (isIdentity(rows)) {
            addTargetCount = n;
        } else {
            int[] countOf = new int[n];
            for (int r : rows) {
                countOf[r]++;
            }
            int targets = 0;
            for (int c : countOf) {
                targets += c > 0 ? 1 : 0;
            }
            int[] target = new int[targets];
            int[] offsets = new int[targets + 1];
            int[] start = new int[n];
            int t = 0;
            int at = 0;
            for (int r = 0; r < n; r++) {
                if (countOf[r] > 0) {
                    target[t] = r;
                    offsets[t] = at;
                    start[r] = at;
                    at += countOf[r];
                    t++;
                }
            }
            offsets[targets] = at;
            int[] sources = new int[rows.length];
            for (int o = 0; o < rows.length; o++) {
                sources[start[rows[o]]++] = o;
            }
            addTargetCount = targets;
            addTargets = s.pool.allocate(targets, 4);
            addOffsets = s.pool.allocate(targets + 1, 4);
            addSources = s.pool.allocate(rows.length, 4);
            s.upload(addTargets, target);
            s.upload(addOffsets, offsets);
            s.upload(addSources, sources);
        }
        addRowsKey = rows;
    }

    @Override
    public void read(DeviceArray src, double[] dst) {
        check(src, "src");
        if (dst.length != elements) {
            throw new IllegalArgumentException("dst has " + dst.length + " entries, expected " + elements);
        }
        s.device.makeCurrent();
        s.download(dst, src.address(), elements, single);
    }

    @Override
    public void write(double[] src, DeviceArray dst) {
        check(dst, "dst");
        if (src.length != elements) {
            throw new IllegalArgumentException("src has " + src.length + " entries, expected " + elements);
        }
        s.device.makeCurrent();
        if (single) {
            s.uploadAsFloat(dst, src);
        } else {
            s.upload(dst, src);
        }
    }

    @Override
    public String toString() {
        return "CudaStates[" + n + " x " + batch + (single ? " float32" : " float64") + " on " + s.device.name + "]";
    }

}
