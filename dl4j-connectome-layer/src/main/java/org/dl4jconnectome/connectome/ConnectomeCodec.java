package org.dl4jconnectome.connectome;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

/**
 * A compact, checksummed binary form of connectome data, used to store the structure with a model (inside the
 * layer configuration) without writing millions of JSON numbers.
 * <p>
 * Layout: the magic {@code "DL4JCONN"}, a format version, a kind tag, then a DEFLATE stream of the payload followed
 * by the payload's CRC-32. Column indices are delta-encoded within rows as variable-length integers; values are
 * stored as float32 when every value is exactly a float, else as float64. Decoding rejects a wrong magic, version or
 * kind, a truncated stream, trailing data and a checksum mismatch with an {@link IllegalArgumentException}: a corrupt
 * blob is reported, never half-loaded.
 */
public final class ConnectomeCodec {
    private static final byte[] MAGIC = "DL4JCONN".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    private static final byte KIND_CONNECTOME = 1;
    private static final byte KIND_MATRIX = 2;
    private static final byte KIND_INTS = 3;
    private static final byte KIND_DOUBLES = 4;
    /** DEFLATE expands by at most 1032:1, which bounds the payload a blob of a given length can hold. */
    private static final int MAX_INFLATION = 1032;

    private ConnectomeCodec() {
    }

    public static byte[] encode(Connectome c) {
        return write(KIND_CONNECTOME, out -> {
            writeString(out, c.name());
            int n = c.numNeurons();
            int k = c.numTypes();
            out.writeInt(n);
            out.writeInt(k);
            for (int t = 0; t < k; t++) {
                out.writeByte(c.typeClass(t).ordinal());
                out.writeDouble(c.typeTau(t));
                writeString(out, c.typeNonlinearity(t).name());
                writeString(out, c.typeName(t));
            }
            int[] types = c.types().typeIds();
            for (int i = 0; i < n; i++) {
                writeVarint(out, types[i]);
            }
            writeMatrix(out, c.hasEdgeSigns() ? c.signedSynapses() : c.synapses());
            out.writeBoolean(c.hasEdgeSigns());
        });
    }

    public static Connectome decodeConnectome(byte[] blob) {
        return read(blob, KIND_CONNECTOME, in -> {
            String name = readString(in);
            int n = in.readInt();
            int k = in.readInt();
            if (n < 1 || k < 1 || k > n) {
                throw new IOException("invalid sizes: " + n + " neurons, " + k + " types");
            }
            // Every neuron's type takes at least one byte, every type at least 12.
            requirePresent(in, n + 12L * k, n + " neurons and " + k + " types");
            NeuronClass[] classes = new NeuronClass[k];
            double[] tau = new double[k];
            Nonlinearity[] phi = new Nonlinearity[k];
            String[] names = new String[k];
            for (int t = 0; t < k; t++) {
                int cls = in.readUnsignedByte();
                if (cls >= NeuronClass.values().length) {
                    throw new IOException("invalid neuron class code " + cls);
                }
                classes[t] = NeuronClass.values()[cls];
                tau[t] = in.readDouble();
                phi[t] = Nonlinearity.valueOf(readString(in));
                names[t] = readString(in);
            }
            int[] types = new int[n];
            for (int i = 0; i < n; i++) {
                types[i] = readVarint(in);
            }
            CsrMatrix synapses = readMatrix(in);
            boolean signed = in.readBoolean();
            return Connectome.builder().name(name).synapses(synapses).neuronTypes(NeuronTypes.fromTypeIds(types, k))
                    .negativeWeights(signed ? NegativeWeightPolicy.SIGNED_EDGES : NegativeWeightPolicy.REJECT)
                    .typeClasses(classes).typeTau(tau).typeNonlinearity(phi).typeNames(names).build();
        });
    }

    public static byte[] encode(CsrMatrix m) {
        return write(KIND_MATRIX, out -> writeMatrix(out, m));
    }

    public static CsrMatrix decodeMatrix(byte[] blob) {
        return read(blob, KIND_MATRIX, ConnectomeCodec::readMatrix);
    }

