package org.dl4jconnectome.kernels;

import org.dl4jconnectome.connectome.CsrMatrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BlockedCsrTest {
    private static final int[] WIDTHS = {1, 2, 3, 7, BlockedCsr.DEFAULT_BLOCK_WIDTH};
    private static final int[] PARTITIONS = {1, 2, 3, 5};

    static List<KernelMatrices.Case> matrices() {
        return KernelMatrices.all();
    }

    private static BlockedCsr of(CsrMatrix m, int width, int parts) {
        return BlockedCsr.of(m.rows(), m.cols(), m.rowPointers(), m.columnIndices(), width, parts);
    }

    /**
     * Rebuilds the dense matrix a blocked structure describes from its storage: for block b and row r the entries
     * rowStart(b, r)..rowStart(b, r+1) hold columns of that block only, with values given in storage order.
     */
    private static double[][] denseFromStorage(BlockedCsr a, double[] stored) {
        double[][] d = new double[a.rows()][a.cols()];
        int w = a.blockWidth();
        int prevEnd = 0;
        for (int b = 0; b < a.numBlocks(); b++) {
            assertEquals(prevEnd, a.rowStart(b, 0), "blocks are stored one after the other");
            for (int r = 0; r < a.rows(); r++) {
                assertTrue(a.rowStart(b, r) <= a.rowStart(b, r + 1));
                for (int s = a.rowStart(b, r); s < a.rowStart(b, r + 1); s++) {
                    int col = a.column(b, s);
                    assertTrue(col >= b * w && col < (b + 1) * w, "column " + col + " in block " + b);
                    if (s > a.rowStart(b, r)) {
                        assertTrue(a.column(b, s - 1) < col, "columns sorted within a row segment");
                    }
                    assertEquals(0.0, d[r][col], "each (row, column) stored once");
                    d[r][col] = stored[s];
                }
            }
            prevEnd = a.rowStart(b, a.rows());
        }
        assertEquals(a.nnz(), prevEnd);
        return d;
    }

    @ParameterizedTest
    @MethodSource("matrices")
    void storageOrderDescribesTheSameMatrix(KernelMatrices.Case c) {
        CsrMatrix m = c.matrix;
        // Distinct non-zero values per position, so a misplaced entry cannot go unnoticed.
        double[] tagged = new double[m.nnz()];
        for (int k = 0; k < tagged.length; k++) {
            tagged[k] = k + 1;
        }
        double[][] expected = m.withValues(tagged).toDense();
        for (int w : WIDTHS) {
            for (int p : PARTITIONS) {
                BlockedCsr a = of(m, w, p);
                assertEquals(m.rows(), a.rows());
                assertEquals(m.cols(), a.cols());
                assertEquals(m.nnz(), a.nnz());
                double[] stored = new double[a.nnz()];
                a.toStorageOrder(tagged, stored);
                double[][] d = denseFromStorage(a, stored);
                for (int r = 0; r < m.rows(); r++) {
                    assertArrayEquals(expected[r], d[r], 0, c + " width " + w + " row " + r);
                }
                double[] back = new double[m.nnz()];
                a.toCsrOrder(stored, back);
                assertArrayEquals(tagged, back, 0, "toCsrOrder inverts toStorageOrder");
                float[] storedF = new float[a.nnz()];
                a.toStorageOrder(tagged, storedF);
                for (int s = 0; s < storedF.length; s++) {
                    assertEquals((float) stored[s], storedF[s], 0);
                    assertEquals(tagged[a.csrPosition(s)], stored[s], 0);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("matrices")
    void transposeOfDescribesTheTransposeWithOriginalCsrPositions(KernelMatrices.Case c) {
        CsrMatrix m = c.matrix;
        double[] values = m.values();
        double[][] dense = m.toDense();
        for (int w : WIDTHS) {
            for (int p : PARTITIONS) {
                BlockedCsr t = BlockedCsr.transposeOf(m.rows(), m.cols(), m.rowPointers(), m.columnIndices(), w, p);
                assertEquals(m.cols(), t.rows());
                assertEquals(m.rows(), t.cols());
                double[] stored = new double[t.nnz()];
                t.toStorageOrder(values, stored);
                double[][] d = denseFromStorage(t, stored);
                for (int r = 0; r < m.rows(); r++) {
                    for (int col = 0; col < m.cols(); col++) {
                        assertEquals(dense[r][col], d[col][r], 0, c + " width " + w + " (" + r + ", " + col + ")");
                    }
                }
                double[] back = new double[m.nnz()];
                t.toCsrOrder(stored, back);
                assertArrayEquals(values, back, 0);
            }
        }
    }

    @Test
    void columnBlocksFollowTheBlockWidth() {
        CsrMatrix m = KernelMatrices.random(9, 5, 50, 80, new int[0], new int[0]);
        assertEquals(7, of(m, 7, 1).blockWidth());
        assertEquals(8, of(m, 7, 1).numBlocks());    // ceil(50 / 7)
        assertEquals(50, of(m, 1, 1).numBlocks());
        assertEquals(17, of(m, 3, 1).numBlocks());
        assertEquals(3, of(m, 24, 1).numBlocks());
        // A matrix no wider than two blocks is not split: one block as wide as the matrix.
        assertEquals(1, of(m, 25, 1).numBlocks());
        assertEquals(50, of(m, 25, 1).blockWidth());
        assertEquals(1, of(m, BlockedCsr.DEFAULT_BLOCK_WIDTH, 1).numBlocks());
        CsrMatrix wide = KernelMatrices.random(10, 2, 100_000, 30, new int[0], new int[0]);
        assertEquals(2, of(wide, 60_000, 1).numBlocks(), "no block wider than 65,536 columns");
        assertEquals(2, of(wide, BlockedCsr.MAX_BLOCK_WIDTH, 1).numBlocks());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> of(wide, BlockedCsr.MAX_BLOCK_WIDTH + 1, 1));
        assertEquals("blockWidth = 65537: expected 1..65536", e.getMessage());
    }

    @ParameterizedTest
    @MethodSource("matrices")
    void rowPartitionsCoverAllRowsWithBalancedWork(KernelMatrices.Case c) {
        CsrMatrix m = c.matrix;
        int[] ptr = m.rowPointers();
        int maxRowCost = 1;
        for (int r = 0; r < m.rows(); r++) {
            maxRowCost = Math.max(maxRowCost, ptr[r + 1] - ptr[r] + 1);
        }
        long total = (long) m.nnz() + m.rows();
        for (int parts : new int[] {1, 2, 3, 5, 8, 64}) {
            BlockedCsr a = of(m, 3, parts);
            assertEquals(parts, a.numPartitions());
            assertEquals(0, a.partitionStart(0));
            assertEquals(m.rows(), a.partitionEnd(parts - 1));
            for (int p = 0; p < parts; p++) {
                int lo = a.partitionStart(p);
                int hi = a.partitionEnd(p);
                assertTrue(lo <= hi, "partition " + p);
                if (p > 0) {
                    assertEquals(a.partitionEnd(p - 1), lo, "partitions are contiguous");
                }
                // Work = entries + one per row; no partition exceeds its share by more than one row.
                long work = (ptr[hi] + hi) - (ptr[lo] + lo);
                assertTrue(work <= total / parts + 1 + maxRowCost,
                        c + ": partition " + p + " of " + parts + " has work " + work + " of " + total);
            }
        }
    }

    @Test
    void invalidArgumentsAreRejected() {
        int[] ptr = {0, 1, 2};
        int[] col = {0, 1};
        assertThrows(IllegalArgumentException.class, () -> BlockedCsr.of(3, 2, ptr, col, 4, 1));
        assertThrows(IllegalArgumentException.class, () -> BlockedCsr.of(2, 2, new int[] {0, 1, 3}, col, 4, 1));
        assertThrows(IllegalArgumentException.class, () -> BlockedCsr.of(2, 2, ptr, col, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> BlockedCsr.of(2, 2, ptr, col, 4, 0));
        assertThrows(IllegalArgumentException.class, () -> BlockedCsr.transposeOf(2, 2, ptr, col, 4, 0));
        assertThrows(NullPointerException.class, () -> BlockedCsr.of(2, 2, null, col, 4, 1));
        assertEquals(2, BlockedCsr.of(2, 2, ptr, col, 4, 1).nnz());
    }
}
