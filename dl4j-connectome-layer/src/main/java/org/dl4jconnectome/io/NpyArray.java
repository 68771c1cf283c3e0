package org.dl4jconnectome.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable n-dimensional array as stored in a NumPy {@code .npy} file: a shape, a dtype and the elements in C
 * (row-major) order.
 * <p>
 * Arrays read with {@link Npy} keep the element type of the file (byte order aside: they are held little-endian, so
 * {@link #dtype()} of an array read from a {@code >f8} file is {@code <f8}). The {@code to...Array} accessors convert
 * to the requested Java type and always return a fresh copy. An array holds at most 2<sup>31</sup> − 9 bytes of
 * element data.
 */
public final class NpyArray {
    /** Largest element data held; Java arrays cannot be longer. */
    static final int MAX_BYTES = Integer.MAX_VALUE - 8;

    private final NpyDtype dtype;
    private final long[] shape;
    private final int size;
    /** Element data, C order, little-endian; never exposed. */
    private final byte[] data;

    /** Takes ownership of {@code data}, which must be little-endian, C-ordered and exactly shape × item size long. */
    NpyArray(NpyDtype dtype, long[] shape, byte[] data) {
        this.dtype = dtype;
        this.shape = shape.clone();
        long n = elementCount(this.shape);
        if (n * dtype.itemSize != data.length) {
            throw new IllegalStateException("data has " + data.length + " bytes, expected " + n * dtype.itemSize);
        }
        this.size = (int) n;
        this.data = data;
    }

    /**
     * A float32 ({@code <f4}) array.
     *
     * @param data  the elements in C order; copied
     * @param shape the dimensions (none for a 0-d scalar); their product must equal {@code data.length}
     * @throws IllegalArgumentException if a dimension is negative or the product differs from the data length
     */
    public static NpyArray ofFloat32(float[] data, long... shape) {
        Objects.requireNonNull(data, "data");
        ByteBuffer b = allocate(data.length, 4, shape);
        b.asFloatBuffer().put(data);
        return new NpyArray(NpyDtype.FLOAT32, shape, b.array());
    }

    /** A float64 ({@code <f8}) array; arguments as for {@link #ofFloat32}. */
    public static NpyArray ofFloat64(double[] data, long... shape) {
        Objects.requireNonNull(data, "data");
        ByteBuffer b = allocate(data.length, 8, shape);
        b.asDoubleBuffer().put(data);
        return new NpyArray(NpyDtype.FLOAT64, shape, b.array());
    }

    /** An int32 ({@code <i4}) array; arguments as for {@link #ofFloat32}. */
    public static NpyArray ofInt32(int[] data, long... shape) {
        Objects.requireNonNull(data, "data");
        ByteBuffer b = allocate(data.length, 4, shape);
        b.asIntBuffer().put(data);
        return new NpyArray(NpyDtype.INT32, shape, b.array());
    }

    /** An int64 ({@code <i8}) array; arguments as for {@link #ofFloat32}. */
    public static NpyArray ofInt64(long[] data, long... shape) {
        Objects.requireNonNull(data, "data");
        ByteBuffer b = allocate(data.length, 8, shape);
        b.asLongBuffer().put(data);
        return new NpyArray(NpyDtype.INT64, shape, b.array());
    }

    /** A 0-d bytes-string scalar ({@code |Sn}), as {@code np.array(b'csr')}; ASCII only. */
    static NpyArray ofAsciiScalar(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        return new NpyArray(NpyDtype.bytesString(bytes.length), new long[0], bytes);
    }

    private static ByteBuffer allocate(int length, int itemSize, long[] shape) {
        Objects.requireNonNull(shape, "shape");
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) {
                throw new IllegalArgumentException("shape[" + i + "] = " + shape[i] + " is negative: expected ≥ 0");
            }
        }
        long n;
        try {
            n = elementCount(shape);
        } catch (ArithmeticException e) {
            n = -1;
        }
        if (n != length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has "
                    + (n < 0 ? "too many" : String.valueOf(n)) + " elements but data has " + length
                    + ": expected the product of the shape to equal the data length");
        }
        if ((long) length * itemSize > MAX_BYTES) {
            throw new IllegalArgumentException("data has " + length + " elements, more than an array can hold ("
                    + MAX_BYTES / itemSize + ")");
        }
        return ByteBuffer.allocate(length * itemSize).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Product of the dimensions (1 for a 0-d array). */
    static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** The dimensions; empty for a 0-d scalar. A copy. */
    public long[] shape() {
        return shape.clone();
    }

    /** Number of dimensions. */
    public int ndim() {
        return shape.length;
    }

    /** Number of elements: the product of the shape, 1 for a 0-d scalar. */
    public int size() {
        return size;
    }

    /**
     * The NumPy type string, little-endian where byte order matters: {@code |b1}, {@code |i1}, {@code |u1},
     * {@code <i2} … {@code <u8}, {@code <f2}, {@code <f4}, {@code <f8}, {@code |Sn} or {@code <Un}.
     */
    public String dtype() {
        return dtype.descr();
    }

    /** The raw little-endian element bytes, for writers in this package; not to be modified. */
    byte[] rawData() {
        return data;
    }

    /**
     * The elements as doubles. Booleans become 0 and 1; integers beyond ±2<sup>53</sup> are rounded to the nearest
     * double.
     *
     * @throws IllegalArgumentException if the dtype is a string type
     */
    public double[] toDoubleArray() {
        requireNumeric("toDoubleArray");
        if (dtype.kind == 'f') {
            return floatValues();
        }
        long[] bits = integerBits();
        double[] out = new double[size];
        boolean unsigned64 = isUnsigned64();
        for (int i = 0; i < size; i++) {
            out[i] = unsigned64 ? unsignedToDouble(bits[i]) : bits[i];
        }
        return out;
    }

    /**
     * The elements as floats, each rounded to the nearest float (float64 and large integers lose precision).
     *
     * @throws IllegalArgumentException if the dtype is a string type
     */
    public float[] toFloatArray() {
        requireNumeric("toFloatArray");
        float[] out = new float[size];
        if (dtype.equals(NpyDtype.FLOAT32)) {
            buffer().asFloatBuffer().get(out);
        } else if (dtype.kind == 'f' || isUnsigned64()) {
            double[] d = toDoubleArray();
            for (int i = 0; i < size; i++) {
                out[i] = (float) d[i];
            }
        } else {
            long[] bits = integerBits();
            for (int i = 0; i < size; i++) {
                out[i] = bits[i];
            }
        }
        return out;
    }

    /**
     * The elements as longs. Floating-point elements are accepted when they hold whole numbers.
     *
     * @throws IllegalArgumentException if the dtype is a string type, or an element is not a whole number or lies
     *                                  outside the long range (naming the first such element)
     */
    public long[] toLongArray() {
        requireNumeric("toLongArray");
        if (dtype.kind != 'f') {
            long[] bits = integerBits();
            if (isUnsigned64()) {
                for (int i = 0; i < size; i++) {
                    if (bits[i] < 0) {
                        throw outOfRange(i, Long.toUnsignedString(bits[i]), "long");
                    }
                }
            }
            return bits;
        }
        double[] d = floatValues();
        long[] out = new long[size];
        for (int i = 0; i < size; i++) {
            // 2^63 is exactly representable; every double below it and ≥ -2^63 converts without overflow.
            if (d[i] != Math.rint(d[i]) || d[i] >= 0x1p63 || d[i] < -0x1p63) {
                throw new IllegalArgumentException("element " + i + " = " + d[i]
                        + (Double.isFinite(d[i]) && d[i] == Math.rint(d[i]) ? " is outside the long range"
                        : " is not a whole number") + ": expected an integer-valued array");
            }
            out[i] = (long) d[i];
        }
        return out;
    }

    /**
     * The elements as ints. Floating-point elements are accepted when they hold whole numbers.
     *
     * @throws IllegalArgumentException if the dtype is a string type, or an element is not a whole number or lies
     *                                  outside the int range (naming the first such element)
     */
    public int[] toIntArray() {
        requireNumeric("toIntArray");
        int[] out = new int[size];
        if (dtype.equals(NpyDtype.INT32)) {
            buffer().asIntBuffer().get(out);
            return out;
        }
        long[] v = toLongArray();
        for (int i = 0; i < size; i++) {
            if (v[i] != (int) v[i]) {
                throw outOfRange(i, String.valueOf(v[i]), "int");
            }
            out[i] = (int) v[i];
        }
        return out;
    }

    /**
     * The elements of a bytes ({@code S}) or unicode ({@code U}) array as strings, with NumPy's trailing NUL
     * padding removed. Bytes are decoded as ISO-8859-1, so every byte maps to one character.
     *
     * @throws IllegalArgumentException if the dtype is numeric
     */
    public String[] toStringArray() {
        if (dtype.isNumeric()) {
            throw new IllegalArgumentException("toStringArray needs a string dtype (S or U), but the array is "
                    + dtype.descr());
        }
        String[] out = new String[size];
        int w = dtype.itemSize;
        IntBuffer cps = buffer().asIntBuffer();
        for (int i = 0; i < size; i++) {
            int end = w;
            if (dtype.kind == 'S') {
                while (end > 0 && data[i * w + end - 1] == 0) {
                    end--;
                }
                out[i] = new String(data, i * w, end, StandardCharsets.ISO_8859_1);
            } else {
                int base = i * w / 4;
                end = w / 4;
                while (end > 0 && cps.get(base + end - 1) == 0) {
                    end--;
                }
                StringBuilder sb = new StringBuilder(end);
                for (int k = 0; k < end; k++) {
                    sb.appendCodePoint(cps.get(base + k));
                }
                out[i] = sb.toString();
            }
        }
        return out;
    }

    /**
     * The single string of a one-element string array, such as the {@code format} entry of a SciPy sparse
     * {@code .npz} ({@code np.array(b'csr')} or {@code np.array('csr')}).
     *
     * @throws IllegalArgumentException if the dtype is numeric or the array does not hold exactly one element
     */
    public String toStringScalar() {
        if (size != 1) {
            throw new IllegalArgumentException("toStringScalar needs exactly one element, but the array has shape "
                    + Arrays.toString(shape));
        }
        return toStringArray()[0];
    }

    /** Index of the first UTF-32 code unit that is not a valid code point, or -1; for checking data read in. */
    int firstInvalidCodePoint() {
        if (dtype.kind != 'U') {
            return -1;
        }
        IntBuffer cps = buffer().asIntBuffer();
        for (int k = 0; k < cps.limit(); k++) {
            int cp = cps.get(k);
            if (!Character.isValidCodePoint(cp) || (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE)) {
                return k;
            }
        }
        return -1;
    }

    private ByteBuffer buffer() {
        return ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    }

    private void requireNumeric(String method) {
        if (!dtype.isNumeric()) {
            throw new IllegalArgumentException(method + " needs a numeric dtype, but the array is " + dtype.descr());
        }
    }

    private boolean isUnsigned64() {
        return dtype.kind == 'u' && dtype.itemSize == 8;
    }

    private IllegalArgumentException outOfRange(int i, String value, String type) {
        return new IllegalArgumentException("element " + i + " = " + value + " (dtype " + dtype.descr()
                + ") is outside the " + type + " range");
    }

    /** Boolean and integer elements widened to long; uint64 values above Long.MAX_VALUE keep their bit pattern. */
    private long[] integerBits() {
        long[] out = new long[size];
        boolean signed = dtype.kind == 'i';
        switch (dtype.itemSize) {
            case 1:
                for (int i = 0; i < size; i++) {
                    out[i] = dtype.kind == 'b' ? (data[i] != 0 ? 1 : 0) : signed ? data[i] : data[i] & 0xFF;
                }
                break;
            case 2:
                ShortBuffer s = buffer().asShortBuffer();
                for (int i = 0; i < size; i++) {
                    out[i] = signed ? s.get(i) : s.get(i) & 0xFFFF;
                }
                break;
            case 4:
                IntBuffer b = buffer().asIntBuffer();
                for (int i = 0; i < size; i++) {
                    out[i] = signed ? b.get(i) : b.get(i) & 0xFFFF_FFFFL;
                }
                break;
            default:
                LongBuffer l = buffer().asLongBuffer();
                l.get(out);
                break;
        }
        return out;
    }

    /** Floating-point elements as doubles (exact for every source width). */
    private double[] floatValues() {
        double[] out = new double[size];
        switch (dtype.itemSize) {
            case 2:
                ShortBuffer h = buffer().asShortBuffer();
                for (int i = 0; i < size; i++) {
                    out[i] = halfToFloat(h.get(i));
                }
                break;
            case 4:
                FloatBuffer f = buffer().asFloatBuffer();
                for (int i = 0; i < size; i++) {
                    out[i] = f.get(i);
                }
                break;
            default:
                buffer().asDoubleBuffer().get(out);
                break;
        }
        return out;
    }

    private static double unsignedToDouble(long bits) {
        // Halve (keeping the low bit so rounding stays correct), convert, and double again.
        return bits >= 0 ? bits : ((bits >>> 1) | (bits & 1)) * 2.0;
    }

    /** IEEE 754 binary16 to float; exact, since every half value is a float. */
    static float halfToFloat(short h) {
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F80_0000 | (mant << 13));
        }
        if (exp == 0) {
            // Subnormal (or zero): mant · 2^-24.
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** Same dtype, same shape and the same element bytes. */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof NpyArray)) {
            return false;
        }
        NpyArray a = (NpyArray) o;
        return dtype.equals(a.dtype) && Arrays.equals(shape, a.shape) && Arrays.equals(data, a.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(dtype, Arrays.hashCode(shape), Arrays.hashCode(data));
    }

    @Override
    public String toString() {
        return "NpyArray[dtype=" + dtype.descr() + ", shape=" + Arrays.toString(shape) + "]";
    }
}
