package org.dl4jconnectome.kernels;

import java.util.Objects;

/**
 * The structure of a sparse matrix prepared for fast batched products: CSR split into column blocks, so that the
 * slice of the dense operand a block gathers from stays in the core's cache, plus a row partition with equal work
 * per thread.
 * <p>
 * Entries are stored block by block (block 0's rows in order, then block 1's, ...). {@link #csrPosition} maps each
 * stored entry back to its position in the original CSR order; value arrays handed to the kernels are in storage
 * order (see {@link #toStorageOrder}). Column indices are stored as 16-bit offsets within their block (blocks are at
 * most {@link #MAX_BLOCK_WIDTH} wide): a product reads 6 bytes per synapse in float32 instead of 8. Immutable.
 */
public final class BlockedCsr {
    /**
     * Default block width in columns: 16,384 columns × 8 samples × 4 bytes = 512 KiB of gathered operand, half of a
     * typical 1 MiB L2 cache (measured fastest at 47,521 neurons, batch 8, float32).
     */
    public static final int DEFAULT_BLOCK_WIDTH = 16384;
    /** The widest block: a column's offset within its block fits in 16 bits. */
    public static final int MAX_BLOCK_WIDTH = 1 << 16;

    private final int rows;
    private final int cols;
    private final int blockWidth;
    private final int numBlocks;
    /** blockRowPtr[blk * (rows + 1) + r]: start of row r of block blk in storage order. */
    private final int[] blockRowPtr;
    /** Column of each stored entry minus its block's first column. */
    private final char[] localCol;
    private final int[] csrPosition;
    private final int[] rowPartition;

    private BlockedCsr(int rows, int cols, int blockWidth, int[] blockRowPtr, char[] localCol, int[] csrPosition,
                       int[] rowPartition) {
        this.rows = rows;
        this.cols = cols;
        this.blockWidth = blockWidth;
        this.numBlocks = Math.max(1, (cols + blockWidth - 1) / blockWidth);
        this.blockRowPtr = blockRowPtr;
        this.localCol = localCol;
        this.csrPosition = csrPosition;
        this.rowPartition = rowPartition;
    }

    /**
     * Prepares a CSR structure (column indices sorted within rows).
     *
     * @param rowPtr     CSR row pointers (rows + 1)
     * @param colIdx     CSR column indices
     * @param blockWidth columns per block (1..{@link #MAX_BLOCK_WIDTH}); a matrix no wider than two blocks (and no
     *                   wider than the widest block) is not split
     * @param partitions number of row ranges to balance for parallel work (≥ 1)
     */
    public static BlockedCsr of(int rows, int cols, int[] rowPtr, int[] colIdx, int blockWidth, int partitions) {
        Objects.requireNonNull(rowPtr, "rowPtr");
        Objects.requireNonNull(colIdx, "colIdx");
        if (rowPtr.length != rows + 1 || rowPtr[rows] != colIdx.length) {
            throw new IllegalArgumentException("inconsistent CSR structure: " + rowPtr.length + " row pointers for "
                    + rows + " rows and " + colIdx.length + " column indices");
        }
        if (blockWidth < 1 || blockWidth > MAX_BLOCK_WIDTH) {
            throw new IllegalArgumentException("blockWidth = " + blockWidth + ": expected 1.." + MAX_BLOCK_WIDTH);
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions = " + partitions + ": expected at least 1");
        }
        int width = cols <= 2 * blockWidth && cols <= MAX_BLOCK_WIDTH ? Math.max(1, cols) : blockWidth;
        int nb = Math.max(1, (cols + width - 1) / width);
        int nnz = colIdx.length;
        int[] brp = new int[nb * (rows + 1)];
        // Count entries per (block, row); columns are sorted within a row, so a row's block segments are contiguous.
        for (int r = 0; r < rows; r++) {
            for (int k = rowPtr[r]; k < rowPtr[r + 1]; k++) {
                brp[(colIdx[k] / width) * (rows + 1) + r + 1]++;
            }
        }
        int running = 0;
        for (int b = 0; b < nb; b++) {
            int base = b * (rows + 1);
            brp[base] = running;
            for (int r = 0; r < rows; r++) {
                running += brp[base + r + 1];
                brp[base + r + 1] = running;
            }
        }
        int[] cursor = new int[nb * rows];
        for (int b = 0; b < nb; b++) {
            System.arraycopy(brp, b * (rows + 1), cursor, b * rows, rows);
        }
        char[] ci = new char[nnz];
        int[] pos = new int[nnz];
        for (int r = 0; r < rows; r++) {
            for (int k = rowPtr[r]; k < rowPtr[r + 1]; k++) {
                int s = cursor[(colIdx[k] / width) * rows + r]++;
                ci[s] = (char) (colIdx[k] % width);
                pos[s] = k;
            }
        }
        return new BlockedCsr(rows, cols, width, brp, ci, pos, partition(rowPtr, rows, partitions));
    }