    public static byte[] encode(int[] values) {
        return write(KIND_INTS, out -> {
            out.writeInt(values.length);
            for (int v : values) {
                out.writeInt(v);
            }
        });
    }

    public static int[] decodeInts(byte[] blob) {
        return read(blob, KIND_INTS, in -> {
            int len = checkedLength(in.readInt());
            requirePresent(in, 4L * len, len + " ints");
            int[] v = new int[len];
            for (int i = 0; i < v.length; i++) {
                v[i] = in.readInt();
            }
            return v;
        });
    }

    public static byte[] encode(double[] values) {
        return write(KIND_DOUBLES, out -> writeValues(out, values));
    }

    public static double[] decodeDoubles(byte[] blob) {
        return read(blob, KIND_DOUBLES, ConnectomeCodec::readValues);
    }

    private static void writeMatrix(DataOutputStream out, CsrMatrix m) throws IOException {
        out.writeInt(m.rows());
        out.writeInt(m.cols());
        out.writeInt(m.nnz());
        int[] ptr = m.rowPointers();
        int[] col = m.columnIndices();
        for (int r = 0; r < m.rows(); r++) {
            writeVarint(out, ptr[r + 1] - ptr[r]);
            int prev = 0;
            for (int k = ptr[r]; k < ptr[r + 1]; k++) {
                writeVarint(out, col[k] - prev);
                prev = col[k];
            }
        }
        writeValues(out, m.values());
    }

    private static CsrMatrix readMatrix(DataInputStream in) throws IOException {
        int rows = in.readInt();
        int cols = in.readInt();
        int nnz = checkedLength(in.readInt());
        if (rows < 0 || cols < 0 || rows > CsrMatrix.MAX_DIMENSION || cols > CsrMatrix.MAX_DIMENSION) {
            throw new IOException("invalid matrix shape " + rows + "x" + cols);
        }
        // Every row's length takes at least one byte, every entry at least one byte and a float32 value.
        requirePresent(in, rows + 5L * nnz, "a " + rows + "x" + cols + " matrix with " + nnz + " entries");
        int[] ptr = new int[rows + 1];
        int[] col = new int[nnz];
        int k = 0;
        for (int r = 0; r < rows; r++) {
            int len = readVarint(in);
            if (len > nnz - k) {
                throw new IOException("row " + r + " claims " + len + " entries beyond the stored " + nnz);
            }
            int prev = 0;
            for (int j = 0; j < len; j++) {
                prev += readVarint(in);
                col[k++] = prev;
            }
            ptr[r + 1] = k;
        }
        if (k != nnz) {
            throw new IOException("rows hold " + k + " entries, expected " + nnz);
        }
        double[] values = readValues(in);
        if (values.length != nnz) {
            throw new IOException(values.length + " values for " + nnz + " entries");
        }
        return CsrMatrix.fromCsr(rows, cols, ptr, col, values);
    }

    private static void writeValues(DataOutputStream out, double[] v) throws IOException {
        boolean asFloat = true;
        for (double x : v) {
            if ((double) (float) x != x) {
                asFloat = false;
                break;
            }
        }
        out.writeInt(v.length);
        out.writeBoolean(asFloat);
        ByteBuffer buf = ByteBuffer.allocate(v.length * (asFloat ? 4 : 8)).order(ByteOrder.BIG_ENDIAN);
        for (double x : v) {
            if (asFloat) {
                buf.putFloat((float) x);
            } else {
                buf.putDouble(x);
            }
        }
        out.write(buf.array());
    }

    private static double[] readValues(DataInputStream in) throws IOException {
        int len = checkedLength(in.readInt());
        boolean asFloat = in.readBoolean();
        long bytes = (long) len * (asFloat ? 4 : 8);
        requirePresent(in, bytes, len + " values");
        byte[] raw = new byte[(int) bytes];
        in.readFully(raw);
        ByteBuffer buf = ByteBuffer.wrap(raw).order(ByteOrder.BIG_ENDIAN);
        double[] v = new double[len];
        for (int i = 0; i < len; i++) {
            v[i] = asFloat ? buf.getFloat() : buf.getDouble();
        }
        return v;
    }

