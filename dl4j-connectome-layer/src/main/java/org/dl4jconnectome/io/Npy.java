package org.dl4jconnectome.io;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * Reads and writes NumPy {@code .npy} files.
 * <p>
 * Reading supports format versions 1.0, 2.0 and 3.0; the dtypes bool, int8 to int64, uint8 to uint64, float16,
 * float32, float64, and fixed-width bytes ({@code S}) and unicode ({@code U}) strings, in any byte order; and both
 * C and Fortran element order (Fortran arrays are reordered to C order). Object arrays (pickles), complex numbers and
 * structured dtypes are rejected. Element data is read in bulk, so large arrays load at disk speed. Bytes after the
 * element data are ignored, as NumPy ignores them.
 * <p>
 * Writing produces what {@code numpy.save} produces: format 1.0 (2.0 only when the header needs it), little-endian,
 * C order, header padded so that the data starts at a multiple of 64 bytes.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int ALIGN = 64;
    /** Reads of unverified length grow their buffer from this size, so a corrupt header cannot force a huge allocation. */
    private static final int FIRST_CHUNK = 1 << 24;

    private Npy() {
    }

    /**
     * Reads a {@code .npy} file.
     *
     * @throws IOException naming the file if it cannot be read, is not a {@code .npy} file, uses an unsupported
     *                     dtype or version, or is shorter than its header says
     */
    public static NpyArray read(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        long length = Files.size(file);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            return read(in, file.toString(), length);
        }
    }

    /**
     * Reads one {@code .npy} array from a stream, leaving the stream positioned right after the array's data (it is
     * not closed).
     *
     * @param nameForErrors how error messages name the source, e.g. a file or archive entry name
     * @throws IOException naming the source if the data is not a readable {@code .npy} array or ends early
     */
    public static NpyArray read(InputStream in, String nameForErrors) throws IOException {
        Objects.requireNonNull(in, "in");
        return read(in, String.valueOf(nameForErrors), -1);
    }

    /**
     * @param available bytes known to be in the stream, or -1: when known, a short file is reported before any
     *                  allocation
     */
    static NpyArray read(InputStream in, String name, long available) throws IOException {
        byte[] prefix = in.readNBytes(MAGIC.length + 2);
        if (prefix.length < MAGIC.length || !Arrays.equals(Arrays.copyOf(prefix, MAGIC.length), MAGIC)) {
            throw new IOException(name + ": not a NumPy .npy file (bad magic: the file does not start with "
                    + "\\x93NUMPY)");
        }
        if (prefix.length < MAGIC.length + 2) {
            throw new IOException(name + ": truncated .npy header (file ends inside the version bytes)");
        }
        int major = prefix[6] & 0xFF;
        int minor = prefix[7] & 0xFF;
        if (minor != 0 || major < 1 || major > 3) {
            throw new IOException(name + ": unsupported .npy format version " + major + "." + minor
                    + ": expected 1.0, 2.0 or 3.0");
        }
        int lenBytes = major == 1 ? 2 : 4;
        byte[] lenField = in.readNBytes(lenBytes);
        if (lenField.length < lenBytes) {
            throw new IOException(name + ": truncated .npy header (file ends inside the header length)");
        }
        long headerLen = 0;
        for (int i = lenBytes - 1; i >= 0; i--) {
            headerLen = (headerLen << 8) | (lenField[i] & 0xFF);
        }
        long headerStart = MAGIC.length + 2 + lenBytes;
        if (headerLen > Integer.MAX_VALUE || available >= 0 && headerStart + headerLen > available) {
            throw new IOException(name + ": truncated .npy header (header length " + headerLen
                    + " runs past the end of the file)");
        }
        byte[] headerBytes = in.readNBytes((int) headerLen);
        if (headerBytes.length < headerLen) {
            throw new IOException(name + ": truncated .npy header (expected " + headerLen + " bytes, got "
                    + headerBytes.length + ")");
        }
        String text = new String(headerBytes, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        NpyHeader header;
        NpyDtype.Parsed parsed;
        try {
            header = NpyHeader.parse(text);
            parsed = NpyDtype.parse(header.descr);
        } catch (IllegalArgumentException e) {
            throw new IOException(name + ": " + e.getMessage(), e);
        }
        NpyDtype dtype = parsed.dtype;
        long count;
        try {
            count = NpyArray.elementCount(header.shape);
        } catch (ArithmeticException e) {
            count = Long.MAX_VALUE;
        }
        long dataLen = count > NpyArray.MAX_BYTES ? Long.MAX_VALUE : count * dtype.itemSize;
        if (dataLen > NpyArray.MAX_BYTES) {
            throw new IOException(name + ": array of shape " + Arrays.toString(header.shape) + " and dtype "
                    + header.descr + " is too large: at most " + NpyArray.MAX_BYTES + " bytes of data are supported");
        }
        long have = available - headerStart - headerLen;
        if (available >= 0 && dataLen > have) {
            throw new IOException(truncatedData(name, dataLen, have, header));
        }
        byte[] data = readData(in, (int) dataLen, available >= 0);
        if (data.length < dataLen) {
            throw new IOException(truncatedData(name, dataLen, data.length, header));
        }
        if (parsed.bigEndian) {
            swapBytes(data, dtype.swapUnit());
        }
        if (header.fortranOrder && header.shape.length > 1) {
            data = fortranToC(data, header.shape, dtype.itemSize);
        }
        NpyArray array = new NpyArray(dtype, header.shape, data);
        int bad = array.firstInvalidCodePoint();
        if (bad >= 0) {
            throw new IOException(name + ": unicode array holds an invalid code point at character " + bad);
        }
        return array;
    }

    private static String truncatedData(String name, long expected, long got, NpyHeader header) {
        return name + ": truncated .npy data: shape " + Arrays.toString(header.shape) + " and dtype " + header.descr
                + " need " + expected + " bytes after the header, but only " + Math.max(got, 0) + " are there";
    }

    /** Reads up to n bytes; returns fewer only at end of stream. */
    private static byte[] readData(InputStream in, int n, boolean lengthVerified) throws IOException {
        if (lengthVerified || n <= FIRST_CHUNK) {
            byte[] buf = new byte[n];
            return Arrays.copyOf(buf, in.readNBytes(buf, 0, n));
        }
        byte[] buf = new byte[FIRST_CHUNK];
        int filled = 0;
        while (true) {
            int got = in.readNBytes(buf, filled, buf.length - filled);
            filled += got;
            if (filled < buf.length || buf.length == n) {
                return filled == buf.length ? buf : Arrays.copyOf(buf, filled);
            }
            buf = Arrays.copyOf(buf, (int) Math.min(n, 2L * buf.length));
        }
    }

    private static void swapBytes(byte[] data, int unit) {
        for (int base = 0; base + unit <= data.length; base += unit) {
            for (int i = 0, j = unit - 1; i < j; i++, j--) {
                byte t = data[base + i];
                data[base + i] = data[base + j];
                data[base + j] = t;
            }
        }
    }

    /** Reorders column-major element data to row-major. */
    private static byte[] fortranToC(byte[] src, long[] shape, int itemSize) {
        int nd = shape.length;
        byte[] dst = new byte[src.length];
        int n = src.length / Math.max(itemSize, 1);
        if (itemSize == 0 || n == 0) {
            return dst;
        }
        long[] fStride = new long[nd];
        long s = 1;
        for (int k = 0; k < nd; k++) {
            fStride[k] = s;
            s *= shape[k];
        }
        long[] idx = new long[nd];
        long f = 0;
        for (int c = 0; c < n; c++) {
            System.arraycopy(src, (int) (f * itemSize), dst, c * itemSize, itemSize);
            // Advance the C-order multi-index (last dimension fastest), keeping the Fortran offset in step.
            for (int k = nd - 1; k >= 0; k--) {
                idx[k]++;
                f += fStride[k];
                if (idx[k] < shape[k]) {
                    break;
                }
                f -= idx[k] * fStride[k];
                idx[k] = 0;
            }
        }
        return dst;
    }

    /**
     * Writes an array as a {@code .npy} file, replacing any existing file. The data is written to a temporary file in
     * the same directory first, so a failed write leaves no partial file behind.
     */
    public static void write(Path file, NpyArray array) throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(array, "array");
        SafeFiles.write(file, out -> {
            OutputStream buffered = new BufferedOutputStream(out, 1 << 16);
            write(buffered, array);
            buffered.flush();
        });
    }

    /** Writes an array in {@code .npy} format to a stream, which is neither flushed nor closed. */
    public static void write(OutputStream out, NpyArray array) throws IOException {
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(array, "array");
        String dict = NpyHeader.format(array.dtype(), array.shape());
        int major = 1;
        int total = MAGIC.length + 2 + 2 + dict.length() + 1;
        int padded = total + (ALIGN - total % ALIGN) % ALIGN;
        if (padded - MAGIC.length - 4 > 0xFFFF) {
            major = 2;
            total = MAGIC.length + 2 + 4 + dict.length() + 1;
            padded = total + (ALIGN - total % ALIGN) % ALIGN;
        }
        int headerLen = padded - MAGIC.length - 2 - (major == 1 ? 2 : 4);
        byte[] head = new byte[padded];
        System.arraycopy(MAGIC, 0, head, 0, MAGIC.length);
        head[6] = (byte) major;
        head[7] = 0;
        int p = 8;
        for (int i = 0; i < (major == 1 ? 2 : 4); i++) {
            head[p++] = (byte) (headerLen >>> (8 * i));
        }
        byte[] dictBytes = dict.getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(dictBytes, 0, head, p, dictBytes.length);
        Arrays.fill(head, p + dictBytes.length, padded - 1, (byte) ' ');
        head[padded - 1] = '\n';
        out.write(head);
        out.write(array.rawData());
    }
}
