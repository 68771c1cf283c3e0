package org.dl4jconnectome.io;

import java.util.Objects;

/**
 * A NumPy scalar dtype as far as this package supports it: booleans, signed and unsigned integers, IEEE floats of 2,
 * 4 and 8 bytes, and fixed-width byte ({@code S}) and unicode ({@code U}) strings. Arrays in memory are always
 * little-endian, so a dtype here carries no byte order; {@link #descr()} spells it the way NumPy would for that.
 */
final class NpyDtype {
    static final NpyDtype BOOL = new NpyDtype('b', 1);
    static final NpyDtype INT8 = new NpyDtype('i', 1);
    static final NpyDtype UINT8 = new NpyDtype('u', 1);
    static final NpyDtype INT16 = new NpyDtype('i', 2);
    static final NpyDtype INT32 = new NpyDtype('i', 4);
    static final NpyDtype INT64 = new NpyDtype('i', 8);
    static final NpyDtype FLOAT16 = new NpyDtype('f', 2);
    static final NpyDtype FLOAT32 = new NpyDtype('f', 4);
    static final NpyDtype FLOAT64 = new NpyDtype('f', 8);

    /** NumPy's kind character: b, i, u, f, S or U. */
    final char kind;
    /** Bytes per element; for {@code U} four per character. */
    final int itemSize;

    private NpyDtype(char kind, int itemSize) {
        this.kind = kind;
        this.itemSize = itemSize;
    }

    static NpyDtype bytesString(int length) {
        return new NpyDtype('S', length);
    }

    /** A dtype parsed from a {@code descr} string, with whether its data is big-endian in the file. */
    static final class Parsed {
        final NpyDtype dtype;
        final boolean bigEndian;

        Parsed(NpyDtype dtype, boolean bigEndian) {
            this.dtype = dtype;
            this.bigEndian = bigEndian;
        }
    }

    /**
     * Parses a NumPy type string such as {@code <f4}, {@code >i8}, {@code |b1} or {@code <U3}. The native order
     * {@code =} (and a missing order character) are read as little-endian, which is what NumPy means by native on
     * every platform that writes these files in practice.
     *
     * @throws IllegalArgumentException with a message saying what is not supported
     */
    static Parsed parse(String descr) {
        Objects.requireNonNull(descr, "descr");
        String s = descr;
        char order = '=';
        if (!s.isEmpty() && "<>|=".indexOf(s.charAt(0)) >= 0) {
            order = s.charAt(0);
            s = s.substring(1);
        }
        if (s.length() < 2) {
            throw new IllegalArgumentException("dtype '" + descr + "' is not a NumPy type string");
        }
        char kind = s.charAt(0);
        int size;
        try {
            size = Integer.parseInt(s.substring(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("dtype '" + descr + "' is not a NumPy type string");
        }
        if (size < 0) {
            throw new IllegalArgumentException("dtype '" + descr + "' has a negative size");
        }
        NpyDtype dtype;
        switch (kind) {
            case 'b':
                require(size == 1, descr);
                dtype = BOOL;
                break;
            case 'i':
            case 'u':
                require(size == 1 || size == 2 || size == 4 || size == 8, descr);
                dtype = new NpyDtype(kind, size);
                break;
            case 'f':
                require(size == 2 || size == 4 || size == 8, descr);
                dtype = new NpyDtype(kind, size);
                break;
            case 'S':
                dtype = new NpyDtype(kind, size);
                break;
            case 'U':
                if (size > Integer.MAX_VALUE / 4) {
                    throw new IllegalArgumentException("dtype '" + descr + "' is too wide");
                }
                dtype = new NpyDtype(kind, 4 * size);
                break;
            default:
                throw new IllegalArgumentException("dtype '" + descr + "' is not supported: expected a bool, integer, "
                        + "float16/32/64, bytes (S) or unicode (U) type");
        }
        boolean multiByteUnit = dtype.swapUnit() > 1;
        if (order == '|' && multiByteUnit) {
            throw new IllegalArgumentException("dtype '" + descr + "' gives no byte order ('|') for a multi-byte type");
        }
        return new Parsed(dtype, order == '>' && multiByteUnit);
    }

    private static void require(boolean ok, String descr) {
        if (!ok) {
            throw new IllegalArgumentException("dtype '" + descr + "' has an unsupported item size");
        }
    }

    /** Width of the unit whose bytes a change of byte order reverses: a whole number, a UTF-32 code unit, or 1. */
    int swapUnit() {
        switch (kind) {
            case 'S':
            case 'b':
                return 1;
            case 'U':
                return 4;
            default:
                return itemSize;
        }
    }

    boolean isNumeric() {
        return kind != 'S' && kind != 'U';
    }

    /** The little-endian NumPy type string, e.g. {@code <f4}, {@code |u1}, {@code <U3}. */
    String descr() {
        switch (kind) {
            case 'S':
                return "|S" + itemSize;
            case 'U':
                return "<U" + itemSize / 4;
            default:
                return (itemSize == 1 ? "|" : "<") + kind + itemSize;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NpyDtype && ((NpyDtype) o).kind == kind && ((NpyDtype) o).itemSize == itemSize;
    }

    @Override
    public int hashCode() {
        return 31 * kind + itemSize;
    }

    @Override
    public String toString() {
        return descr();
    }
}
