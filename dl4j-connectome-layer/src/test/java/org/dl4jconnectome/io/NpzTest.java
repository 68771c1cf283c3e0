package org.dl4jconnectome.io;

import static org.dl4jconnectome.io.Fixtures.assertArgError;
import static org.dl4jconnectome.io.Fixtures.assertIoError;
import static org.dl4jconnectome.io.Fixtures.path;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NpzTest {
    private static final List<String> KEYS = List.of("b1", "i1", "u1", "i2", "u2_be", "i4_be", "u4", "i8", "u8_be",
            "f2", "f2_be", "f4_be", "f8", "s3", "u_arr");

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"dtypes.npz", "dtypes_compressed.npz"})
    void readsEveryDtypeNumpyWrites(String fixture) throws IOException {
        Map<String, NpyArray> m = Npz.read(path(fixture));
        assertEquals(KEYS, List.copyOf(m.keySet()));

        assertEquals("|b1", m.get("b1").dtype());
        assertArrayEquals(new int[] {1, 0, 1}, m.get("b1").toIntArray());
        assertEquals("|i1", m.get("i1").dtype());
        assertArrayEquals(new int[] {-128, 0, 127}, m.get("i1").toIntArray());
        assertEquals("|u1", m.get("u1").dtype());
        assertArrayEquals(new int[] {0, 200, 255}, m.get("u1").toIntArray());
        assertArrayEquals(new int[] {-32768, 5, 32767}, m.get("i2").toIntArray());
        assertEquals("<u2", m.get("u2_be").dtype());
        assertArrayEquals(new int[] {0, 513, 65535}, m.get("u2_be").toIntArray());
        assertEquals("<i4", m.get("i4_be").dtype());
        assertArrayEquals(new int[] {Integer.MIN_VALUE, 7, Integer.MAX_VALUE}, m.get("i4_be").toIntArray());
        assertArrayEquals(new long[] {0, 3_000_000_000L, 4_294_967_295L}, m.get("u4").toLongArray());
        assertArgError(m.get("u4")::toIntArray, "element 1 = 3000000000", "int range");
        assertArrayEquals(new long[] {Long.MIN_VALUE, 42, Long.MAX_VALUE}, m.get("i8").toLongArray());
        assertEquals("<u8", m.get("u8_be").dtype());
        assertArgError(m.get("u8_be")::toLongArray, "element 2 = 18446744073709551615", "long range");
        assertArrayEquals(new double[] {0, 9.223372036854775807E18, 1.8446744073709552E19},
                m.get("u8_be").toDoubleArray());
        assertEquals("<f2", m.get("f2").dtype());
        assertArrayEquals(new float[] {1f, -0.5f, 65504f, 0x1p-24f, Float.POSITIVE_INFINITY},
                m.get("f2").toFloatArray());
        assertArrayEquals(new double[] {0.333251953125, -2.0}, m.get("f2_be").toDoubleArray());
        assertArrayEquals(new float[] {1.5f, -3.25f}, m.get("f4_be").toFloatArray());
        assertArrayEquals(new long[] {2, 2}, m.get("f8").shape());
        assertArrayEquals(new double[] {0.1, 0.2, 0.3, 1e-300}, m.get("f8").toDoubleArray());
        assertEquals("|S3", m.get("s3").dtype());
        assertArrayEquals(new String[] {"ab", "xyz"}, m.get("s3").toStringArray());
        assertEquals("<U4", m.get("u_arr").dtype());
        assertArrayEquals(new String[] {"post", "pré"}, m.get("u_arr").toStringArray());
        assertThrows(UnsupportedOperationException.class, () -> m.remove("b1"));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void roundTripsInInsertionOrder(boolean compressed) throws IOException {
        Map<String, NpyArray> arrays = new LinkedHashMap<>();
        arrays.put("zeta", NpyArray.ofFloat32(new float[] {1f, 2f, 3f, 4f}, 2, 2));
        arrays.put("alpha", NpyArray.ofInt64(new long[] {5, -6}, 2));
        arrays.put("mid", NpyArray.ofFloat64(new double[] {0.25}));
        arrays.put("ints", NpyArray.ofInt32(new int[3000], 3000));
        Path f = tmp.resolve("a.npz");
        Npz.write(f, arrays, compressed);
        Map<String, NpyArray> back = Npz.read(f);
        assertEquals(List.of("zeta", "alpha", "mid", "ints"), List.copyOf(back.keySet()));
        assertEquals(arrays, back);
        // The zeros compress to almost nothing; stored they take their full 12 kB.
        assertEquals(compressed, Files.size(f) < 4000, "file size " + Files.size(f));
        byte[] first = Files.readAllBytes(f);
        Npz.write(f, arrays, compressed);
        assertArrayEquals(first, Files.readAllBytes(f), "equal content must give identical archives");
    }

    /** A .npy header (version 1.0, padded to 64 bytes) for the given dtype and shape, followed by {@code data}. */
    private static byte[] npy(String descr, String shape, byte[] data) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int total = 10 + dict.length() + 1;
        int padded = (total + 63) / 64 * 64;
        byte[] out = new byte[padded + data.length];
        byte[] magic = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
        System.arraycopy(magic, 0, out, 0, 8);
        out[8] = (byte) (padded - 10);
        out[9] = (byte) ((padded - 10) >> 8);
        byte[] d = dict.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        System.arraycopy(d, 0, out, 10, d.length);
        Arrays.fill(out, 10 + d.length, padded - 1, (byte) ' ');
        out[padded - 1] = '\n';
        System.arraycopy(data, 0, out, padded, data.length);
        return out;
    }

    @Test
    void entrySizesTheArchiveCannotHoldAreRefusedBeforeAllocating() throws IOException {
        // One deflated entry whose .npy header declares 2e9 bytes, of which 10 are there; the central directory is
        // then edited to claim the 2e9 too. The reader used to allocate the claimed 2 GB before reading anything.
        byte[] entry = npy("|u1", "(2000000000,)", new byte[10]);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("x.npy"));
            zip.write(entry);
            zip.closeEntry();
        }
        byte[] archive = bytes.toByteArray();
        int cd = new String(archive, java.nio.charset.StandardCharsets.ISO_8859_1).lastIndexOf("PK\u0001\u0002");
        java.nio.ByteBuffer.wrap(archive, cd + 24, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(2_000_000_128);
        Path f = tmp.resolve("claims-2GB.npz");
        Files.write(f, archive);
        assertTrue(archive.length < 600, archive.length + " bytes");
        assertIoError(() -> Npz.read(f), f + " [entry x.npy]: the entry claims 2000000128 bytes uncompressed from ",
                " compressed bytes, more than DEFLATE can expand to; the archive is corrupt");

        // The same .npy header with its real entry size: reported as short data, after reading the 10 bytes.
        Path g = tmp.resolve("declares-2GB.npz");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(g))) {
            zip.putNextEntry(new ZipEntry("x.npy"));
            zip.write(entry);
            zip.closeEntry();
        }
        assertIoError(() -> Npz.read(g), g + " [entry x.npy]: truncated .npy data: shape [2000000000] and dtype "
                + "|u1 need 2000000000 bytes after the header, but only 10 are there");
    }

    @Test
    void truncatedArchivesFail() throws IOException {
        for (String fixture : new String[] {"dtypes.npz", "dtypes_compressed.npz"}) {
            Path source = path(fixture);
            int length = (int) Files.size(source);
            for (int cut : new int[] {0, 2, 30, 200, length / 2, length - 200, length - 23, length - 1}) {
                Path f = Fixtures.truncated(source, cut, tmp);
                assertIoError(() -> Npz.read(f), f.toString());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dtypes.npz", "dtypes_compressed.npz"})
    void corruptedEntryDataFails(String fixture) throws IOException {
        byte[] bytes = Files.readAllBytes(path(fixture));
        // The first entry's data follows its 30-byte local header, name and extra field. Flip a bit in its array
        // data (stored: the first bool) or its deflate stream, leaving the zip structure intact.
        int dataStart = 30 + (bytes[26] & 0xFF) + (bytes[28] & 0xFF);
        bytes[dataStart + (fixture.contains("compressed") ? 40 : 128)] ^= 0x01;
        Path f = tmp.resolve("corrupt.npz");
        Files.write(f, bytes);
        IOException e = assertIoError(() -> Npz.read(f), f.toString(), "b1.npy");
        assertTrue(e.getMessage().contains("CRC") || e.getMessage().contains("corrupt"), e.getMessage());
    }

    @Test
    void aBadEntryFailsTheWholeRead() throws IOException {
        Path f = tmp.resolve("bad-entry.npz");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(f))) {
            zip.putNextEntry(new ZipEntry("good.npy"));
            Npy.write(zip, NpyArray.ofInt32(new int[] {1}, 1));
            zip.putNextEntry(new ZipEntry("bad.npy"));
            zip.write("definitely not npy".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
        assertIoError(() -> Npz.read(f), f.toString(), "bad.npy", "bad magic");
    }

    @Test
    void rejectsNonZipFilesAndBadArguments() throws IOException {
        Path f = tmp.resolve("plain.npz");
        Files.write(f, Files.readAllBytes(path("f4_2x3.npy")));
        assertIoError(() -> Npz.read(f), f.toString(), "not a readable zip archive");
        Map<String, NpyArray> emptyKey = Map.of("", NpyArray.ofInt32(new int[0], 0));
        assertArgError(() -> Npz.write(tmp.resolve("x.npz"), emptyKey, false), "key ''");
        Map<String, NpyArray> nullValue = new LinkedHashMap<>();
        nullValue.put("a", null);
        assertArgError(() -> Npz.write(tmp.resolve("x.npz"), nullValue, true), "arrays['a'] is null");
        assertEquals(List.of("plain.npz"), Arrays.stream(tmp.toFile().list()).toList(),
                "failed writes must leave no files behind");
    }
}
