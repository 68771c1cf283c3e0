package org.dl4jconnectome.zoo;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The IDX reader on the bundled digits and on broken files. */
class MnistTest {
    private static byte[] images;
    private static byte[] labels;

    @BeforeAll
    static void readRawFiles() throws IOException {
        images = gunzip("mnist10k/mnist10k-images-idx3-ubyte.gz");
        labels = gunzip("mnist10k/mnist10k-labels-idx1-ubyte.gz");
    }

    private static byte[] gunzip(String resource) throws IOException {
        try (InputStream in = new GZIPInputStream(Mnist.class.getResourceAsStream(resource))) {
            return in.readAllBytes();
        }
    }

    private static Mnist read(byte[] imageBytes, byte[] labelBytes) throws IOException {
        return Mnist.read(new ByteArrayInputStream(imageBytes), new ByteArrayInputStream(labelBytes));
    }

    @Test
    void bundledDigitsHaveTheSplitOfTheReadme() throws IOException {
        Mnist m = Mnist.bundled();
        assertEquals(10_000, m.size());
        assertArrayEquals(new int[] {780, 900, 791, 814, 790, 682, 841, 850, 775, 777},
                m.labelCounts(0, Mnist.TRAIN_SIZE));
        assertArrayEquals(new int[] {221, 227, 200, 218, 190, 181, 173, 220, 169, 201},
                m.labelCounts(Mnist.TRAIN_SIZE, Mnist.TRAIN_SIZE + Mnist.TEST_SIZE));
    }

    @Test
    void pixelsAreGreyLevelsOfCentredDigits() throws IOException {
        Mnist m = Mnist.bundled();
        int ink = 0;
        int border = 0;
        for (int i = 0; i < 100; i++) {
            for (int r = 0; r < Mnist.SIDE; r++) {
                for (int c = 0; c < Mnist.SIDE; c++) {
                    int p = m.pixel(i, r, c);
                    assertTrue(p >= 0 && p <= 255);
                    if (p > 128) {
                        ink++;
                        if (r == 0 || c == 0 || r == Mnist.SIDE - 1 || c == Mnist.SIDE - 1) {
                            border++;
                        }
                    }
                }
            }
        }
        // MNIST digits cover roughly a fifth of the image and keep off its border.
        assertTrue(ink > 100 * 80 && ink < 100 * 250, "ink pixels: " + ink);
        assertEquals(0, border);
    }

    @Test
    void dataSetsAreScaledWithOneHotLabels() throws IOException {
        Mnist m = Mnist.bundled();
        DataSet d = m.dataSet(8_000, 8_010);
        assertArrayEquals(new long[] {10, 784}, d.getFeatures().shape());
        assertArrayEquals(new long[] {10, 10}, d.getLabels().shape());
        assertTrue(d.getFeatures().minNumber().doubleValue() >= 0 && d.getFeatures().maxNumber().doubleValue() <= 1);
        INDArray argMax = d.getLabels().argMax(1);
        for (int i = 0; i < 10; i++) {
            assertEquals(m.label(8_000 + i), argMax.getInt(i));
            assertEquals(1.0, d.getLabels().getRow(i).sumNumber().doubleValue(), 0);
        }
        assertEquals(m.pixel(8_003, 14, 9) / 255.0, d.getFeatures().getDouble(3, 14 * 28 + 9), 1e-6);
    }

    @Test
    void iteratorCoversTheRangeInBatches() throws IOException {
        DataSetIterator it = Mnist.bundled().iterator(0, 70, 32);
        int[] sizes = new int[3];
        int k = 0;
        while (it.hasNext()) {
            sizes[k++] = it.next().numExamples();
        }
        assertArrayEquals(new int[] {32, 32, 6}, sizes);
    }

    @Test
    void truncatedImagesAreAnError() {
        IOException e = assertThrows(IOException.class,
                () -> read(Arrays.copyOf(images, images.length - 1), labels));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        assertThrows(IOException.class, () -> read(Arrays.copyOf(images, 10), labels));
        assertThrows(IOException.class, () -> read(new byte[0], labels));
    }

    @Test
    void truncatedLabelsAreAnError() {
        IOException e = assertThrows(IOException.class,
                () -> read(images, Arrays.copyOf(labels, labels.length - 5)));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void wrongMagicNumbersAreAnError() {
        IOException e = assertThrows(IOException.class, () -> read(labels, labels));
        assertTrue(e.getMessage().contains("magic number 2049"), e.getMessage());
        assertThrows(IOException.class, () -> read(images, images));
    }

    @Test
    void trailingBytesAreAnError() {
        byte[] longer = Arrays.copyOf(labels, labels.length + 1);
        IOException e = assertThrows(IOException.class, () -> read(images, longer));
        assertTrue(e.getMessage().contains("trailing"), e.getMessage());
    }

    @Test
    void labelsThatAreNoDigitAreAnError() {
        byte[] bad = labels.clone();
        bad[8 + 123] = 10;
        IOException e = assertThrows(IOException.class, () -> read(images, bad));
        assertTrue(e.getMessage().contains("label 123 is 10"), e.getMessage());
    }

    @Test
    void wrongImageSizeAndCountMismatchAreErrors() throws IOException {
        IOException size = assertThrows(IOException.class, () -> read(idx(2051, 1, 27, 28), idx(2049, 1)));
        assertTrue(size.getMessage().contains("27x28"), size.getMessage());
        byte[] oneImage = idx(2051, 1, 28, 28);
        byte[] twoLabels = idx(2049, 2);
        IOException count = assertThrows(IOException.class, () -> read(withBody(oneImage, 784),
                withBody(twoLabels, 2)));
        assertTrue(count.getMessage().contains("1 images but the label file has 2"), count.getMessage());
        assertEquals(1, read(withBody(oneImage, 784), withBody(idx(2049, 1), 1)).size());
    }

    @Test
    void corruptCompressedDataIsAnError() {
        byte[] gz = new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3};
        assertThrows(IOException.class, () -> Mnist.read(new GZIPInputStream(new ByteArrayInputStream(gz)),
                new ByteArrayInputStream(labels)));
    }

    private static byte[] idx(int... header) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        for (int h : header) {
            out.writeInt(h);
        }
        return bytes.toByteArray();
    }

    private static byte[] withBody(byte[] header, int bodyBytes) {
        return Arrays.copyOf(header, header.length + bodyBytes);
    }
}
