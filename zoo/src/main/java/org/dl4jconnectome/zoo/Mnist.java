package org.dl4jconnectome.zoo;

import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.zip.GZIPInputStream;

/**
 * MNIST digits read from the IDX format (magic 2051 for images, 2049 for labels, big-endian sizes, then uint8
 * values), without any download: {@link #bundled()} reads the 10,000 digits shipped in this jar, of which the first
 * {@value #TRAIN_SIZE} are the training split and the last {@value #TEST_SIZE} the test split.
 */
public final class Mnist {
    /** Image height and width in pixels. */
    public static final int SIDE = 28;
    /** Pixels per image. */
    public static final int PIXELS = SIDE * SIDE;
    /** Number of classes (digits 0–9). */
    public static final int CLASSES = 10;
    /** Size of the bundled training split (its first records). */
    public static final int TRAIN_SIZE = 8_000;
    /** Size of the bundled test split (its last records). */
    public static final int TEST_SIZE = 2_000;

    static final int IMAGES_MAGIC = 2051;
    static final int LABELS_MAGIC = 2049;
    private static final String RESOURCE_DIR = "mnist10k/";
    private static final String IMAGES_RESOURCE = RESOURCE_DIR + "mnist10k-images-idx3-ubyte.gz";
    private static final String LABELS_RESOURCE = RESOURCE_DIR + "mnist10k-labels-idx1-ubyte.gz";

    private final byte[] pixels;
    private final byte[] labels;

    private Mnist(byte[] pixels, byte[] labels) {
        this.pixels = pixels;
        this.labels = labels;
    }

    /**
     * The 10,000 digits bundled with the samples (see {@code mnist10k/README.md} next to this class).
     *
     * @throws IOException if a resource is missing, truncated or corrupt
     */
    public static Mnist bundled() throws IOException {
        try (InputStream images = gzipResource(IMAGES_RESOURCE); InputStream labels = gzipResource(LABELS_RESOURCE)) {
            return read(images, labels);
        }
    }

    private static InputStream gzipResource(String name) throws IOException {
        InputStream in = Mnist.class.getResourceAsStream(name);
        if (in == null) {
            throw new IOException("resource " + name + " is missing from the classpath (next to "
                    + Mnist.class.getName() + ")");
        }
        return new GZIPInputStream(new BufferedInputStream(in));
    }

    /**
     * Reads a pair of uncompressed IDX streams: {@value #SIDE}×{@value #SIDE} images and their labels.
     *
     * @throws IOException if a stream is truncated, has trailing bytes, a wrong magic number or wrong sizes, a label
     *                     is not a digit, or the two counts differ
     */
    public static Mnist read(InputStream images, InputStream labels) throws IOException {
        byte[] px = readImages(images);
        byte[] lb = readLabels(labels);
        if (px.length / PIXELS != lb.length) {
            throw new IOException("the image file has " + px.length / PIXELS + " images but the label file has "
                    + lb.length + " labels");
        }
        return new Mnist(px, lb);
    }

    /** The pixels of an IDX3 image stream of 28×28 images, image after image, row-major. */
    static byte[] readImages(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(in);
        int count = header(d, IMAGES_MAGIC, "images");
        int rows = sizeField(d, "images", "row count");
        int cols = sizeField(d, "images", "column count");
        if (rows != SIDE || cols != SIDE) {
            throw new IOException("IDX images are " + rows + "x" + cols + ", expected " + SIDE + "x" + SIDE);
        }
        if ((long) count * PIXELS > Integer.MAX_VALUE - 8) {
            throw new IOException("IDX images: count " + count + " is too large");
        }
        return body(d, count * PIXELS, "images", count + " images of " + PIXELS + " pixels");
    }

