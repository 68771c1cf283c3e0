package org.dl4jconnectome.connectome;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable sparse matrix in compressed sparse row (CSR) form with {@code double} values.
 * <p>
 * For a connectome the rows are the <b>receiving</b> (postsynaptic) neurons and the columns the sending
 * (presynaptic) ones, so that the recurrent drive is {@code y = A·v}; for an input projection the rows are neurons
 * and the columns input features. Within a row the column indices are strictly increasing: duplicates given to
 * {@link #fromCoo} are summed. Explicitly stored zeros are kept, because a stored entry is a synapse that training
 * may strengthen.
 * <p>
 * Accessors return copies; the arrays are never shared with callers.
 */
public final class CsrMatrix implements Serializable {
    /**
     * The largest number of rows or columns: the row pointers (rows + 1 of them) must fit in one Java array.
     */
    public static final int MAX_DIMENSION = Integer.MAX_VALUE - 9;

    private static final long serialVersionUID = 1L;

    private final int rows;
    private final int cols;
    private final int[] rowPtr;
    private final int[] colIdx;
    private final double[] values;

    private CsrMatrix(int rows, int cols, int[] rowPtr, int[] colIdx, double[] values) {
        this.rows = rows;
        this.cols = cols;
        this.rowPtr = rowPtr;
        this.colIdx = colIdx;
        this.values = values;
    }

    /**
     * Builds a matrix from coordinate (COO) triplets. Duplicate (row, column) pairs are summed.
     *
     * @param rows   number of rows (≥ 0)
     * @param cols   number of columns (≥ 0)
     * @param rowIdx row index of each entry, in [0, rows)
     * @param colIdx column index of each entry, in [0, cols)
     * @param values value of each entry, finite
     * @throws IllegalArgumentException naming the offending argument and entry when the triplets are inconsistent, or
     *                                  when the shape is too large to build (see {@link #requireBuildable})
     */
    public static CsrMatrix fromCoo(int rows, int cols, int[] rowIdx, int[] colIdx, double[] values) {
        Objects.requireNonNull(rowIdx, "rowIdx");
        Objects.requireNonNull(colIdx, "colIdx");
        Objects.requireNonNull(values, "values");
        if (rowIdx.length != colIdx.length || rowIdx.length != values.length) {
            throw new IllegalArgumentException("COO arrays must have equal lengths: rowIdx has " + rowIdx.length
                    + ", colIdx has " + colIdx.length + ", values has " + values.length + " entries");
        }
        int n = rowIdx.length;
        requireBuildable(rows, cols, n);
        for (int k = 0; k < n; k++) {
            checkIndex("rowIdx", k, rowIdx[k], rows);
            checkIndex("colIdx", k, colIdx[k], cols);
            checkFinite(values[k], k, rowIdx[k], colIdx[k]);
        }
        // Two stable counting sorts (by column, then by row) order the entries by (row, column) in O(n + rows + cols).
        int[] byCol = countingOrder(colIdx, cols, identity(n));
        int[] order = countingOrder(rowIdx, rows, byCol);

        int[] ptr = new int[rows + 1];
        int[] outCol = new int[n];
        double[] outVal = new double[n];
        int m = 0;
        int prevRow = -1;
        int prevCol = -1;
        for (int k = 0; k < n; k++) {
            int e = order[k];
            int r = rowIdx[e];
            int c = colIdx[e];
            if (r == prevRow && c == prevCol) {
                outVal[m - 1] += values[e];
            } else {
                outCol[m] = c;
                outVal[m] = values[e];
                ptr[r + 1]++;
                m++;
                prevRow = r;
                prevCol = c;
            }
        }
        for (int r = 0; r < rows; r++) {
            ptr[r + 1] += ptr[r];
        }
        return new CsrMatrix(rows, cols, ptr, Arrays.copyOf(outCol, m), Arrays.copyOf(outVal, m));
    }

    /**
     * Builds a matrix from CSR arrays (as written by {@code scipy.sparse.csr_matrix}). Columns within a row may come
     * in any order and may repeat; they are sorted and duplicates summed.
     *
     * @throws IllegalArgumentException if the row pointers are not a non-decreasing sequence from 0 to nnz, or any
     *                                  index or value is out of range
     */
    public static CsrMatrix fromCsr(int rows, int cols, int[] rowPtr, int[] colIdx, double[] values) {
        checkShape(rows, cols);
        Objects.requireNonNull(rowPtr, "rowPtr");
        Objects.requireNonNull(colIdx, "colIdx");
        Objects.requireNonNull(values, "values");
        if (rowPtr.length != rows + 1L) {
            throw new IllegalArgumentException("rowPtr has " + rowPtr.length + " entries, expected rows + 1 = "
                    + (rows + 1L));
        }
        if (rowPtr[0] != 0 || rowPtr[rows] != colIdx.length || colIdx.length != values.length) {
            throw new IllegalArgumentException("inconsistent CSR arrays: rowPtr[0] = " + rowPtr[0] + ", rowPtr[rows] = "
                    + rowPtr[rows] + ", colIdx has " + colIdx.length + " and values " + values.length
                    + " entries; expected rowPtr[0] = 0 and rowPtr[rows] = nnz = colIdx.length = values.length");
        }
        int[] rowIdx = new int[colIdx.length];
        boolean canonical = true;
        for (int r = 0; r < rows; r++) {
            if (rowPtr[r + 1] < rowPtr[r]) {
                throw new IllegalArgumentException("rowPtr must be non-decreasing, but rowPtr[" + (r + 1) + "] = "
                        + rowPtr[r + 1] + " < rowPtr[" + r + "] = " + rowPtr[r]);
            }
            Arrays.fill(rowIdx, rowPtr[r], rowPtr[r + 1], r);
            for (int k = rowPtr[r] + 1; k < rowPtr[r + 1] && canonical; k++) {
                canonical = colIdx[k] > colIdx[k - 1];
            }
        }
        if (!canonical) {
            return fromCoo(rows, cols, rowIdx, colIdx, values);
        }
        // Sorted, duplicate-free rows (scipy's canonical format, our own encoding) need no reordering.
        for (int k = 0; k < colIdx.length; k++) {
            checkIndex("colIdx", k, colIdx[k], cols);
            checkFinite(values[k], k, rowIdx[k], colIdx[k]);
        }
        return new CsrMatrix(rows, cols, rowPtr.clone(), colIdx.clone(), values.clone());
    }

    /** Builds a matrix holding every non-zero entry of a dense row-major array. */
    public static CsrMatrix fromDense(double[][] dense) {
        Objects.requireNonNull(dense, "dense");
        int rows = dense.length;
        int cols = rows == 0 ? 0 : dense[0].length;
        int[] ptr = new int[rows + 1];
        int nnz = 0;
        for (int r = 0; r < rows; r++) {
            if (dense[r].length != cols) {
                throw new IllegalArgumentException("dense row " + r + " has " + dense[r].length
                        + " columns, expected " + cols);
            }
            for (int c = 0; c < cols; c++) {
                checkFinite(dense[r][c], -1, r, c);
                if (dense[r][c] != 0) {
                    nnz++;
                }
            }
            ptr[r + 1] = nnz;
        }
        int[] ci = new int[nnz];
        double[] v = new double[nnz];
        int k = 0;
        for (double[] row : dense) {
            for (int c = 0; c < cols; c++) {
                if (row[c] != 0) {
                    ci[k] = c;
                    v[k++] = row[c];
                }
            }
        }
        return new CsrMatrix(rows, cols, ptr, ci, v);
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** Number of stored entries. */
    public int nnz() {
        return colIdx.length;
    }

    /** Row pointers (length rows + 1): the entries of row r are at positions [rowPtr[r], rowPtr[r+1]). A copy. */
    public int[] rowPointers() {
        return rowPtr.clone();
    }

    /** Column index of every stored entry, in CSR order. A copy. */
    public int[] columnIndices() {
        return colIdx.clone();
    }

    /** Value of every stored entry, in CSR order. A copy. */
    public double[] values() {
        return values.clone();
    }

    /** Row index of every stored entry, in CSR order (the COO view). */
    public int[] rowIndices() {
        int[] out = new int[nnz()];
        for (int r = 0; r < rows; r++) {
            Arrays.fill(out, rowPtr[r], rowPtr[r + 1], r);
        }
        return out;
    }

    /** Number of stored entries in row r. */
    public int rowLength(int r) {
        return rowPtr[r + 1] - rowPtr[r];
    }

    /** The value at (r, c), or 0 where nothing is stored. */
    public double get(int r, int c) {
        checkIndex("r", 0, r, rows);
        checkIndex("c", 0, c, cols);
        int k = Arrays.binarySearch(colIdx, rowPtr[r], rowPtr[r + 1], c);
        return k >= 0 ? values[k] : 0.0;
    }

    /** The same sparsity pattern with other values (same CSR order). */
    public CsrMatrix withValues(double[] newValues) {
        Objects.requireNonNull(newValues, "newValues");
        if (newValues.length != nnz()) {
            throw new IllegalArgumentException("newValues has " + newValues.length + " entries, expected nnz = "
                    + nnz());
        }
        for (int k = 0; k < newValues.length; k++) {
            checkFinite(newValues[k], k, -1, colIdx[k]);
        }
        return new CsrMatrix(rows, cols, rowPtr, colIdx, newValues.clone());
    }

    /** The transpose, as its own CSR matrix (rows and columns swapped). */
    public CsrMatrix transpose() {
        return fromCoo(cols, rows, colIdx, rowIndices(), values);
    }

    /** Dense row-major copy; meant for tests and small matrices. */
    public double[][] toDense() {
        double[][] d = new double[rows][cols];
        for (int r = 0; r < rows; r++) {
            for (int k = rowPtr[r]; k < rowPtr[r + 1]; k++) {
                d[r][colIdx[k]] = values[k];
            }
        }
        return d;
    }

    /** A deserialized matrix passes the same checks as one built from arrays; a tampered stream is refused. */
    private Object readResolve() throws java.io.ObjectStreamException {
        try {
            return fromCsr(rows, cols, rowPtr, colIdx, values);
        } catch (RuntimeException e) {
            java.io.InvalidObjectException ex = new java.io.InvalidObjectException("corrupt serialized CsrMatrix: "
                    + e.getMessage());
            ex.initCause(e);
            throw ex;
        }
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof CsrMatrix)) {
            return false;
        }
        CsrMatrix m = (CsrMatrix) o;
        return rows == m.rows && cols == m.cols && Arrays.equals(rowPtr, m.rowPtr) && Arrays.equals(colIdx, m.colIdx)
                && Arrays.equals(values, m.values);
    }

    @Override
    public int hashCode() {
        return Objects.hash(rows, cols, Arrays.hashCode(rowPtr), Arrays.hashCode(colIdx), Arrays.hashCode(values));
    }

    @Override
    public String toString() {
        return "CsrMatrix[" + rows + "x" + cols + ", nnz=" + nnz() + "]";
    }

    private static int[] identity(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }

    /** Stable counting sort of the positions in {@code order} by {@code key[position]}. */
    private static int[] countingOrder(int[] key, int range, int[] order) {
        int[] start = new int[range + 1];
        for (int e : order) {
            start[key[e] + 1]++;
        }
        for (int i = 0; i < range; i++) {
            start[i + 1] += start[i];
        }
        int[] out = new int[order.length];
        for (int e : order) {
            out[start[key[e]]++] = e;
        }
        return out;
    }

    private static void checkShape(long rows, long cols) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("matrix shape must be non-negative, got " + rows + "x" + cols);
        }
        if (rows > MAX_DIMENSION || cols > MAX_DIMENSION) {
            throw new IllegalArgumentException("matrix shape " + rows + "x" + cols + " is too large: at most "
                    + MAX_DIMENSION + " rows and columns are supported (the row pointers are one Java array)");
        }
    }

    /**
     * Checks, before anything is allocated, that a {@code rows × cols} matrix with {@code entries} stored entries
     * (or COO triplets) can be built here: both dimensions in [0, {@link #MAX_DIMENSION}], and the arrays that
     * {@link #fromCoo} allocates for it (row pointers and the sorting buffers, 8 bytes per row, 4 per column and
     * 40 per entry) no larger than the Java heap ({@code -Xmx}). Readers call this with the sizes a file declares, so
     * that a small file declaring a huge matrix is an error rather than an {@link OutOfMemoryError}.
     *
     * @throws IllegalArgumentException naming the shape and the memory it needs
     */
    public static void requireBuildable(long rows, long cols, long entries) {
        checkShape(rows, cols);
        if (entries < 0) {
            throw new IllegalArgumentException("entries = " + entries + ": expected >= 0");
        }
        long heap = Runtime.getRuntime().maxMemory();
        long needed = buildBytes(rows, cols, entries);
        if (needed > heap) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
                    "a %d x %d matrix with %d %s needs %.1f GB to build, more than the whole Java heap "
                            + "(%.1f GB; java -Xmx sets it)", rows, cols, entries, entries == 1 ? "entry" : "entries",
                    needed / 1e9, heap / 1e9));
        }
    }

    /** What {@link #fromCoo} allocates, in bytes: sort buffers and row pointers per row and column, arrays per entry. */
    private static long buildBytes(long rows, long cols, long entries) {
        try {
            return Math.addExact(Math.addExact(Math.multiplyExact(8L, rows + 1), Math.multiplyExact(4L, cols + 1)),
                    Math.multiplyExact(40L, entries));
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    private static void checkIndex(String name, int k, int value, int bound) {
        if (value < 0 || value >= bound) {
            throw new IllegalArgumentException(name + "[" + k + "] = " + value + " is out of range: expected 0.."
                    + (bound - 1));
        }
    }

    private static void checkFinite(double v, int k, int r, int c) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException("matrix value " + v + (k >= 0 ? " at entry " + k : "")
                    + (r >= 0 ? " (row " + r + ", column " + c + ")" : " (column " + c + ")")
                    + " is not finite: expected a finite number");
        }
    }
}
