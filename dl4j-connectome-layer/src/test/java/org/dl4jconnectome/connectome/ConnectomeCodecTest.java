package org.dl4jconnectome.connectome;

import org.dl4jconnectome.testutil.RandomConnectomes;
import org.dl4jconnectome.testutil.WorkedExample;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.zip.CRC32;
import java.util.zip.DeflaterOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConnectomeCodecTest {

    private static void assertCorrupt(Executable decode, String what) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, decode, what);
        assertTrue(e.getMessage() != null && e.getMessage().contains("corrupt"), what + ": " + e.getMessage());
    }

    private static Connectome mixedConnectome(boolean signedEdges) {
        Nonlinearity[] all = Nonlinearity.values();
        return RandomConnectomes.typed(42, 40, 0.15, all.length, signedEdges, all).toBuilder()
                .name("Drosophila – optic lobe ✓").build();
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void connectomeRoundTripsExactly(boolean signedEdges) {
        Connectome c = mixedConnectome(signedEdges);
        Connectome back = ConnectomeCodec.decodeConnectome(ConnectomeCodec.encode(c));
        assertEquals(c, back);
        assertEquals(signedEdges, back.hasEdgeSigns());
        assertArrayEquals(c.synapseSigns(), back.synapseSigns(), 0);
        assertEquals(c.signedSynapses(), back.signedSynapses());
        for (int t = 0; t < c.numTypes(); t++) {
            assertEquals(c.typeNonlinearity(t), back.typeNonlinearity(t));
            assertEquals(c.typeTau(t), back.typeTau(t), 0);
            assertEquals(c.typeName(t), back.typeName(t));
            assertEquals(c.typeClass(t), back.typeClass(t));
        }
    }

    @Test
    void workedExampleAndUnnamedConnectomeRoundTrip() {
        Connectome c = WorkedExample.connectome();
        assertEquals(c, ConnectomeCodec.decodeConnectome(ConnectomeCodec.encode(c)));
        Connectome single = Connectome.builder().synapses(CsrMatrix.fromDense(new double[][] {{0.3}})).build();
        assertEquals(single, ConnectomeCodec.decodeConnectome(ConnectomeCodec.encode(single)));
    }

    @Test
    void signedEdgeWithZeroMagnitudeKeepsItsSign() {
        // Stored as a signed matrix, an inhibitory synapse of magnitude 0 becomes -0.0 and must decode as inhibitory.
        Connectome c = Connectome.builder()
                .synapses(CsrMatrix.fromDense(new double[][] {{0, -1}, {2, 0}}))
                .negativeWeights(NegativeWeightPolicy.SIGNED_EDGES).build();
        Connectome zeroed = c.withSynapseMagnitudes(new double[] {0, 2});
        Connectome back = ConnectomeCodec.decodeConnectome(ConnectomeCodec.encode(zeroed));
        assertArrayEquals(new double[] {-1, 1}, back.synapseSigns(), 0);
    }

    @Test
    void matrixRoundTripsExactly() {
        Random rnd = new Random(3);
        // Non-float values (the float64 path), explicit zeros, empty rows and a wide column range for the varints.
        CsrMatrix m = CsrMatrix.fromCoo(5, 100_000, new int[] {0, 0, 2, 4, 4}, new int[] {7, 99_999, 0, 3, 65_537},
                new double[] {0.1, rnd.nextGaussian(), 0.0, -1e-300, Math.PI});
        assertEquals(m, ConnectomeCodec.decodeMatrix(ConnectomeCodec.encode(m)));
        CsrMatrix floats = CsrMatrix.fromDense(new double[][] {{0, 0.5}, {-2, 0.25}});
        assertEquals(floats, ConnectomeCodec.decodeMatrix(ConnectomeCodec.encode(floats)));
        CsrMatrix empty = CsrMatrix.fromCoo(0, 0, new int[0], new int[0], new double[0]);
        assertEquals(empty, ConnectomeCodec.decodeMatrix(ConnectomeCodec.encode(empty)));
        CsrMatrix noEntries = CsrMatrix.fromCoo(3, 4, new int[0], new int[0], new double[0]);
        assertEquals(noEntries, ConnectomeCodec.decodeMatrix(ConnectomeCodec.encode(noEntries)));
        CsrMatrix random = RandomConnectomes.matrix(rnd, 60, 45, 0.2, -3, 3);
        assertEquals(random, ConnectomeCodec.decodeMatrix(ConnectomeCodec.encode(random)));
    }

    @Test
    void intsRoundTrip() {
        int[][] cases = {{}, {0}, {Integer.MIN_VALUE, -1, 0, 1, Integer.MAX_VALUE}, new Random(5).ints(1000).toArray()};
        for (int[] v : cases) {
            assertArrayEquals(v, ConnectomeCodec.decodeInts(ConnectomeCodec.encode(v)));
        }
    }

    @Test
    void doublesRoundTripBitForBit() {
        double[][] cases = {
            {},
            {0.5, -2, 1024, 0.0, -0.0},                                       // all floats: float32 path
            {0.5, 0.1},                                                        // one non-float forces float64
            {Math.PI, Math.E, 1e-300, Double.MIN_VALUE, Double.MAX_VALUE, -1.0 / 3},
            {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1 + Math.ulp(1.0)},
            {(double) Float.MIN_VALUE, (double) Float.MAX_VALUE, 16_777_217.0},
            new Random(9).doubles(500).toArray()
        };
        for (double[] v : cases) {
            double[] back = ConnectomeCodec.decodeDoubles(ConnectomeCodec.encode(v));
            assertEquals(v.length, back.length);
            for (int i = 0; i < v.length; i++) {
                assertEquals(Double.doubleToRawLongBits(v[i]), Double.doubleToRawLongBits(back[i]),
                        "value " + v[i] + " at " + i + " came back as " + back[i]);
            }
        }
    }

    @Test
    void nullAndEmptyBlobsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> ConnectomeCodec.decodeConnectome(null));
        assertCorrupt(() -> ConnectomeCodec.decodeConnectome(new byte[0]), "empty blob");
        assertCorrupt(() -> ConnectomeCodec.decodeInts("not a blob at all".getBytes(StandardCharsets.US_ASCII)),
                "text");
    }

    @Test
    void everyTruncationIsRejected() {
        byte[] blob = ConnectomeCodec.encode(WorkedExample.connectome());
        for (int len = 0; len < blob.length; len++) {
            byte[] cut = Arrays.copyOf(blob, len);
            assertCorrupt(() -> ConnectomeCodec.decodeConnectome(cut), "truncated to " + len + " bytes");
        }
    }

    @Test
    void noSingleBitFlipGoesUnnoticed() {
        // A DEFLATE stream has a few don't-care bits (padding, unused code lengths): flipping one of them leaves the
        // content unchanged. Every other flip must be reported; none may yield different data.
        Connectome c = WorkedExample.connectome();
        checkBitFlips(ConnectomeCodec.encode(c), ConnectomeCodec::decodeConnectome, c::equals);
        double[] v = {0.1, 2, -3.5};
        checkBitFlips(ConnectomeCodec.encode(v), ConnectomeCodec::decodeDoubles,
                d -> Arrays.equals(v, (double[]) d));
    }

    private static void checkBitFlips(byte[] blob, Function<byte[], Object> decode, Predicate<Object> isOriginal) {
        int rejected = 0;
        for (int bit = 0; bit < blob.length * 8; bit++) {
            byte[] flipped = blob.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            String what = "bit " + bit + " of " + blob.length * 8 + " flipped";
            Object decoded;
            try {
                decoded = decode.apply(flipped);
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage() != null && e.getMessage().contains("corrupt"), what + ": " + e.getMessage());
                rejected++;
                continue;
            }
            assertTrue(isOriginal.test(decoded), what + " was accepted with different content");
        }
        assertTrue(rejected > blob.length * 8 * 9 / 10, "only " + rejected + " of " + blob.length * 8
                + " bit flips were rejected");
    }

    /**
     * A blob in the codec's container format (magic, version 1, kind, then DEFLATE of the payload's length, the
     * payload and its CRC-32), written here independently of the encoder so that the payload can lie.
     */
    private static byte[] blob(int kind, byte[] payload, int claimedLength) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write("DL4JCONN".getBytes(StandardCharsets.US_ASCII));
        DataOutputStream header = new DataOutputStream(out);
        header.writeInt(1);
        header.writeByte(kind);
        CRC32 crc = new CRC32();
        crc.update(payload);
        DeflaterOutputStream z = new DeflaterOutputStream(out);
        DataOutputStream body = new DataOutputStream(z);
        body.writeInt(claimedLength);
        body.write(payload);
        body.writeLong(crc.getValue());
        body.flush();
        z.finish();
        return out.toByteArray();
    }

    private static byte[] ints(int... values) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        for (int v : values) {
            d.writeInt(v);
        }
        return b.toByteArray();
    }

    private static void assertCorrupt(Executable decode, String what, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, decode, what);
        assertTrue(e.getMessage().startsWith("corrupt connectome data: ") && e.getMessage().contains(fragment),
                what + ": " + e.getMessage());
    }

    @Test
    void declaredSizesAreCheckedAgainstTheBytesPresentBeforeAllocating() throws IOException {
        // Each blob is a few dozen bytes; before the check each made the decoder allocate gigabytes.
        byte[] ints = ints(2_000_000_000);
        assertCorrupt(() -> ConnectomeCodec.decodeInts(blob(3, ints, ints.length)), "2e9 ints",
                "2000000000 ints need at least 8000000000 bytes, but only 0 remain");
        byte[] matrix = ints(2_000_000_000, 2_000_000_000, 0);
        assertCorrupt(() -> ConnectomeCodec.decodeMatrix(blob(2, matrix, matrix.length)), "2e9 rows",
                "a 2000000000x2000000000 matrix with 0 entries need at least 2000000000 bytes, but only 0 remain");
        byte[] values = Arrays.copyOf(ints(1_000_000_000), 5);
        assertCorrupt(() -> ConnectomeCodec.decodeDoubles(blob(4, values, values.length)), "1e9 doubles",
                "1000000000 values need at least 8000000000 bytes");
        ByteArrayOutputStream c = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(c);
        d.writeBoolean(false);
        d.writeInt(1_000_000_000);
        d.writeInt(1_000_000_000);
        byte[] connectome = c.toByteArray();
        assertCorrupt(() -> ConnectomeCodec.decodeConnectome(blob(1, connectome, connectome.length)), "1e9 types",
                "1000000000 neurons and 1000000000 types need at least 13000000000 bytes");
        assertCorrupt(() -> ConnectomeCodec.decodeInts(blob(3, ints(0), Integer.MAX_VALUE)), "2 GB payload",
                "the payload claims 2147483647 bytes, more than");
    }

    @Test
    void trailingGarbageIsRejected() {
        byte[] blob = ConnectomeCodec.encode(new int[] {1, 2, 3});
        for (byte[] tail : new byte[][] {{0}, {1, 2, 3}, blob}) {
            byte[] longer = Arrays.copyOf(blob, blob.length + tail.length);
            System.arraycopy(tail, 0, longer, blob.length, tail.length);
            assertCorrupt(() -> ConnectomeCodec.decodeInts(longer), tail.length + " trailing bytes");
        }
    }

    @Test
    void wrongKindIsRejected() {
        byte[] ints = ConnectomeCodec.encode(new int[] {1, 2});
        assertCorrupt(() -> ConnectomeCodec.decodeDoubles(ints), "ints as doubles");
        assertCorrupt(() -> ConnectomeCodec.decodeMatrix(ints), "ints as matrix");
        byte[] matrix = ConnectomeCodec.encode(CsrMatrix.fromDense(new double[][] {{1}}));
        assertCorrupt(() -> ConnectomeCodec.decodeConnectome(matrix), "matrix as connectome");
        byte[] connectome = ConnectomeCodec.encode(WorkedExample.connectome());
        assertCorrupt(() -> ConnectomeCodec.decodeMatrix(connectome), "connectome as matrix");
    }

    @Test
    void wrongMagicOrVersionIsRejected() {
        byte[] blob = ConnectomeCodec.encode(new int[] {4});
        byte[] magic = blob.clone();
        magic[0] = 'X';
        assertCorrupt(() -> ConnectomeCodec.decodeInts(magic), "bad magic");
        byte[] version = blob.clone();
        version[11] = 2; // big-endian int after the 8-byte magic
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConnectomeCodec.decodeInts(version));
        assertTrue(e.getMessage().contains("corrupt") && e.getMessage().contains("version 2"), e.getMessage());
    }

    // ---- hand-built blobs: correct framing and checksum around an invalid payload ----

    private static final byte KIND_CONNECTOME = 1;
    private static final byte KIND_MATRIX = 2;
    private static final byte KIND_INTS = 3;

    /** Frames a payload as the documented layout: magic, version, kind, DEFLATE(length, payload, CRC-32). */
    private static byte[] frame(byte kind, byte[] payload) throws IOException {
        ByteArrayOutputStream blob = new ByteArrayOutputStream();
        DataOutputStream header = new DataOutputStream(blob);
        header.write("DL4JCONN".getBytes(StandardCharsets.US_ASCII));
        header.writeInt(1);
        header.writeByte(kind);
        header.flush();
        CRC32 crc = new CRC32();
        crc.update(payload);
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (DataOutputStream z = new DataOutputStream(new DeflaterOutputStream(compressed))) {
            z.writeInt(payload.length);
            z.write(payload);
            z.writeLong(crc.getValue());
        }
        blob.write(compressed.toByteArray());
        return blob.toByteArray();
    }

    private interface PayloadWriter {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] payload(PayloadWriter w) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(b)) {
            w.write(out);
        }
        return b.toByteArray();
    }

    @Test
    void handBuiltValidBlobDecodes() throws IOException {
        // Confirms the hand framing, so that the rejections below are about the payload alone.
        byte[] blob = frame(KIND_INTS, payload(out -> {
            out.writeInt(2);
            out.writeInt(7);
            out.writeInt(-3);
        }));
        assertArrayEquals(new int[] {7, -3}, ConnectomeCodec.decodeInts(blob));
        byte[] matrix = frame(KIND_MATRIX, payload(out -> {
            out.writeInt(2);     // rows
            out.writeInt(3);     // cols
            out.writeInt(2);     // nnz
            out.writeByte(1);    // row 0: one entry
            out.writeByte(2);    //   column 2
            out.writeByte(1);    // row 1: one entry
            out.writeByte(0);    //   column 0
            out.writeInt(2);     // values
            out.writeBoolean(true);
            out.writeFloat(1.5f);
            out.writeFloat(-4f);
        }));
        assertEquals(CsrMatrix.fromDense(new double[][] {{0, 0, 1.5}, {-4, 0, 0}}), ConnectomeCodec.decodeMatrix(matrix));
    }

    @Test
    void checksummedButInvalidPayloadsAreRejected() throws IOException {
        byte[] extraByte = frame(KIND_INTS, payload(out -> {
            out.writeInt(1);
            out.writeInt(7);
            out.writeByte(0);
        }));
        assertCorrupt(() -> ConnectomeCodec.decodeInts(extraByte), "payload longer than its content");
        byte[] negativeLength = frame(KIND_INTS, payload(out -> out.writeInt(-1)));
        assertCorrupt(() -> ConnectomeCodec.decodeInts(negativeLength), "negative length");
        byte[] columnOutOfRange = frame(KIND_MATRIX, payload(out -> {
            out.writeInt(1);
            out.writeInt(2);
            out.writeInt(1);
            out.writeByte(1);
            out.writeByte(5); // column 5 of a 2-column matrix
            out.writeInt(1);
            out.writeBoolean(true);
            out.writeFloat(1f);
        }));
        assertCorrupt(() -> ConnectomeCodec.decodeMatrix(columnOutOfRange), "column out of range");
        byte[] rowOverflow = frame(KIND_MATRIX, payload(out -> {
            out.writeInt(1);
            out.writeInt(2);
            out.writeInt(1);
            out.writeByte(3); // three entries in a row of a matrix with one
            out.writeByte(0);
            out.writeInt(1);
            out.writeBoolean(true);
            out.writeFloat(1f);
        }));
        assertCorrupt(() -> ConnectomeCodec.decodeMatrix(rowOverflow), "row longer than nnz");
        byte[] badClass = frame(KIND_CONNECTOME, payload(out -> {
            out.writeBoolean(false); // no name
            out.writeInt(1);         // neurons
            out.writeInt(1);         // types
            out.writeByte(7);        // no such neuron class
            out.writeDouble(1.0);
            out.writeBoolean(true);
            out.writeUTF("SIGMOID");
            out.writeBoolean(false);
        }));
        assertCorrupt(() -> ConnectomeCodec.decodeConnectome(badClass), "bad neuron class");
        byte[] moreTypesThanNeurons = frame(KIND_CONNECTOME, payload(out -> {
            out.writeBoolean(false);
            out.writeInt(1);
            out.writeInt(2);
        }));
        assertCorrupt(() -> ConnectomeCodec.decodeConnectome(moreTypesThanNeurons), "2 types for 1 neuron");
    }
}
