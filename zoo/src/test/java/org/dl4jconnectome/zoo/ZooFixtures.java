package org.dl4jconnectome.zoo;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/** Views of the zoo's files for tests, and references computed without the code under test. */
final class ZooFixtures {
    private ZooFixtures() {
    }

    /** The zoo's classpath files without the checkpoint zips (as if the jar shipped only the provenances). */
    static CheckpointResources withoutZips() {
        return replacing(Map.of(), true);
    }

    /**
     * The zoo's classpath files with some replaced: name → new content; with {@code hideZips} the zips are absent
     * (unless replaced).
     */
    static CheckpointResources replacing(Map<String, byte[]> replaced, boolean hideZips) {
        return new CheckpointResources() {
            @Override
            public InputStream open(String name) throws IOException {
                if (replaced.containsKey(name)) {
                    return new ByteArrayInputStream(replaced.get(name));
                }
                return hideZips && name.endsWith(".zip") ? null : CheckpointResources.CLASSPATH.open(name);
            }

            @Override
            public URL url(String name) {
                if (replaced.containsKey(name)) {
                    try {
                        return new URL("file:/replaced/" + name);
                    } catch (MalformedURLException e) {
                        throw new IllegalStateException(e);
                    }
                }
                return hideZips && name.endsWith(".zip") ? null : CheckpointResources.CLASSPATH.url(name);
            }
        };
    }

    /** The files of a directory (a checkpoint folder written by {@link CheckpointTrainer.Result#write}). */
    static CheckpointResources directory(Path dir) {
        return new CheckpointResources() {
            @Override
            public InputStream open(String name) throws IOException {
                Path f = dir.resolve(name);
                return Files.isRegularFile(f) ? Files.newInputStream(f) : null;
            }

            @Override
            public URL url(String name) {
                Path f = dir.resolve(name);
                try {
                    return Files.isRegularFile(f) ? f.toUri().toURL() : null;
                } catch (MalformedURLException e) {
                    throw new IllegalStateException(e);
                }
            }
        };
    }

    static byte[] shippedBytes(String name) {
        try (InputStream in = ZooFixtures.class.getResourceAsStream(CheckpointResources.FOLDER + name)) {
            if (in == null) {
                throw new AssertionError("missing shipped file " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String shippedText(String name) {
        return new String(shippedBytes(name), java.nio.charset.StandardCharsets.UTF_8);
    }

    static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    static String sha256Unchecked(byte[] data) {
        try {
            return sha256(data);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * SHA-256 of digits [from, to) computed from the raw bundled IDX files (16- and 8-byte headers), not through
     * {@link Mnist}: their pixel bytes, then their label bytes.
     */
    static String rawDigitsSha256(int from, int to) throws Exception {
        byte[] images = gunzip("mnist10k/mnist10k-images-idx3-ubyte.gz");
        byte[] labels = gunzip("mnist10k/mnist10k-labels-idx1-ubyte.gz");
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        d.update(images, 16 + from * 784, (to - from) * 784);
        d.update(labels, 8 + from, to - from);
        return HexFormat.of().formatHex(d.digest());
    }

    private static byte[] gunzip(String resource) throws IOException {
        try (InputStream in = new GZIPInputStream(Mnist.class.getResourceAsStream(resource))) {
            return in.readAllBytes();
        }
    }

    /** The network's outputs on digits [from, to), as float64 [count][10]. */
    static double[][] outputs(MultiLayerNetwork net, Mnist mnist, int from, int to) {
        INDArray out = net.output(mnist.features(from, to)).castTo(DataType.DOUBLE);
        return out.toDoubleMatrix();
    }

    /** Accuracy by hand: the arg-max of the outputs against the labels, in chunks of 250 digits. */
    static double accuracy(MultiLayerNetwork net, Mnist mnist, int from, int to) {
        int correct = 0;
        for (int lo = from; lo < to; lo += 250) {
            int hi = Math.min(to, lo + 250);
            double[][] p = outputs(net, mnist, lo, hi);
            for (int i = 0; i < p.length; i++) {
                int best = 0;
                for (int c = 1; c < p[i].length; c++) {
                    if (p[i][c] > p[i][best]) {
                        best = c;
                    }
                }
                if (best == mnist.label(lo + i)) {
                    correct++;
                }
            }
        }
        return correct / (double) (to - from);
    }
}
