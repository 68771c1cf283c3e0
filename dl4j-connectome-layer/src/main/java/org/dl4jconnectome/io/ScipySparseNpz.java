package org.dl4jconnectome.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.dl4jconnectome.connectome.CsrMatrix;

/**
 * Reads and writes the {@code .npz} files of {@code scipy.sparse.save_npz} / {@code scipy.sparse.load_npz}.
 * <p>
 * Reading accepts the CSR, CSC and COO formats (COO both as {@code row}/{@code col} and as {@code coords}), sparse
 * matrices and sparse arrays, any numeric data dtype, int32 or int64 indices, a {@code format} stored as bytes or as a
 * unicode string, compressed or not. Duplicate entries are summed. BSR and DIA files are rejected: convert them with
 * {@code .tocsr()} before saving.
 */
public final class ScipySparseNpz {
    private ScipySparseNpz() {
    }

    /**
     * Reads a sparse matrix saved with {@code scipy.sparse.save_npz}.
     *
     * @throws IOException naming the file if it is not such a file, a key is missing, the format is unsupported, or
     *                     the arrays are inconsistent (e.g. an index out of range or a non-finite value)
     */
    public static CsrMatrix read(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        Map<String, NpyArray> npz = Npz.read(file);
        try {
            String format = require(npz, "format", file).toStringScalar();
            if (!format.equals("csr") && !format.equals("csc") && !format.equals("coo")) {
                throw new IOException(file + ": sparse format '" + format + "' is not supported: expected csr, csc "
                        + "or coo (convert with .tocsr() before save_npz)");
            }
            long[] shape = require(npz, "shape", file).toLongArray();
            if (shape.length != 2 || shape[0] < 0 || shape[1] < 0 || shape[0] > CsrMatrix.MAX_DIMENSION
                    || shape[1] > CsrMatrix.MAX_DIMENSION) {
                throw new IOException(file + ": 'shape' is " + Arrays.toString(shape)
                        + ": expected two dimensions in [0, " + CsrMatrix.MAX_DIMENSION + "]");
            }
            int rows = (int) shape[0];
            int cols = (int) shape[1];
            NpyArray dataArray = vector(npz, "data", file);
            // The shape is only declared: check it against the arrays present, then what building it takes, before
            // anything is allocated for it.
            if (!format.equals("coo")) {
                long pointers = vector(npz, "indptr", file).size();
                boolean csr = format.equals("csr");
                long expected = (csr ? shape[0] : shape[1]) + 1;
                if (pointers != expected) {
                    throw new IOException(file + ": 'indptr' has " + pointers + " entries, but 'shape' "
                            + Arrays.toString(shape) + " needs " + (csr ? "rows" : "columns") + " + 1 = " + expected
                            + ": the arrays do not match the declared shape");
                }
            }
            try {
                CsrMatrix.requireBuildable(rows, cols, dataArray.size());
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": 'shape' is " + Arrays.toString(shape) + " with "
                        + dataArray.size() + (dataArray.size() == 1 ? " stored entry: " : " stored entries: ")
                        + e.getMessage(), e);
            }
            double[] data = dataArray.toDoubleArray();
            if (format.equals("coo")) {
                int[][] coords = cooCoordinates(npz, file);
                return CsrMatrix.fromCoo(rows, cols, coords[0], coords[1], data);
            }
            int[] indptr = vector(npz, "indptr", file).toIntArray();
            int[] indices = vector(npz, "indices", file).toIntArray();
            return format.equals("csr") ? CsrMatrix.fromCsr(rows, cols, indptr, indices, data)
                    : fromCsc(rows, cols, indptr, indices, data);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": not a valid scipy sparse matrix: " + e.getMessage(), e);
        }
    }

    /**
     * Writes a matrix as {@code scipy.sparse.save_npz} writes a {@code csr_matrix}: keys {@code indices} and
     * {@code indptr} (int32), {@code format} ({@code b'csr'}), {@code shape} (int64) and {@code data} (float64), so
     * that {@code scipy.sparse.load_npz} returns an equal {@code csr_matrix}. Replaces any existing file.
     *
     * @param compressed deflate the entries (scipy's default is {@code True})
     */
    public static void write(Path file, CsrMatrix matrix, boolean compressed) throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(matrix, "matrix");
        Map<String, NpyArray> arrays = new LinkedHashMap<>();
        arrays.put("indices", NpyArray.ofInt32(matrix.columnIndices(), matrix.nnz()));
        arrays.put("indptr", NpyArray.ofInt32(matrix.rowPointers(), matrix.rows() + 1L));
        arrays.put("format", NpyArray.ofAsciiScalar("csr"));
        arrays.put("shape", NpyArray.ofInt64(new long[] {matrix.rows(), matrix.cols()}, 2));
        arrays.put("data", NpyArray.ofFloat64(matrix.values(), matrix.nnz()));
        Npz.write(file, arrays, compressed);
    }

    private static CsrMatrix fromCsc(int rows, int cols, int[] colPtr, int[] rowIdx, double[] data) {
        if (colPtr.length != cols + 1) {
            throw new IllegalArgumentException("indptr has " + colPtr.length + " entries, expected cols + 1 = "
                    + (cols + 1));
        }
        // The CSC arrays of A are the CSR arrays of its transpose.
        return CsrMatrix.fromCsr(cols, rows, colPtr, rowIdx, data).transpose();
    }

    private static int[][] cooCoordinates(Map<String, NpyArray> npz, Path file) throws IOException {
        if (npz.containsKey("row") || !npz.containsKey("coords")) {
            return new int[][] {vector(npz, "row", file).toIntArray(), vector(npz, "col", file).toIntArray()};
        }
        NpyArray coords = npz.get("coords");
        long[] s = coords.shape();
        if (s.length != 2 || s[0] != 2) {
            throw new IOException(file + ": 'coords' has shape " + Arrays.toString(s)
                    + ": expected (2, nnz) for a 2-D matrix");
        }
        int[] flat = coords.toIntArray();
        int nnz = (int) s[1];
        return new int[][] {Arrays.copyOfRange(flat, 0, nnz), Arrays.copyOfRange(flat, nnz,
                2 * nnz)};
    }

    private static NpyArray require(Map<String, NpyArray> npz, String key, Path file) throws IOException {
        NpyArray a = npz.get(key);
        if (a == null) {
            throw new IOException(file + ": missing key '" + key + "' (keys present: " + npz.keySet()
                    + "); is this a file written by scipy.sparse.save_npz?");
        }
        return a;
    }

    private static NpyArray vector(Map<String, NpyArray> npz, String key, Path file) throws IOException {
        NpyArray a = require(npz, key, file);
        if (a.ndim() != 1) {
            throw new IOException(file + ": '" + key + "' has shape " + Arrays.toString(a.shape())
                    + ": expected a 1-D array");
        }
        return a;
    }
}
