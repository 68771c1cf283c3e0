package org.dl4jconnectome.zoo;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.dl4jconnectome.io.ModelFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Finds, verifies and restores one checkpoint file (see {@link ConnectomeZooModel} for the order of the sources).
 * Nothing unverified reaches DL4J; a cached or downloaded file that fails verification is deleted.
 */
final class CheckpointLoader {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointLoader.class);
    private static final int CONNECT_TIMEOUT_MS = 30_000;
    private static final int READ_TIMEOUT_MS = 120_000;

    private final String id;
    private final CheckpointProvenance.Artifact expected;
    private final CheckpointResources resources;
    private final Supplier<Path> cacheDirectory;
    private final String baseUrl;

    CheckpointLoader(String id, CheckpointProvenance.Artifact expected, CheckpointResources resources,
                     Supplier<Path> cacheDirectory, String baseUrl) {
        this.id = id;
        this.expected = expected;
        this.resources = resources;
        this.cacheDirectory = cacheDirectory;
        this.baseUrl = baseUrl;
    }

    MultiLayerNetwork load() throws IOException {
        String file = expected.file();
        try (InputStream in = resources.open(file)) {
            if (in != null) {
                return fromClasspath(in, String.valueOf(resources.url(file)));
            }
        }
        // Only now is DL4J's cache directory touched (DL4JResources creates it), so classpath loads write nothing.
        Path cached = cacheDirectory.get().resolve(file);
        if (Files.isRegularFile(cached)) {
            LOG.info("checkpoint {}: loading the cached {}", id, cached);
            verifyOrDelete(cached, "cached file " + cached, "deleted it (the next load downloads it again)");
            return restore(cached);
        }
        if (baseUrl == null) {
            throw new IOException("checkpoint " + id + ": " + file + " is not on the classpath nor in the cache "
                    + "directory " + cached.getParent() + ", and no base URL to download it from is set (system "
                    + "property " + ConnectomeZooModel.BASE_URL_PROPERTY + " or setBaseUrl)");
        }
        download(new URL(join(baseUrl, file)), cached);
        return restore(cached);
    }

    static String join(String base, String file) {
        return base.endsWith("/") ? base + file : base + "/" + file;
    }

    /** Reads the resource into memory (at most one byte more than expected), verifies it and restores it. */
    private MultiLayerNetwork fromClasspath(InputStream in, String where) throws IOException {
        byte[] data = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, expected.bytes() + 1));
        String problem = mismatch(Checksums.of(data));
        if (problem != null) {
            throw new IOException("checkpoint " + id + ": " + where + " " + problem + "; the jar on the classpath is "
                    + "damaged or holds another version of the checkpoint");
        }
        LOG.info("checkpoint {}: restoring {} from the classpath", id, expected.file());
        try {
            return ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(data), false);
        } catch (IOException | RuntimeException e) {
            throw new IOException("checkpoint " + id + ": " + where + ": DL4J cannot restore it: " + e.getMessage(),
                    e);
        }
    }

    private MultiLayerNetwork restore(Path file) throws IOException {
        try {
            return ModelFiles.restoreMultiLayerNetwork(file, false);
        } catch (IOException e) {
            throw new IOException("checkpoint " + id + ": " + e.getMessage(), e);
        }
    }

    /** Downloads into a temporary file beside {@code target}, verifies it, then moves it into place. */
    private void download(URL url, Path target) throws IOException {
        LOG.info("checkpoint {}: downloading {} to {}", id, url, target);
        Path tmp = Files.createTempFile(target.getParent(), target.getFileName() + ".", ".part");
        try {
            URLConnection c = url.openConnection();
            c.setConnectTimeout(CONNECT_TIMEOUT_MS);
            c.setReadTimeout(READ_TIMEOUT_MS);
            try (InputStream in = c.getInputStream(); OutputStream out = Files.newOutputStream(tmp)) {
                // One byte more than expected is enough to tell that the file is too long.
                in.transferTo(new LimitedOutputStream(out, expected.bytes() + 1));
            } catch (LimitedOutputStream.Full e) {
                // the file is longer than expected: verification below says so
            } catch (IOException e) {
                throw new IOException("checkpoint " + id + ": cannot download " + url + ": " + e, e);
            }
            verifyOrDelete(tmp, "download from " + url, "nothing was cached");
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private void verifyOrDelete(Path file, String what, String consequence) throws IOException {
        String problem;
        try (InputStream in = Files.newInputStream(file)) {
            problem = mismatch(Checksums.of(in));
        }
        if (problem != null) {
            Files.deleteIfExists(file);
            throw new IOException("checkpoint " + id + ": " + what + " " + problem + "; " + consequence);
        }
    }

    /** What is wrong with a file of these checksums, or null when it is the expected one. */
    private String mismatch(Checksums.Sums actual) {
        if (actual.bytes() < expected.bytes()) {
            return String.format(Locale.ROOT, "is truncated: %,d bytes, expected %,d", actual.bytes(),
                    expected.bytes());
        }
        if (actual.bytes() > expected.bytes()) {
            return String.format(Locale.ROOT, "is longer than the checkpoint: more than %,d bytes", expected.bytes());
        }
        if (!actual.sha256().equals(expected.sha256())) {
            return "fails its SHA-256 check: " + actual.sha256() + ", expected " + expected.sha256()
                    + " (the file is corrupt or another version)";
        }
        if (actual.adler32() != expected.adler32()) {
            return "fails its Adler-32 check: " + actual.adler32() + ", expected " + expected.adler32();
        }
        return null;
    }

    /** Passes at most {@code limit} bytes on, then throws {@link Full}. */
    private static final class LimitedOutputStream extends OutputStream {
        static final class Full extends IOException {
            private static final long serialVersionUID = 1L;

            Full() {
                super("limit reached");
            }
        }

        private final OutputStream out;
        private long left;

        LimitedOutputStream(OutputStream out, long limit) {
            this.out = out;
            this.left = limit;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            int n = (int) Math.min(len, left);
            out.write(b, off, n);
            left -= n;
            if (n < len) {
                throw new Full();
            }
        }
    }
}
