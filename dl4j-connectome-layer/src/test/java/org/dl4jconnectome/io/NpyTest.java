package org.dl4jconnectome.io;

import static org.dl4jconnectome.io.Fixtures.assertArgError;
import static org.dl4jconnectome.io.Fixtures.assertIoError;
import static org.dl4jconnectome.io.Fixtures.path;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {
    @TempDir
    Path tmp;

    @Test
    void readsNumpyFloat32Matrix() throws IOException {
        NpyArray a = Npy.read(path("f4_2x3.npy"));
        assertEquals("<f4", a.dtype());
        assertArrayEquals(new long[] {2, 3}, a.shape());
        assertEquals(6, a.size());
        assertArrayEquals(new float[] {1.5f, -2.25f, 3f, 4f, 0.125f, -6.5f}, a.toFloatArray());
        assertArrayEquals(new double[] {1.5, -2.25, 3, 4, 0.125, -6.5}, a.toDoubleArray());
    }

    @Test
    void readsBigEndianAsLittleEndian() throws IOException {
        NpyArray a = Npy.read(path("f8_be_3.npy"));
        assertEquals("<f8", a.dtype());
        assertArrayEquals(new double[] {1.0, -2.5, 1e300}, a.toDoubleArray());
    }

    @Test
    void convertsFortranOrderToCOrder() throws IOException {
        NpyArray a = Npy.read(path("i8_fortran_2x3x2.npy"));
        assertArrayEquals(new long[] {2, 3, 2}, a.shape());
        long[] expected = new long[12];
        Arrays.setAll(expected, i -> i - 5);
        assertArrayEquals(expected, a.toLongArray());

        NpyArray b = Npy.read(path("i2_be_fortran_3x2.npy"));
        assertEquals("<i2", b.dtype());
        assertArrayEquals(new long[] {3, 2}, b.shape());
        assertArrayEquals(new int[] {1, -2, 300, -400, 32767, -32768}, b.toIntArray());
    }

    @Test
    void readsVersion2And3Headers() throws IOException {
        assertEquals(2, Files.readAllBytes(path("f4_v2.npy"))[6]);
        assertArrayEquals(new float[] {0.5f, 1.5f, -2.5f, 4f}, Npy.read(path("f4_v2.npy")).toFloatArray());
        assertEquals(3, Files.readAllBytes(path("u2_v3.npy"))[6]);
        NpyArray u = Npy.read(path("u2_v3.npy"));
        assertEquals("<u2", u.dtype());
        assertArrayEquals(new long[] {2, 2}, u.shape());
        assertArrayEquals(new int[] {0, 1, 65535, 7}, u.toIntArray());
    }

    @Test
    void readsScalarsStringsAndEmptyArrays() throws IOException {
        NpyArray s = Npy.read(path("u3_scalar.npy"));
        assertEquals("<U3", s.dtype());
        assertEquals(0, s.ndim());
        assertEquals("csr", s.toStringScalar());

        NpyArray d = Npy.read(path("f8_scalar.npy"));
        assertEquals(1, d.size());
        assertArrayEquals(new double[] {2.75}, d.toDoubleArray());

        NpyArray e = Npy.read(path("f4_empty.npy"));
        assertArrayEquals(new long[] {0, 3}, e.shape());
        assertEquals(0, e.toFloatArray().length);
    }

    @Test
    void writesByteForByteWhatNumpySaves() throws IOException {
        NpyArray f4 = NpyArray.ofFloat32(new float[] {1.5f, -2.25f, 3f, 4f, 0.125f, -6.5f}, 2, 3);
        assertArrayEquals(Files.readAllBytes(path("f4_2x3.npy")), bytes(f4));
        assertArrayEquals(Files.readAllBytes(path("f8_scalar.npy")), bytes(NpyArray.ofFloat64(new double[] {2.75})));
        assertArrayEquals(Files.readAllBytes(path("f4_empty.npy")), bytes(NpyArray.ofFloat32(new float[0], 0, 3)));
    }

    @Test
    void roundTripsEveryFactoryThroughAFile() throws IOException {
        NpyArray[] arrays = {
            NpyArray.ofFloat32(new float[] {Float.MIN_VALUE, -0f, Float.MAX_VALUE, Float.NaN}, 2, 2),
            NpyArray.ofFloat64(new double[] {Math.PI, -1e-310, Double.NEGATIVE_INFINITY}, 3),
            NpyArray.ofInt32(new int[] {Integer.MIN_VALUE, 0, Integer.MAX_VALUE, 7, 8, 9}, 1, 2, 3),
            NpyArray.ofInt64(new long[] {Long.MIN_VALUE, Long.MAX_VALUE}, 2, 1),
        };
        String[] dtypes = {"<f4", "<f8", "<i4", "<i8"};
        for (int i = 0; i < arrays.length; i++) {
            Path f = tmp.resolve("a" + i + ".npy");
            Npy.write(f, arrays[i]);
            NpyArray back = Npy.read(f);
            assertEquals(arrays[i], back);
            assertEquals(dtypes[i], back.dtype());
            long dataBytes = (long) back.size() * Integer.parseInt(dtypes[i].substring(2));
            assertEquals(0, (Files.size(f) - dataBytes) % 64, "data must start at a multiple of 64 bytes");
        }
        assertArrayEquals(new long[] {Long.MIN_VALUE, Long.MAX_VALUE}, Npy.read(tmp.resolve("a3.npy")).toLongArray());
        assertArrayEquals(new int[] {Integer.MIN_VALUE, 0, Integer.MAX_VALUE, 7, 8, 9},
                Npy.read(tmp.resolve("a2.npy")).toIntArray());
    }

    @Test
    void writesVersion2WhenTheHeaderIsTooLongForVersion1() throws IOException {
        long[] shape = new long[30000];
        Arrays.fill(shape, 1);
        NpyArray a = NpyArray.ofInt32(new int[] {42}, shape);
        byte[] b = bytes(a);
        assertEquals(2, b[6]);
        NpyArray back = Npy.read(new ByteArrayInputStream(b), "v2");
        assertEquals(30000, back.ndim());
        assertArrayEquals(new int[] {42}, back.toIntArray());
    }

    @Test
    void readsFiveMillionFloatsFromFileAndStream() throws IOException {
        int n = 5_000_000;
        float[] data = new float[n];
        for (int i = 0; i < n; i++) {
            data[i] = i * 0.5f - 7f;
        }
        Path f = tmp.resolve("big.npy");
        Npy.write(f, NpyArray.ofFloat32(data, 1000, 5000));
        assertArrayEquals(data, Npy.read(f).toFloatArray());
        // A stream of unknown length takes the growing-buffer path (more than its first 16 MiB chunk).
        try (InputStream in = Files.newInputStream(f)) {
            assertArrayEquals(data, Npy.read(in, "big").toFloatArray());
        }
    }

    @Test
    void leavesTheStreamRightAfterTheArray() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npy.write(out, NpyArray.ofInt32(new int[] {1, 2}, 2));
        Npy.write(out, NpyArray.ofInt64(new long[] {3}, 1));
        InputStream in = new ByteArrayInputStream(out.toByteArray());
        assertArrayEquals(new int[] {1, 2}, Npy.read(in, "first").toIntArray());
        assertArrayEquals(new long[] {3}, Npy.read(in, "second").toLongArray());
        assertEquals(-1, in.read());
    }

    @Test
    void acceptsOldAndNativeOrderHeaders() throws IOException {
        NpyArray a = Npy.read(new ByteArrayInputStream(npy(1, "{'descr': '=i4', 'fortran_order': False, "
                + "'shape': (2L,), }", le(4, 7, -1))), "old");
        assertArrayEquals(new int[] {7, -1}, a.toIntArray());
        NpyArray b = Npy.read(new ByteArrayInputStream(npy(1, "{\"shape\": (2,), \"descr\": \"i4\", "
                + "\"fortran_order\": False}", le(4, 5, 6))), "dq");
        assertArrayEquals(new int[] {5, 6}, b.toIntArray());
    }

    @Test
    void truncatedFilesFailNamingTheFile() throws IOException {
        Path source = path("f4_2x3.npy");
        int length = (int) Files.size(source);
        for (int cut : new int[] {0, 3, 6, 7, 9, 40, 127, 128, 140, length - 1}) {
            Path f = Fixtures.truncated(source, cut, tmp);
            assertIoError(() -> Npy.read(f), f.toString());
            byte[] prefix = Files.readAllBytes(f);
            assertIoError(() -> Npy.read(new ByteArrayInputStream(prefix), "stream-" + cut), "stream-" + cut);
        }
        Path cutData = Fixtures.truncated(source, length - 1, tmp);
        assertIoError(() -> Npy.read(cutData), "truncated .npy data", "need 24 bytes", "only 23");
    }

    @Test
    void rejectsMalformedHeaders() {
        assertIoError(() -> read("not numpy at all".getBytes(StandardCharsets.US_ASCII)), "bad magic");
        assertIoError(() -> read(npy(4, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", le(4, 0))),
                "version 4.0");
        assertIoError(() -> read(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)", le(4, 0))),
                "header is not parseable");
        assertIoError(() -> read(npy(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", le(8, 0))),
                "'<c8' is not supported");
        assertIoError(() -> read(npy(1, "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", le(8, 0))),
                "'|O'");
        assertIoError(() -> read(npy(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }",
                le(4, 0))), "structured dtypes");
        assertIoError(() -> read(npy(1, "{'descr': '|i4', 'fortran_order': False, 'shape': (1,), }", le(4, 0))),
                "no byte order");
        assertIoError(() -> read(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", le(4, 0))),
                "non-negative");
        assertIoError(() -> read(npy(1, "{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }", le(4, 0))),
                "fortran_order");
        assertIoError(() -> read(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}",
                le(4, 0))), "unexpected key x");
        assertIoError(() -> read(npy(1, "{'descr': '<U1', 'fortran_order': False, 'shape': (1,), }",
                le(4, 0xD800))), "invalid code point");
        assertIoError(() -> read(npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000, "
                + "100000), }", le(8, 0))), "too large");
    }

    @Test
    void convertsBetweenElementTypesAndRejectsLossyIntegers() {
        NpyArray f = NpyArray.ofFloat64(new double[] {3.0, -2.0, 1.5}, 3);
        assertArgError(f::toIntArray, "element 2 = 1.5", "not a whole number");
        assertArgError(f::toLongArray, "element 2 = 1.5");
        NpyArray whole = NpyArray.ofFloat32(new float[] {3f, -2f}, 2);
        assertArrayEquals(new int[] {3, -2}, whole.toIntArray());
        assertArgError(NpyArray.ofFloat64(new double[] {3e9}, 1)::toIntArray, "3000000000", "int range");
        assertArgError(NpyArray.ofFloat64(new double[] {1e19}, 1)::toLongArray, "outside the long range");
        assertArgError(NpyArray.ofFloat64(new double[] {Double.NaN}, 1)::toLongArray, "not a whole number");
        assertArgError(NpyArray.ofInt64(new long[] {1L << 40}, 1)::toIntArray, "1099511627776", "int range");
        assertArrayEquals(new double[] {1099511627776.0}, NpyArray.ofInt64(new long[] {1L << 40}, 1).toDoubleArray());
        assertArrayEquals(new float[] {16777216f}, NpyArray.ofInt64(new long[] {16777217}, 1).toFloatArray());
        assertArgError(NpyArray.ofInt32(new int[] {1}, 1)::toStringArray, "string dtype", "<i4");
        assertArgError(NpyArray.ofInt32(new int[] {1, 2}, 2)::toStringScalar, "exactly one element");
        assertArgError(NpyArray.ofAsciiScalar("csr")::toDoubleArray, "numeric dtype", "|S3");
    }

    @Test
    void factoriesCheckTheShape() {
        assertArgError(() -> NpyArray.ofFloat32(new float[6], 2, 2), "shape [2, 2] has 4 elements",
                "data has 6");
        assertArgError(() -> NpyArray.ofInt32(new int[1], 1, -1), "shape[1] = -1");
        assertArgError(() -> NpyArray.ofInt64(new long[0], Long.MAX_VALUE, 4), "too many");
        assertArgError(() -> NpyArray.ofFloat64(new double[2]), "shape [] has 1 elements", "data has 2");
    }

    @Test
    void arraysAreImmutable() {
        float[] data = {1f, 2f};
        long[] shape = {2};
        NpyArray a = NpyArray.ofFloat32(data, shape);
        data[0] = 99f;
        shape[0] = 5;
        a.shape()[0] = 7;
        a.toFloatArray()[1] = 42f;
        assertArrayEquals(new float[] {1f, 2f}, a.toFloatArray());
        assertArrayEquals(new long[] {2}, a.shape());
        assertNotEquals(a, NpyArray.ofFloat64(new double[] {1, 2}, 2));
    }

    @Test
    void decodesFloat16Exactly() {
        assertEquals(1.0f, NpyArray.halfToFloat((short) 0x3C00));
        assertEquals(-2.0f, NpyArray.halfToFloat((short) 0xC000));
        assertEquals(65504f, NpyArray.halfToFloat((short) 0x7BFF));
        assertEquals(0x1p-24f, NpyArray.halfToFloat((short) 0x0001));
        assertEquals(0x1p-14f, NpyArray.halfToFloat((short) 0x0400));
        assertEquals(Float.NEGATIVE_INFINITY, NpyArray.halfToFloat((short) 0xFC00));
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(NpyArray.halfToFloat((short) 0x8000)));
        assertEquals(Float.NaN, NpyArray.halfToFloat((short) 0x7E00));
    }

    private static NpyArray read(byte[] bytes) throws IOException {
        return Npy.read(new ByteArrayInputStream(bytes), "test.npy");
    }

    private static byte[] bytes(NpyArray a) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npy.write(out, a);
        return out.toByteArray();
    }

    /** A .npy file with the given header text (padded as NumPy pads it) and data. */
    static byte[] npy(int major, String header, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        byte[] h = (header + "\n").getBytes(StandardCharsets.ISO_8859_1);
        int lenBytes = major == 1 ? 2 : 4;
        ByteBuffer len = ByteBuffer.allocate(lenBytes).order(ByteOrder.LITTLE_ENDIAN);
        if (lenBytes == 2) {
            len.putShort((short) h.length);
        } else {
            len.putInt(h.length);
        }
        out.writeBytes(len.array());
        out.writeBytes(h);
        out.writeBytes(data);
        return out.toByteArray();
    }

    /** Little-endian integers of the given width. */
    static byte[] le(int width, long... values) {
        ByteBuffer b = ByteBuffer.allocate(width * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            if (width == 4) {
                b.putInt((int) v);
            } else {
                b.putLong(v);
            }
        }
        return b.array();
    }
}
