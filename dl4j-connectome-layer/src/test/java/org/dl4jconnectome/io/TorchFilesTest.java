package org.dl4jconnectome.io;

import org.dl4jconnectome.testutil.TorchPickle;

import static org.dl4jconnectome.io.Fixtures.assertIoError;
import static org.dl4jconnectome.io.Fixtures.path;
import static org.dl4jconnectome.testutil.TorchPickle.float32s;
import static org.dl4jconnectome.testutil.TorchPickle.int64s;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.dl4jconnectome.connectome.CsrMatrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TorchFilesTest {
    /** The connectome in torch_sparse_coo.pt: indices [[0,2,1,2,0],[1,3,0,3,0]], the (2,3) pair twice. */
    private static final long[] ROWS = {0, 2, 1, 2, 0};
    private static final long[] COLS = {1, 3, 0, 3, 0};
    private static final float[] VALUES = {0.5f, -1.25f, 2.0f, 0.75f, 3.0f};
    private static final double[][] DENSE = {{3, 0.5, 0, 0}, {2, 0, 0, 0}, {0, 0, 0, -0.5}};
    private static final long[] TYPES = {0, 1, 1, 2, 0, 5};

    @TempDir
    Path tmp;

    @Test
    void readsGenuineSparseCooTensor() throws IOException {
        CsrMatrix m = TorchFiles.readSparse(path("torch_sparse_coo.pt"));
        assertEquals(3, m.rows());
        assertEquals(4, m.cols());
        assertEquals(4, m.nnz());
        assertArrayEquals(DENSE, m.toDense());
    }

    @Test
    void readsGenuineDenseTensors() throws IOException {
        NpyArray types = TorchFiles.readDense(path("torch_dense_int64.pt"));
        assertEquals("<i8", types.dtype());
        assertArrayEquals(new long[] {6}, types.shape());
        assertArrayEquals(TYPES, types.toLongArray());

        // base = arange(10.); base[4:10].view(2, 3).t(): offset 4, size (3, 2), stride (1, 3).
        NpyArray strided = TorchFiles.readDense(path("torch_strided_float64.pt"));
        assertEquals("<f8", strided.dtype());
        assertArrayEquals(new long[] {3, 2}, strided.shape());
        assertArrayEquals(new double[] {4, 7, 5, 8, 6, 9}, strided.toDoubleArray());
    }

    @Test
    void readsSelfWrittenSparseTensorLikeTheGenuineOne() throws IOException {
        // The PyTorch 2.x form: an 'archive/' prefix, a byteorder entry, the layout as a plain global and the
        // is_coalesced flag as a fourth element.
        TorchPickle p = new TorchPickle();
        p.global("torch._utils", "_rebuild_sparse_tensor").global("torch", "sparse_coo");
        p.mark();
        p.tensor("LongStorage", "0", 10, 0, new long[] {2, 5}, new long[] {5, 1});
        p.tensor("FloatStorage", "1", 5, 0, new long[] {5}, new long[] {1});
        p.global("torch", "Size").mark().ints(3, 4).tuple().reduce();
        p.bool(false);
        p.tuple().op(0x86).reduce();
        Map<String, byte[]> storages = new LinkedHashMap<>();
        storages.put("0", int64s(concat(ROWS, COLS)));
        storages.put("1", float32s(VALUES));
        Path f = tmp.resolve("sparse.pt");
        TorchPickle.writeArchive(f, "archive", p.stop(), storages, "little");

        CsrMatrix m = TorchFiles.readSparse(f);
        assertEquals(TorchFiles.readSparse(path("torch_sparse_coo.pt")), m);
        assertArrayEquals(DENSE, m.toDense());
    }

    @Test
    void readsSelfWrittenDenseTensors() throws IOException {
        Path f = tmp.resolve("types.pt");
        byte[] pickle = new TorchPickle().tensor("LongStorage", "0", 6, 0, new long[] {6}, new long[] {1}).stop();
        TorchPickle.writeArchive(f, "types", pickle, Map.of("0", int64s(TYPES)), null);
        assertEquals(TorchFiles.readDense(path("torch_dense_int64.pt")), TorchFiles.readDense(f));

        // A float32 view with an offset and transposed strides, resolved through STACK_GLOBAL (protocol 4).
        TorchPickle p = new TorchPickle().stackGlobal("torch._utils", "_rebuild_tensor_v2");
        p.mark().mark().str("storage").stackGlobal("torch", "FloatStorage").str("7").str("cpu").integer(10).tuple()
                .op('Q').integer(4).ints(3, 2).ints(1, 3).bool(false).emptyDict().tuple().reduce();
        Path g = tmp.resolve("strided.pt");
        TorchPickle.writeArchive(g, "archive", p.stop(),
                Map.of("7", float32s(0, 1, 2, 3, 4, 5, 6, 7, 8, 9)), "little");
        NpyArray a = TorchFiles.readDense(g);
        assertEquals("<f4", a.dtype());
        assertArrayEquals(new long[] {3, 2}, a.shape());
        assertArrayEquals(new float[] {4, 7, 5, 8, 6, 9}, a.toFloatArray());
    }

    @Test
    void widensBfloat16AndReadsParametersAndScalars() throws IOException {
        TorchPickle p = new TorchPickle().global("torch._utils", "_rebuild_parameter").mark();
        p.tensor("BFloat16Storage", "0", 3, 0, new long[] {3}, new long[] {1}).bool(true);
        p.global("collections", "OrderedDict").emptyTuple().reduce().tuple().reduce();
        Path f = tmp.resolve("param.pt");
        // bfloat16 1.0 = 0x3F80, -2.5 = 0xC020, 0.0 = 0x0000, little-endian.
        TorchPickle.writeArchive(f, "archive", p.stop(),
                Map.of("0", new byte[] {(byte) 0x80, 0x3F, 0x20, (byte) 0xC0, 0, 0}), "little");
        NpyArray a = TorchFiles.readDense(f);
        assertEquals("<f4", a.dtype());
        assertArrayEquals(new float[] {1f, -2.5f, 0f}, a.toFloatArray());

        Path s = tmp.resolve("scalar.pt");
        TorchPickle.writeArchive(s, "archive", new TorchPickle().tensor("IntStorage", "0", 3, 2, new long[0],
                new long[0]).stop(), Map.of("0", new byte[] {1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0}), null);
        NpyArray scalar = TorchFiles.readDense(s);
        assertEquals(0, scalar.ndim());
        assertArrayEquals(new int[] {3}, scalar.toIntArray());
    }

    @Test
    void wrongKindOfTensorIsReported() {
        Path sparse = path("torch_sparse_coo.pt");
        assertIoError(() -> TorchFiles.readDense(sparse), sparse.toString(), "use readSparse");
        Path dense = path("torch_dense_int64.pt");
        assertIoError(() -> TorchFiles.readSparse(dense), dense.toString(), "use readDense");
    }

    @Test
    void rejectsWhatItCannotRead() throws IOException {
        Path legacy = tmp.resolve("legacy.pt");
        Files.write(legacy, new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46});
        assertIoError(() -> TorchFiles.readDense(legacy), legacy.toString(), "legacy");

        Path text = tmp.resolve("text.pt");
        Files.writeString(text, "hello");
        assertIoError(() -> TorchFiles.readDense(text), text.toString(), "not a torch.save file");
        Path empty = tmp.resolve("empty.pt");
        Files.write(empty, new byte[0]);
        assertIoError(() -> TorchFiles.readSparse(empty), "empty or truncated");

        Path npz = path("dtypes.npz");
        assertIoError(() -> TorchFiles.readDense(npz), npz.toString(), "no <archive>/data.pkl");

        Path code = tmp.resolve("code.pt");
        byte[] evil = new TorchPickle().global("os", "system").str("echo hi").op(0x85).reduce().stop();
        TorchPickle.writeArchive(code, "archive", evil, Map.of(), null);
        assertIoError(() -> TorchFiles.readDense(code), code.toString(), "data.pkl", "unsupported global os.system");

        Path dict = tmp.resolve("dict.pt");
        TorchPickle.writeArchive(dict, "archive", new TorchPickle().emptyDict().stop(), Map.of(), null);
        assertIoError(() -> TorchFiles.readDense(dict), dict.toString(), "holds a dict");

        Path big = tmp.resolve("big-endian.pt");
        TorchPickle.writeArchive(big, "archive", types(6), Map.of("0", int64s(TYPES)), "big");
        assertIoError(() -> TorchFiles.readDense(big), big.toString(), "byte order 'big'");

        Path csr = tmp.resolve("csr.pt");
        byte[] csrPickle = new TorchPickle().global("torch._utils", "_rebuild_sparse_tensor")
                .global("torch", "sparse_csr").mark().tuple().op(0x86).reduce().stop();
        TorchPickle.writeArchive(csr, "archive", csrPickle, Map.of(), null);
        assertIoError(() -> TorchFiles.readSparse(csr), "sparse layout torch.sparse_csr is not supported");
    }

    @Test
    void inconsistentStoragesAreReported() throws IOException {
        Path missing = tmp.resolve("missing.pt");
        TorchPickle.writeArchive(missing, "archive", types(6), Map.of(), null);
        assertIoError(() -> TorchFiles.readDense(missing), missing.toString(), "missing storage entry archive/data/0");

        Path shortStorage = tmp.resolve("short.pt");
        TorchPickle.writeArchive(shortStorage, "archive", types(6), Map.of("0", int64s(1, 2, 3)), null);
        assertIoError(() -> TorchFiles.readDense(shortStorage), "storage has 24 bytes", "need 48");

        Path outside = tmp.resolve("outside.pt");
        byte[] view = new TorchPickle().tensor("LongStorage", "0", 6, 3, new long[] {4}, new long[] {1}).stop();
        TorchPickle.writeArchive(outside, "archive", view, Map.of("0", int64s(TYPES)), null);
        assertIoError(() -> TorchFiles.readDense(outside), "reaches outside its storage of 6 elements");

        Path negative = tmp.resolve("negative.pt");
        byte[] neg = new TorchPickle().tensor("LongStorage", "0", 6, 0, new long[] {2, 3}, new long[] {-3, 1})
                .stop();
        TorchPickle.writeArchive(negative, "archive", neg, Map.of("0", int64s(TYPES)), null);
        assertIoError(() -> TorchFiles.readDense(negative), "is negative");

        Path badIndex = tmp.resolve("bad-index.pt");
        TorchPickle p = new TorchPickle();
        p.global("torch._utils", "_rebuild_sparse_tensor").global("torch", "sparse_coo").mark();
        p.tensor("LongStorage", "0", 4, 0, new long[] {2, 2}, new long[] {2, 1});
        p.tensor("FloatStorage", "1", 2, 0, new long[] {2}, new long[] {1});
        p.global("torch", "Size").mark().ints(2, 2).tuple().reduce().tuple().op(0x86).reduce();
        TorchPickle.writeArchive(badIndex, "archive", p.stop(),
                Map.of("0", int64s(0, 5, 1, 1), "1", float32s(1f, 2f)), null);
        assertIoError(() -> TorchFiles.readSparse(badIndex), badIndex.toString(), "rowIdx[1] = 5 is out of range");
    }

    @Test
    void sizesDeclaredByTheFileAreCheckedBeforeAllocating() throws IOException {
        // A sparse tensor of three entries declaring 2e9 x 2e9.
        TorchPickle p = new TorchPickle().global("torch._utils", "_rebuild_sparse_tensor").global("torch", "sparse_coo")
                .mark().tensor("LongStorage", "0", 6, 0, new long[] {2, 3}, new long[] {3, 1})
                .tensor("FloatStorage", "1", 3, 0, new long[] {3}, new long[] {1})
                .global("torch", "Size").mark().ints(2_000_000_000L, 2_000_000_000L).tuple().reduce()
                .bool(false).tuple().op(0x86).reduce();
        Path huge = tmp.resolve("huge.pt");
        TorchPickle.writeArchive(huge, "archive", p.stop(), Map.of("0", int64s(0, 1, 2, 2, 1, 0),
                "1", float32s(1, 2, 3)), "little");
        assertIoError(() -> TorchFiles.readSparse(huge), huge + ": sparse size [2000000000, 2000000000] with 3 "
                + "stored entries: a 2000000000 x 2000000000 matrix with 3 entries needs 24.0 GB to build");

        // A pickle whose BINBYTES opcode declares 2 GB: the pickle library would allocate them before reading.
        byte[] lie = new TorchPickle().op('B').op(0xF0).op(0xFF).op(0xFF).op(0x7F).stop();
        Path bytes = tmp.resolve("binbytes.pt");
        TorchPickle.writeArchive(bytes, "archive", lie, Map.of(), null);
        assertIoError(() -> TorchFiles.readDense(bytes), bytes + " [entry archive/data.pkl]: cannot unpickle the "
                + "tensor description: pickle opcode 0x42 declares 2147483632 bytes, but only 1 remain in the pickle");
        byte[] lie8 = new TorchPickle().op(0x8e).op(0).op(0).op(0).op(0).op(0).op(0).op(0).op(0x80).stop();
        Path bytes8 = tmp.resolve("binbytes8.pt");
        TorchPickle.writeArchive(bytes8, "archive", lie8, Map.of(), null);
        assertIoError(() -> TorchFiles.readDense(bytes8), "opcode 0x8e declares 9223372036854775808 bytes");

        // A broadcast view (stride 0) of one stored element, declaring 2e8 int64 elements = 1.6 GB; with a
        // thousand times that, more than any heap here.
        byte[] view = new TorchPickle().tensor("LongStorage", "0", 1, 0, new long[] {200_000_000L, 1000},
                new long[] {0, 0}).stop();
        Path broadcast = tmp.resolve("broadcast.pt");
        TorchPickle.writeArchive(broadcast, "archive", view, Map.of("0", int64s(7)), null);
        assertIoError(() -> TorchFiles.readDense(broadcast), broadcast + ": tensor of size [200000000, 1000] is too "
                + "large");
    }

    @Test
    void truncatedAndCorruptFilesFail() throws IOException {
        Path source = path("torch_sparse_coo.pt");
        byte[] bytes = Files.readAllBytes(source);
        for (int cut : new int[] {0, 3, 4, 100, bytes.length / 2, bytes.length - 22, bytes.length - 1}) {
            Path f = Fixtures.truncated(source, cut, tmp);
            assertIoError(() -> TorchFiles.readSparse(f), f.toString());
        }
        // Flip a bit in the values storage ("data/1", the last 20 bytes before the version entry).
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int valuesAt = text.indexOf("torch_sparse_coo/data/1") + "torch_sparse_coo/data/1".length();
        int dataStart = text.indexOf("torch_sparse_coo/version") - 30 - 20;
        bytes[dataStart + 2] ^= 0x10;
        Path corrupt = tmp.resolve("corrupt.pt");
        Files.write(corrupt, bytes);
        assertTrue(valuesAt < dataStart, "the flipped byte must lie in data/1");
        assertIoError(() -> TorchFiles.readSparse(corrupt), corrupt.toString(), "data/1", "CRC-32 mismatch");
    }

    /** A pickle for a 1-D int64 tensor of n elements in storage "0". */
    private static byte[] types(int n) {
        return new TorchPickle().tensor("LongStorage", "0", n, 0, new long[] {n}, new long[] {1}).stop();
    }

    private static long[] concat(long[] a, long[] b) {
        long[] out = new long[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
