package org.dl4jconnectome.io;

import static org.dl4jconnectome.io.Fixtures.assertIoError;
import static org.dl4jconnectome.io.Fixtures.path;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dl4jconnectome.connectome.CsrMatrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScipySparseNpzTest {
    /** The matrix every scipy fixture holds (see the README next to the fixtures). */
    private static final double[][] DENSE = {{0, 1.5, 0, 0}, {2, 0, 0, -3}, {0, 0, 0, 0}};

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"sp_csr_compressed.npz", "sp_csr_stored.npz", "sp_csc_compressed.npz",
        "sp_coo_stored.npz", "sp_coo_coords.npz", "sp_csr_f4_i8.npz", "sp_csr_unicode_format.npz"})
    void readsWhatScipySaves(String fixture) throws IOException {
        CsrMatrix m = ScipySparseNpz.read(path(fixture));
        assertEquals(3, m.rows());
        assertEquals(4, m.cols());
        assertEquals(3, m.nnz(), "the duplicate COO entries must be summed into one");
        assertArrayEquals(DENSE, m.toDense());
        assertArrayEquals(new int[] {0, 1, 3, 3}, m.rowPointers());
        assertArrayEquals(new int[] {1, 0, 3}, m.columnIndices());
    }

    @Test
    void aSmallFileDeclaringAHugeMatrixIsAnErrorBeforeAllocating() throws IOException {
        // What scipy.sparse.save_npz writes for coo_array(([1, 2, 3], ([0, 1, 2], [2, 1, 0])), shape=(2e9, 2e9)).
        Map<String, NpyArray> coo = new LinkedHashMap<>();
        coo.put("row", NpyArray.ofInt32(new int[] {0, 1, 2}, 3));
        coo.put("col", NpyArray.ofInt32(new int[] {2, 1, 0}, 3));
        coo.put("format", NpyArray.ofAsciiScalar("coo"));
        coo.put("shape", NpyArray.ofInt64(new long[] {2_000_000_000L, 2_000_000_000L}, 2));
        coo.put("data", NpyArray.ofFloat64(new double[] {1, 2, 3}, 3));
        Path f = tmp.resolve("huge-coo.npz");
        Npz.write(f, coo, true);
        assertTrue(Files.size(f) < 1100, "about a kilobyte: " + Files.size(f) + " bytes");
        IOException e = assertIoError(() -> ScipySparseNpz.read(f), f + ": 'shape' is [2000000000, 2000000000] "
                + "with 3 stored entries: a 2000000000 x 2000000000 matrix with 3 entries needs 24.0 GB to build, "
                + "more than the whole Java heap (");
        assertEquals(1, e.getMessage().lines().count());

        // A CSR file must bring its row pointers: the declared rows are checked against the indptr present.
        Map<String, NpyArray> csr = new LinkedHashMap<>(Npz.read(path("sp_csr_stored.npz")));
        csr.put("shape", NpyArray.ofInt64(new long[] {2_000_000_000L, 2_000_000_000L}, 2));
        Path g = tmp.resolve("huge-csr.npz");
        Npz.write(g, csr, true);
        assertIoError(() -> ScipySparseNpz.read(g), g + ": 'indptr' has 4 entries, but 'shape' [2000000000, "
                + "2000000000] needs rows + 1 = 2000000001: the arrays do not match the declared shape");

        // A shape at the int limit used to overflow into a negative array size.
        coo.put("shape", NpyArray.ofInt64(new long[] {Integer.MAX_VALUE, 3}, 2));
        Path h = tmp.resolve("int-limit.npz");
        Npz.write(h, coo, false);
        assertIoError(() -> ScipySparseNpz.read(h), h + ": 'shape' is [2147483647, 3]: expected two dimensions in "
                + "[0, 2147483638]");
    }

    @Test
    void rejectsBlockSparseWithAClearMessage() {
        Path f = path("sp_bsr.npz");
        assertIoError(() -> ScipySparseNpz.read(f), f.toString(), "'bsr' is not supported", ".tocsr()");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void writesScipyCsrLayout(boolean compressed) throws IOException {
        CsrMatrix m = CsrMatrix.fromDense(new double[][] {{0, 0.1, 0}, {-7.25, 0, 1e-9}, {0, 0, 0}, {0, 0, 3}});
        Path f = tmp.resolve("m.npz");
        ScipySparseNpz.write(f, m, compressed);
        assertEquals(m, ScipySparseNpz.read(f));

        Map<String, NpyArray> raw = Npz.read(f);
        assertEquals(List.of("indices", "indptr", "format", "shape", "data"), List.copyOf(raw.keySet()));
        assertEquals("<i4", raw.get("indices").dtype());
        assertEquals("<i4", raw.get("indptr").dtype());
        assertEquals("|S3", raw.get("format").dtype());
        assertEquals("csr", raw.get("format").toStringScalar());
        assertEquals("<i8", raw.get("shape").dtype());
        assertArrayEquals(new long[] {4, 3}, raw.get("shape").toLongArray());
        assertEquals("<f8", raw.get("data").dtype());
        assertArrayEquals(new double[] {0.1, -7.25, 1e-9, 3}, raw.get("data").toDoubleArray());
        assertArrayEquals(new int[] {0, 1, 3, 3, 4}, raw.get("indptr").toIntArray());
    }

    @Test
    void writesTheSameFileAsScipyForTheSameMatrix() throws IOException {
        // Same keys, dtypes, shapes and element bytes as scipy's own file for the same matrix.
        Map<String, NpyArray> scipy = Npz.read(path("sp_csr_stored.npz"));
        Path f = tmp.resolve("same.npz");
        ScipySparseNpz.write(f, CsrMatrix.fromDense(DENSE), false);
        Map<String, NpyArray> ours = Npz.read(f);
        assertEquals(scipy, ours);
    }

    @Test
    void reportsMissingKeysAndInconsistentArrays() throws IOException {
        Map<String, NpyArray> base = new LinkedHashMap<>(Npz.read(path("sp_csr_stored.npz")));

        Map<String, NpyArray> noIndptr = new LinkedHashMap<>(base);
        noIndptr.remove("indptr");
        Path f1 = write("no-indptr.npz", noIndptr);
        assertIoError(() -> ScipySparseNpz.read(f1), f1.toString(), "missing key 'indptr'");

        Map<String, NpyArray> noFormat = new LinkedHashMap<>(base);
        noFormat.remove("format");
        Path f2 = write("no-format.npz", noFormat);
        assertIoError(() -> ScipySparseNpz.read(f2), f2.toString(), "missing key 'format'");

        Map<String, NpyArray> badIndex = new LinkedHashMap<>(base);
        badIndex.put("indices", NpyArray.ofInt32(new int[] {1, 0, 9}, 3));
        Path f3 = write("bad-index.npz", badIndex);
        assertIoError(() -> ScipySparseNpz.read(f3), f3.toString(), "= 9 is out of range");

        Map<String, NpyArray> badShape = new LinkedHashMap<>(base);
        badShape.put("shape", NpyArray.ofInt64(new long[] {3, 4, 1}, 3));
        Path f4 = write("bad-shape.npz", badShape);
        assertIoError(() -> ScipySparseNpz.read(f4), f4.toString(), "'shape' is [3, 4, 1]");

        Map<String, NpyArray> numericFormat = new LinkedHashMap<>(base);
        numericFormat.put("format", NpyArray.ofInt32(new int[] {1}));
        Path f5 = write("numeric-format.npz", numericFormat);
        assertIoError(() -> ScipySparseNpz.read(f5), f5.toString(), "string dtype");

        Map<String, NpyArray> nan = new LinkedHashMap<>(base);
        nan.put("data", NpyArray.ofFloat64(new double[] {1, Double.NaN, 2}, 3));
        Path f6 = write("nan.npz", nan);
        assertIoError(() -> ScipySparseNpz.read(f6), f6.toString(), "not finite");
    }

    @Test
    void truncatedFilesFail() throws IOException {
        Path source = path("sp_csr_compressed.npz");
        int length = (int) Files.size(source);
        for (int cut : new int[] {0, 10, length / 3, length - 100, length - 1}) {
            Path f = Fixtures.truncated(source, cut, tmp);
            assertIoError(() -> ScipySparseNpz.read(f), f.toString());
        }
    }

    private Path write(String name, Map<String, NpyArray> arrays) throws IOException {
        Path f = tmp.resolve(name);
        Npz.write(f, arrays, false);
        return f;
    }
}
