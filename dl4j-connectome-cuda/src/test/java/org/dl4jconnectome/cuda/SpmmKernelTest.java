package org.dl4jconnectome.cuda;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sparse product kernel on the emulated device against a dense float64 product. */
class SpmmKernelTest {

    @ParameterizedTest(name = "rows {0}, batch {1}, float32 {2}, accumulate {3}")
    @CsvSource({"37, 1, false, false", "37, 3, false, true", "50, 8, true, false", "29, 33, false, false",
            "70, 40, true, true", "5, 7, false, false"})
    void productMatchesDense(int rows, int batch, boolean single, boolean accumulate) {
        CudaDevice d = Emulator.device();
        CudaStream s = new CudaStream(d);
        SplittableRandom rnd = new SplittableRandom(rows * 31L + batch);
        // Rows of every length up to 70 entries, some empty: exercises the 32-entry chunks and idle groups.
        int[] ptr = new int[rows + 1];
        java.util.List<Integer> cols = new java.util.ArrayList<>();
        for (int r = 0; r < rows; r++) {
            int len = r % 5 == 0 ? 0 : rnd.nextInt(Math.min(rows, 70) + 1);
            java.util.TreeSet<Integer> set = new java.util.TreeSet<>();
            while (set.size() < len) {
                set.add(rnd.nextInt(rows));
            }
            cols.addAll(set);
            ptr[r + 1] = cols.size();
        }
        int nnz = cols.size();
        int[] col = cols.stream().mapToInt(Integer::intValue).toArray();
        double[] val = new double[nnz];
        for (int i = 0; i < nnz; i++) {
            val[i] = rnd.nextDouble() * 2 - 1;
        }
        double[] x = new double[rows * batch];
        double[] y0 = new double[rows * batch];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextDouble() * 2 - 1;
            y0[i] = rnd.nextDouble();
        }
        double[] expected = new double[rows * batch];
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < batch; b++) {
                double acc = accumulate ? y0[r * batch + b] : 0;
                for (int k = ptr[r]; k < ptr[r + 1]; k++) {
                    acc += val[k] * x[col[k] * batch + b];
                }
                expected[r * batch + b] = acc;
            }
        }
        int bytes = single ? 4 : 8;
        DeviceArray rp = s.pool.allocate(rows + 1, 4);
        DeviceArray cd = s.pool.allocate(Math.max(1, nnz), 4);
        DeviceArray vd = s.pool.allocate(Math.max(1, nnz), bytes);
        DeviceArray xd = s.pool.allocate(x.length, bytes);
        DeviceArray yd = s.pool.allocate(x.length, bytes);
        s.upload(rp, ptr);
        s.upload(cd, col);
        if (single) {
            s.uploadAsFloat(vd, val);
            s.uploadAsFloat(xd, x);
            s.uploadAsFloat(yd, y0);
        } else {
            s.upload(vd, val);
            s.upload(xd, x);
            s.upload(yd, y0);
        }
        Kernel k = Kernel.of(d, Kernel.typed("spmm", single));
        s.launch(k).i32(rows).i32(batch).ptr(rp).ptr(cd).ptr(vd).ptr(xd).i64(batch).ptr(yd).i32(accumulate ? 1 : 0)
                .i32(LaunchPlan.lanesPerSample(batch)).go(LaunchPlan.warpPerRowBlocks(rows));
        double[] got = new double[x.length];
        s.download(got, yd.address(), x.length, single);
        double tol = single ? 1e-5 : 1e-13;
        long start = s.event();
        long end = s.event();
        s.record(start);
        s.record(end);
        assertTrue(s.elapsed(start, end) >= 0, "event time");
        CudaStream.destroy(start);
        CudaStream.destroy(end);
        for (int i = 0; i < got.length; i++) {
            assertEquals(expected[i], got[i], tol * (1 + Math.abs(expected[i])), "element " + i);
        }
    }
}
