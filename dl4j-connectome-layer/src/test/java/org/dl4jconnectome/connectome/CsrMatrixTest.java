package org.dl4jconnectome.connectome;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CsrMatrixTest {

    /** Dense accumulation of COO triplets: the reference for sorting and duplicate summing. */
    private static double[][] denseOf(int rows, int cols, int[] r, int[] c, double[] v) {
        double[][] d = new double[rows][cols];
        for (int k = 0; k < r.length; k++) {
            d[r[k]][c[k]] += v[k];
        }
        return d;
    }

    /** Checks the CSR invariants: pointers from 0 to nnz, non-decreasing; columns strictly increasing per row. */
    private static void assertWellFormed(CsrMatrix m) {
        int[] ptr = m.rowPointers();
        int[] col = m.columnIndices();
        assertEquals(m.rows() + 1, ptr.length);
        assertEquals(0, ptr[0]);
        assertEquals(m.nnz(), ptr[m.rows()]);
        assertEquals(m.nnz(), col.length);
        assertEquals(m.nnz(), m.values().length);
        for (int r = 0; r < m.rows(); r++) {
            assertTrue(ptr[r] <= ptr[r + 1], "row pointers must not decrease");
            assertEquals(ptr[r + 1] - ptr[r], m.rowLength(r));
            for (int k = ptr[r]; k < ptr[r + 1]; k++) {
                assertTrue(col[k] >= 0 && col[k] < m.cols());
                if (k > ptr[r]) {
                    assertTrue(col[k - 1] < col[k], "columns must be strictly increasing within row " + r);
                }
            }
        }
    }

    private static void assertDenseEquals(double[][] expected, CsrMatrix m) {
        assertEquals(expected.length, m.rows());
        for (int r = 0; r < expected.length; r++) {
            assertEquals(expected[r].length, m.cols());
            for (int c = 0; c < expected[r].length; c++) {
                assertEquals(expected[r][c], m.get(r, c), 1e-14, "(" + r + ", " + c + ")");
            }
        }
    }

    @Test
    void aHugeDeclaredShapeIsRefusedBeforeAllocating() {
        // Three entries in a 2e9 x 2e9 matrix: the row pointers alone would take 8 GB.
        int n = 2_000_000_000;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CsrMatrix.fromCoo(n, n, new int[] {0, 1, 2}, new int[] {2, 1, 0}, new double[] {1, 2, 3}));
        assertTrue(e.getMessage().startsWith("a 2000000000 x 2000000000 matrix with 3 entries needs 24.0 GB to "
                + "build, more than the whole Java heap ("), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CsrMatrix.requireBuildable(n, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> CsrMatrix.requireBuildable(1, 1, Long.MAX_VALUE / 2));
        CsrMatrix.requireBuildable(47_521, 47_521, 4_623_254);
    }

    @Test
    void dimensionsWhoseRowPointersOverflowAreRefused() {
        // rows + 1 row pointers used to overflow into a negative array size.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CsrMatrix.fromCoo(Integer.MAX_VALUE, 1, new int[0], new int[0], new double[0]));
        assertEquals("matrix shape 2147483647x1 is too large: at most 2147483638 rows and columns are supported (the "
                + "row pointers are one Java array)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CsrMatrix.fromCsr(Integer.MAX_VALUE, 1, new int[] {0}, new int[0], new double[0]));
        assertTrue(e.getMessage().contains("is too large"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CsrMatrix.requireBuildable(-1, 1, 0));
    }

    @Test
    void aDeserializedStreamIsCheckedLikeTheFactories() throws Exception {
        // Two matrices that differ in one column index serialize alike but there: edit it out of range.
        CsrMatrix a = CsrMatrix.fromCoo(2, 3, new int[] {0, 1}, new int[] {1, 0}, new double[] {1, 2});
        CsrMatrix b = CsrMatrix.fromCoo(2, 3, new int[] {0, 1}, new int[] {1, 2}, new double[] {1, 2});
        byte[] sa = NeuronTypesTest.serialize(a);
        byte[] sb = NeuronTypesTest.serialize(b);
        assertEquals(sa.length, sb.length);
        int at = 0;
        while (sa[at] == sb[at]) {
            at++;
        }
        assertEquals(a, NeuronTypesTest.deserialize(sa));
        java.nio.ByteBuffer.wrap(sa, at - 3, 4).putInt(1_000_000_000);
        java.io.InvalidObjectException e = assertThrows(java.io.InvalidObjectException.class,
                () -> NeuronTypesTest.deserialize(sa));
        assertEquals("corrupt serialized CsrMatrix: colIdx[1] = 1000000000 is out of range: expected 0..2",
                e.getMessage());
    }

    @Test
    void fromCooSortsAndSumsDuplicates() {
        int[] r = {2, 0, 2, 1, 0, 2, 0};
        int[] c = {1, 3, 0, 2, 3, 1, 0};
        double[] v = {1.5, 2.0, -1.0, 4.0, 0.25, 0.5, 7.0};
        CsrMatrix m = CsrMatrix.fromCoo(3, 4, r, c, v);
        assertWellFormed(m);
        // (0,3) and (2,1) appear twice: 7 triplets, 5 distinct positions.
        assertEquals(5, m.nnz());
        assertArrayEquals(new int[] {0, 2, 3, 5}, m.rowPointers());
        assertArrayEquals(new int[] {0, 3, 2, 0, 1}, m.columnIndices());
        assertArrayEquals(new double[] {7.0, 2.25, 4.0, -1.0, 2.0}, m.values(), 0);
        assertArrayEquals(new int[] {0, 0, 1, 2, 2}, m.rowIndices());
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void fromCooMatchesDenseAccumulationOnRandomTriplets(long seed) {
        Random rnd = new Random(seed);
        int rows = 1 + rnd.nextInt(12);
        int cols = 1 + rnd.nextInt(12);
        int n = rnd.nextInt(3 * rows * cols);
        int[] r = new int[n];
        int[] c = new int[n];
        double[] v = new double[n];
        for (int k = 0; k < n; k++) {
            r[k] = rnd.nextInt(rows);
            c[k] = rnd.nextInt(cols);
            v[k] = rnd.nextGaussian();
        }
        CsrMatrix m = CsrMatrix.fromCoo(rows, cols, r, c, v);
        assertWellFormed(m);
        assertDenseEquals(denseOf(rows, cols, r, c, v), m);
        boolean[][] present = new boolean[rows][cols];
        int distinct = 0;
        for (int k = 0; k < n; k++) {
            if (!present[r[k]][c[k]]) {
                present[r[k]][c[k]] = true;
                distinct++;
            }
        }
        assertEquals(distinct, m.nnz(), "one stored entry per distinct (row, column)");
    }

    @Test
    void explicitZerosAreKeptAsStoredEntries() {
        // A stored zero is a synapse that training may strengthen, also when duplicates cancel.
        CsrMatrix m = CsrMatrix.fromCoo(2, 2, new int[] {0, 1, 1}, new int[] {1, 0, 0}, new double[] {0.0, 1.5, -1.5});
        assertEquals(2, m.nnz());
        assertArrayEquals(new double[] {0.0, 0.0}, m.values(), 0);
        assertArrayEquals(new int[] {0, 1, 2}, m.rowPointers());
    }

    @Test
    void emptyMatrices() {
        CsrMatrix zero = CsrMatrix.fromCoo(0, 0, new int[0], new int[0], new double[0]);
        assertEquals(0, zero.rows());
        assertEquals(0, zero.nnz());
        assertArrayEquals(new int[] {0}, zero.rowPointers());
        CsrMatrix noEntries = CsrMatrix.fromCoo(3, 5, new int[0], new int[0], new double[0]);
        assertWellFormed(noEntries);
        assertArrayEquals(new int[] {0, 0, 0, 0}, noEntries.rowPointers());
        assertEquals(0.0, noEntries.get(2, 4));
        CsrMatrix noCols = CsrMatrix.fromCoo(3, 0, new int[0], new int[0], new double[0]);
        assertEquals(0, noCols.cols());
        assertEquals(5, noEntries.transpose().rows());
        assertEquals(3, noEntries.transpose().cols());
    }

    @Test
    void fromCsrSortsAndSumsWithinRows() {
        // Row 0 lists columns 3, 1, 3 (unsorted with a repeat); row 1 is empty; row 2 lists 2, 0.
        int[] ptr = {0, 3, 3, 5};
        int[] col = {3, 1, 3, 2, 0};
        double[] v = {1.0, 2.0, 0.5, -3.0, 4.0};
        CsrMatrix m = CsrMatrix.fromCsr(3, 4, ptr, col, v);
        assertWellFormed(m);
        assertDenseEquals(new double[][] {{0, 2, 0, 1.5}, {0, 0, 0, 0}, {4, 0, -3, 0}}, m);
        assertEquals(CsrMatrix.fromCoo(3, 4, new int[] {0, 0, 0, 2, 2}, col, v), m);
    }

    @Test
    void fromCsrRejectsInconsistentArrays() {
        int[] col = {0, 1};
        double[] v = {1, 2};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CsrMatrix.fromCsr(2, 2, new int[] {0, 2}, col, v));
        assertTrue(e.getMessage().contains("rowPtr has 2 entries"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CsrMatrix.fromCsr(2, 2, new int[] {1, 1, 2}, col, v));
        assertTrue(e.getMessage().contains("rowPtr[0] = 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CsrMatrix.fromCsr(2, 2, new int[] {0, 1, 3}, col, v));
        assertTrue(e.getMessage().contains("rowPtr[rows] = 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CsrMatrix.fromCsr(2, 2, new int[] {0, 1, 2}, col, new double[] {1}));
        assertTrue(e.getMessage().contains("inconsistent CSR arrays"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CsrMatrix.fromCsr(3, 2, new int[] {0, 2, 1, 2}, col, v));
        assertTrue(e.getMessage().contains("non-decreasing"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CsrMatrix.fromCsr(2, 2, new int[] {0, 1, 2}, new int[] {0, 2}, v));
        assertTrue(e.getMessage().contains("colIdx[1] = 2 is out of range"), e.getMessage());
    }

    @Test
    void fromCooValidationNamesTheOffendingEntry() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CsrMatrix.fromCoo(2, 2, new int[] {0, 1}, new int[] {0}, new double[] {1, 2}));
        assertTrue(e.getMessage().contains("equal lengths"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CsrMatrix.fromCoo(2, 3, new int[] {0, 1, 2}, new int[] {0, 0, 0}, new double[] {1, 2, 3}));
        assertTrue(e.getMessage().contains("rowIdx[2] = 2 is out of range: expected 0..1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CsrMatrix.fromCoo(2, 3, new int[] {0, 1}, new int[] {0, -1}, new double[] {1, 2}));
        assertTrue(e.getMessage().contains("colIdx[1] = -1 is out of range"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CsrMatrix.fromCoo(2, 3, new int[] {0, 1}, new int[] {0, 2}, new double[] {1, Double.NaN}));
        assertTrue(e.getMessage().contains("not finite") && e.getMessage().contains("row 1, column 2"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> CsrMatrix.fromCoo(1, 1, new int[] {0}, new int[] {0}, new double[] {Double.POSITIVE_INFINITY}));
        e = assertThrows(IllegalArgumentException.class,
                () -> CsrMatrix.fromCoo(-1, 3, new int[0], new int[0], new double[0]));
        assertTrue(e.getMessage().contains("non-negative"), e.getMessage());
        assertThrows(NullPointerException.class, () -> CsrMatrix.fromCoo(1, 1, null, new int[0], new double[0]));
    }

    @Test
    void fromDenseKeepsNonZerosAndRoundTrips() {
        double[][] d = {{0, 1.5, 0, -2}, {0, 0, 0, 0}, {3, 0, 0.25, 0}};
        CsrMatrix m = CsrMatrix.fromDense(d);
        assertWellFormed(m);
        assertEquals(4, m.nnz());
        double[][] back = m.toDense();
        for (int r = 0; r < d.length; r++) {
            assertArrayEquals(d[r], back[r], 0);
        }
        assertEquals(0, CsrMatrix.fromDense(new double[0][]).rows());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CsrMatrix.fromDense(new double[][] {{1, 2}, {3}}));
        assertTrue(e.getMessage().contains("dense row 1 has 1 columns"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CsrMatrix.fromDense(new double[][] {{1, Double.NaN}}));
    }

    @ParameterizedTest
    @ValueSource(longs = {11, 12, 13})
    void transposeMatchesDenseTranspose(long seed) {
        Random rnd = new Random(seed);
        int rows = 1 + rnd.nextInt(9);
        int cols = 1 + rnd.nextInt(9);
        double[][] d = new double[rows][cols];
        for (double[] row : d) {
            for (int c = 0; c < cols; c++) {
                row[c] = rnd.nextDouble() < 0.4 ? rnd.nextGaussian() : 0;
            }
        }
        CsrMatrix m = CsrMatrix.fromDense(d);
        CsrMatrix t = m.transpose();
        assertWellFormed(t);
        assertEquals(cols, t.rows());
        assertEquals(rows, t.cols());
        assertEquals(m.nnz(), t.nnz());
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                assertEquals(d[r][c], t.get(c, r), 0);
            }
        }
        assertEquals(m, t.transpose());
    }

    @Test
    void getReturnsZeroForAbsentEntriesAndChecksBounds() {
        CsrMatrix m = CsrMatrix.fromCoo(2, 3, new int[] {0, 1}, new int[] {2, 0}, new double[] {4, 5});
        assertEquals(4, m.get(0, 2));
        assertEquals(5, m.get(1, 0));
        assertEquals(0, m.get(0, 0));
        assertEquals(0, m.get(1, 2));
        assertThrows(IllegalArgumentException.class, () -> m.get(2, 0));
        assertThrows(IllegalArgumentException.class, () -> m.get(0, 3));
        assertThrows(IllegalArgumentException.class, () -> m.get(-1, 0));
    }

    @Test
    void withValuesKeepsThePatternAndValidates() {
        CsrMatrix m = CsrMatrix.fromCoo(2, 3, new int[] {1, 0, 1}, new int[] {2, 1, 0}, new double[] {1, 2, 3});
        double[] nv = {10, 20, 30};
        CsrMatrix w = m.withValues(nv);
        nv[0] = 99; // the matrix must hold its own copy
        assertArrayEquals(m.rowPointers(), w.rowPointers());
        assertArrayEquals(m.columnIndices(), w.columnIndices());
        assertArrayEquals(new double[] {10, 20, 30}, w.values(), 0);
        assertEquals(10, w.get(0, 1));
        assertEquals(30, w.get(1, 2));
        assertArrayEquals(new double[] {2, 3, 1}, m.values(), 0, "the original is unchanged");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.withValues(new double[] {1, 2}));
        assertTrue(e.getMessage().contains("expected nnz = 3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.withValues(new double[] {1, Double.NaN, 2}));
    }

    @Test
    void accessorsReturnCopies() {
        CsrMatrix m = CsrMatrix.fromCoo(2, 2, new int[] {0, 1}, new int[] {1, 0}, new double[] {1, 2});
        m.values()[0] = 100;
        m.columnIndices()[0] = 0;
        m.rowPointers()[1] = 0;
        assertEquals(1, m.get(0, 1));
        assertArrayEquals(new int[] {0, 1, 2}, m.rowPointers());
    }

    @Test
    void equalsAndHashCodeFollowContent() {
        CsrMatrix a = CsrMatrix.fromCoo(2, 2, new int[] {0, 1}, new int[] {1, 0}, new double[] {1, 2});
        CsrMatrix b = CsrMatrix.fromDense(new double[][] {{0, 1}, {2, 0}});
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, a.withValues(new double[] {1, 3}));
        assertNotEquals(a, CsrMatrix.fromCoo(2, 3, new int[] {0, 1}, new int[] {1, 0}, new double[] {1, 2}));
    }
}