    /** The labels of an IDX1 label stream, each checked to be a digit. */
    static byte[] readLabels(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(in);
        int count = header(d, LABELS_MAGIC, "labels");
        byte[] labels = body(d, count, "labels", count + " labels");
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= CLASSES) {
                throw new IOException("IDX labels: label " + i + " is " + Byte.toUnsignedInt(labels[i])
                        + ", expected a digit 0.." + (CLASSES - 1));
            }
        }
        return labels;
    }

    private static int header(DataInputStream d, int magic, String what) throws IOException {
        int m;
        try {
            m = d.readInt();
        } catch (EOFException e) {
            throw new IOException("IDX " + what + ": truncated header (fewer than 4 bytes)", e);
        }
        if (m != magic) {
            throw new IOException("IDX " + what + ": magic number " + m + " (0x" + Integer.toHexString(m)
                    + "), expected " + magic);
        }
        return sizeField(d, what, "item count");
    }

    private static int sizeField(DataInputStream d, String what, String field) throws IOException {
        int v;
        try {
            v = d.readInt();
        } catch (EOFException e) {
            throw new IOException("IDX " + what + ": truncated header (no " + field + ")", e);
        }
        if (v < 0) {
            throw new IOException("IDX " + what + ": " + field + " " + Integer.toUnsignedString(v)
                    + " is out of range");
        }
        return v;
    }

    private static byte[] body(DataInputStream d, int length, String what, String expected) throws IOException {
        byte[] out = new byte[length];
        int read = d.readNBytes(out, 0, length);
        if (read < length) {
            throw new IOException("IDX " + what + ": truncated: the header announces " + expected + " (" + length
                    + " bytes) but only " + read + " bytes follow");
        }
        if (d.read() != -1) {
            throw new IOException("IDX " + what + ": trailing bytes after the " + expected
                    + " the header announces");
        }
        return out;
    }

    /** Number of images. */
    public int size() {
        return labels.length;
    }

    /** The label (digit) of image i. */
    public int label(int i) {
        return labels[i];
    }

    /** Grey level of pixel (row, col) of image i, 0 (background) to 255 (ink). */
    public int pixel(int i, int row, int col) {
        return Byte.toUnsignedInt(pixels[i * PIXELS + row * SIDE + col]);
    }

    /** The number of images of each digit among images [from, to). */
    public int[] labelCounts(int from, int to) {
        checkRange(from, to);
        int[] counts = new int[CLASSES];
        for (int i = from; i < to; i++) {
            counts[labels[i]]++;
        }
        return counts;
    }

    /** Images [from, to) as [count, 784] float32 grey levels scaled to [0, 1], row-major pixels. */
    public INDArray features(int from, int to) {
        checkRange(from, to);
        float[] x = new float[(to - from) * PIXELS];
        for (int k = 0; k < x.length; k++) {
            x[k] = Byte.toUnsignedInt(pixels[from * PIXELS + k]) / 255f;
        }
        return Nd4j.createFromArray(x).reshape('c', to - from, PIXELS);
    }

    /** Labels of images [from, to) as digits, [count]. */
    public INDArray labels(int from, int to) {
        checkRange(from, to);
        int[] y = new int[to - from];
        for (int i = from; i < to; i++) {
            y[i - from] = labels[i];
        }
        return Nd4j.createFromArray(y);
    }

    /** Images [from, to) with one-hot labels [count, 10], as a DL4J data set. */
    public DataSet dataSet(int from, int to) {
        checkRange(from, to);
        INDArray y = Nd4j.zeros(DataType.FLOAT, to - from, CLASSES);
        for (int i = from; i < to; i++) {
            y.putScalar(i - from, labels[i], 1f);
        }
        return new DataSet(features(from, to), y);
    }

    /**
     * SHA-256 (lower-case hex) of images [from, to): their pixels, then their labels, one byte each as in the IDX
     * files' bodies. Identifies the digits a checkpoint was trained and tested on.
     */
    public String sha256(int from, int to) {
        checkRange(from, to);
        MessageDigest d = Checksums.sha256();
        d.update(pixels, from * PIXELS, (to - from) * PIXELS);
        d.update(labels, from, to - from);
        return Checksums.hex(d.digest());
    }

    /** Images [from, to) in mini-batches of {@code batch}, in file order. */
    public DataSetIterator iterator(int from, int to, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch = " + batch + ": expected at least 1");
        }
        return new ListDataSetIterator<>(dataSet(from, to).asList(), batch);
    }

    private void checkRange(int from, int to) {
        if (from < 0 || to > size() || from >= to) {
            throw new IllegalArgumentException("image range [" + from + ", " + to + ") is invalid: expected "
                    + "0 <= from < to <= " + size());
        }
    }
}