    /**
     * Refuses a declared size whose content cannot be in the bytes that remain, before anything is allocated for it
     * (the payload is in memory, so what remains is known exactly).
     */
    private static void requirePresent(DataInputStream in, long minBytes, String what) throws IOException {
        int remaining = in.available();
        if (minBytes > remaining) {
            throw new IOException(what + " need at least " + minBytes + " bytes, but only " + remaining
                    + " remain");
        }
    }

    private static int checkedLength(int len) throws IOException {
        if (len < 0) {
            throw new IOException("negative length " + len);
        }
        return len;
    }

    private static void writeVarint(DataOutputStream out, int v) throws IOException {
        while ((v & ~0x7F) != 0) {
            out.writeByte((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.writeByte(v);
    }

    private static int readVarint(DataInputStream in) throws IOException {
        int v = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            int b = in.readUnsignedByte();
            v |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                if (v < 0) {
                    throw new IOException("negative varint");
                }
                return v;
            }
        }
        throw new IOException("varint longer than 5 bytes");
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            out.writeUTF(s);
        }
    }

    private static String readString(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    private static byte[] write(byte kind, Writer body) {
        try {
            ByteArrayOutputStream payload = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(payload)) {
                body.write(out);
            }
            byte[] raw = payload.toByteArray();
            CRC32 crc = new CRC32();
            crc.update(raw);
            ByteArrayOutputStream blob = new ByteArrayOutputStream(raw.length / 2 + 64);
            blob.write(MAGIC);
            DataOutputStream header = new DataOutputStream(blob);
            header.writeInt(VERSION);
            header.writeByte(kind);
            Deflater deflater = new Deflater(Deflater.BEST_SPEED);
            try (DataOutputStream z = new DataOutputStream(new DeflaterOutputStream(nonClosing(blob), deflater,
                    1 << 16))) {
                z.writeInt(raw.length);
                z.write(raw);
                z.writeLong(crc.getValue());
            } finally {
                deflater.end();
            }
            return blob.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode connectome data in memory", e);
        }
    }

    private static <T> T read(byte[] blob, byte kind, Reader<T> body) {
        if (blob == null) {
            throw new IllegalArgumentException("connectome data is missing (null)");
        }
        try {
            DataInputStream header = new DataInputStream(new ByteArrayInputStream(blob));
            byte[] magic = new byte[MAGIC.length];
            header.readFully(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new IOException("not connectome data (bad magic)");
            }
            int version = header.readInt();
            if (version != VERSION) {
                throw new IOException("unsupported format version " + version + " (this library reads " + VERSION
                        + ")");
            }
            byte k = header.readByte();
            if (k != kind) {
                throw new IOException("holds kind " + k + ", expected " + kind);
            }
            Inflater inflater = new Inflater();
            try (DataInputStream z = new DataInputStream(new InflaterInputStream(header, inflater, 1 << 16))) {
                int rawLength = checkedLength(z.readInt());
                if (rawLength > (long) MAX_INFLATION * blob.length) {
                    throw new IOException("the payload claims " + rawLength + " bytes, more than " + blob.length
                            + " compressed bytes can hold");
                }
                byte[] raw = new byte[rawLength];
                z.readFully(raw);
                long expected = z.readLong();
                if (z.read() != -1 || inflater.getRemaining() > 0 || header.available() > 0) {
                    throw new IOException("trailing data after the checksum");
                }
                CRC32 crc = new CRC32();
                crc.update(raw);
                if (crc.getValue() != expected) {
                    throw new IOException("checksum mismatch");
                }
                DataInputStream in = new DataInputStream(new ByteArrayInputStream(raw));
                T value = body.read(in);
                if (in.read() != -1) {
                    throw new IOException("payload longer than its content");
                }
                return value;
            } finally {
                inflater.end();
            }
        } catch (EOFException e) {
            throw new IllegalArgumentException("corrupt connectome data: truncated", e);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("corrupt connectome data: " + e.getMessage(), e);
        }
    }

    private static OutputStream nonClosing(OutputStream out) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }
        };
    }
}