    /**
     * Prepares the transpose of a CSR structure, for products with Aᵀ. {@link #csrPosition} of the result refers to
     * positions in the CSR order of the original (untransposed) matrix, so the original's values can be rearranged
     * directly with {@link #toStorageOrder}.
     */
    public static BlockedCsr transposeOf(int rows, int cols, int[] rowPtr, int[] colIdx, int blockWidth,
                                         int partitions) {
        int nnz = colIdx.length;
        int[] tPtr = new int[cols + 1];
        for (int k = 0; k < nnz; k++) {
            tPtr[colIdx[k] + 1]++;
        }
        for (int c = 0; c < cols; c++) {
            tPtr[c + 1] += tPtr[c];
        }
        int[] next = java.util.Arrays.copyOf(tPtr, cols);
        int[] tCol = new int[nnz];
        int[] perm = new int[nnz];
        for (int r = 0; r < rows; r++) {
            for (int k = rowPtr[r]; k < rowPtr[r + 1]; k++) {
                int t = next[colIdx[k]]++;
                tCol[t] = r;
                perm[t] = k;
            }
        }
        BlockedCsr b = of(cols, rows, tPtr, tCol, blockWidth, partitions);
        int[] composed = new int[nnz];
        for (int s = 0; s < nnz; s++) {
            composed[s] = perm[b.csrPosition[s]];
        }
        return new BlockedCsr(b.rows, b.cols, b.blockWidth, b.blockRowPtr, b.localCol, composed, b.rowPartition);
    }

    /** Row ranges [p[i], p[i+1]) holding roughly equal numbers of entries (plus a per-row cost). */
    private static int[] partition(int[] rowPtr, int rows, int parts) {
        int[] p = new int[parts + 1];
        long total = (long) rowPtr[rows] + rows;
        int r = 0;
        for (int i = 1; i < parts; i++) {
            long target = total * i / parts;
            while (r < rows && (long) rowPtr[r] + r < target) {
                r++;
            }
            p[i] = r;
        }
        p[parts] = rows;
        return p;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public int nnz() {
        return localCol.length;
    }

    public int numBlocks() {
        return numBlocks;
    }

    public int blockWidth() {
        return blockWidth;
    }

    /** Number of row ranges in the work partition. */
    public int numPartitions() {
        return rowPartition.length - 1;
    }

    /**
     * Runs {@code body} on every column block of every row range of the work partition; the ranges run in parallel
     * on {@link Parallel}'s threads, each walking its blocks in order.
     */
    void forEachBlock(BlockBody body) {
        Parallel.forEach(numPartitions(), p -> {
            for (int blk = 0; blk < numBlocks; blk++) {
                body.accept(blk, rowPartition[p], rowPartition[p + 1]);
            }
        });
    }

    /** Work on the rows [lo, hi) of one column block. */
    @FunctionalInterface
    interface BlockBody {
        void accept(int block, int lo, int hi);
    }

    int partitionStart(int p) {
        return rowPartition[p];
    }

    int partitionEnd(int p) {
        return rowPartition[p + 1];
    }

    /** Start of row r of block b in storage order (r may be rows, giving the block's end). */
    int rowStart(int b, int r) {
        return blockRowPtr[b * (rows + 1) + r];
    }

    /** The first column of block b. */
    int blockStart(int b) {
        return b * blockWidth;
    }

    /** Column offsets within their blocks, in storage order. */
    char[] localColumns() {
        return localCol;
    }

    /** The column of the entry stored at position s of block b. */
    int column(int b, int s) {
        return blockStart(b) + localCol[s];
    }

    /** CSR position of the entry stored at storage position s. */
    public int csrPosition(int s) {
        return csrPosition[s];
    }

    /** out[s] = csrValues[csrPosition(s)]: values in CSR order rearranged into storage order. */
    public void toStorageOrder(double[] csrValues, float[] out) {
        for (int s = 0; s < out.length; s++) {
            out[s] = (float) csrValues[csrPosition[s]];
        }
    }

    /** out[s] = csrValues[csrPosition(s)]. */
    public void toStorageOrder(double[] csrValues, double[] out) {
        for (int s = 0; s < out.length; s++) {
            out[s] = csrValues[csrPosition[s]];
        }
    }

    /** out[csrPosition(s)] = stored[s]: values in storage order back to CSR order. */
    public void toCsrOrder(double[] stored, double[] out) {
        for (int s = 0; s < stored.length; s++) {
            out[csrPosition[s]] = stored[s];
        }
    }
}
