package org.dl4jconnectome.kernels;

import org.dl4jconnectome.connectome.CsrMatrix;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Named sparse test matrices covering the kernels' edge cases. */
final class KernelMatrices {
    private KernelMatrices() {
    }

    /** A named matrix; the name shows in parameterized test reports. */
    static final class Case {
        final String name;
        final CsrMatrix matrix;

        Case(String name, CsrMatrix matrix) {
            this.name = name;
            this.matrix = matrix;
        }

        @Override
        public String toString() {
            return name + " " + matrix.rows() + "x" + matrix.cols() + " nnz=" + matrix.nnz();
        }
    }

    /**
     * Random COO triplets with duplicates (summed by CsrMatrix); rows in {@code emptyRows} and columns in
     * {@code emptyCols} get no entries.
     */
    static CsrMatrix random(long seed, int rows, int cols, int entries, int[] emptyRows, int[] emptyCols) {
        Random rnd = new Random(seed);
        boolean[] skipRow = new boolean[rows];
        boolean[] skipCol = new boolean[cols];
        for (int r : emptyRows) {
            skipRow[r] = true;
        }
        for (int c : emptyCols) {
            skipCol[c] = true;
        }
        List<int[]> rc = new ArrayList<>();
        while (rc.size() < entries) {
            int r = rnd.nextInt(rows);
            int c = rnd.nextInt(cols);
            if (!skipRow[r] && !skipCol[c]) {
                rc.add(new int[] {r, c});
                if (rnd.nextInt(5) == 0) {
                    rc.add(new int[] {r, c}); // a duplicate entry
                }
            }
        }
        int n = rc.size();
        int[] ri = new int[n];
        int[] ci = new int[n];
        double[] v = new double[n];
        for (int k = 0; k < n; k++) {
            ri[k] = rc.get(k)[0];
            ci[k] = rc.get(k)[1];
            v[k] = rnd.nextDouble() * 2 - 1;
        }
        return CsrMatrix.fromCoo(rows, cols, ri, ci, v);
    }

    static List<Case> all() {
        List<Case> cases = new ArrayList<>();
        cases.add(new Case("square with empty rows, empty columns, duplicates",
                random(1, 37, 37, 260, new int[] {0, 5, 6, 36}, new int[] {2, 3, 20, 36})));
        cases.add(new Case("wide", random(2, 9, 53, 150, new int[] {4}, new int[] {0, 52})));
        cases.add(new Case("tall", random(3, 48, 7, 120, new int[] {47}, new int[] {3})));
        cases.add(new Case("nearly dense", random(4, 14, 17, 400, new int[0], new int[0])));
        cases.add(new Case("single neuron", CsrMatrix.fromDense(new double[][] {{-0.7}})));
        cases.add(new Case("single row", random(5, 1, 23, 10, new int[0], new int[0])));
        cases.add(new Case("single column", random(6, 19, 1, 8, new int[0], new int[0])));
        cases.add(new Case("no entries", CsrMatrix.fromCoo(6, 9, new int[0], new int[0], new double[0])));
        // Wider than a block may be (column offsets within a block are 16-bit): split even when two blocks would do.
        cases.add(new Case("wider than 65,536 columns", random(7, 3, 70_000, 60, new int[0], new int[0])));
        cases.add(new Case("no columns", CsrMatrix.fromCoo(4, 0, new int[0], new int[0], new double[0])));
        return cases;
    }
}
