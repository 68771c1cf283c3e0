package org.dl4jconnectome.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.zip.CRC32;
import java.util.zip.CheckedOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Reads and writes NumPy {@code .npz} archives: zip files of {@code .npy} entries, as written by
 * {@code numpy.savez} (stored) and {@code numpy.savez_compressed} (deflated).
 */
public final class Npz {
    private static final String SUFFIX = ".npy";
    /** Fixed entry time (NumPy uses the same), so that equal content gives byte-identical archives. */
    private static final LocalDateTime ENTRY_TIME = LocalDateTime.of(1980, 1, 1, 0, 0);

    private Npz() {
    }

    /**
     * Reads every array of an archive. Keys are the entry names without the {@code .npy} suffix, in the order the
     * entries were written. Every entry is read completely and its CRC checked before this returns.
     *
     * @return an unmodifiable map from key to array, in archive order
     * @throws IOException naming the file (and entry) if the archive is unreadable, truncated or corrupt, an entry is
     *                     not a valid {@code .npy} array, or two entries have the same key
     */
    public static Map<String, NpyArray> read(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        Map<String, NpyArray> arrays = new LinkedHashMap<>();
        try (ZipArchive zip = ZipArchive.open(file)) {
            for (ZipEntry entry : zip.entries()) {
                String name = entry.getName();
                String key = name.endsWith(SUFFIX) ? name.substring(0, name.length() - SUFFIX.length()) : name;
                if (arrays.containsKey(key)) {
                    throw new IOException(zip.describe(entry) + ": duplicate key '" + key + "' in the archive");
                }
                arrays.put(key, zip.read(entry, Npy::read));
            }
        }
        return Collections.unmodifiableMap(arrays);
    }

    /**
     * Writes arrays as an {@code .npz} archive, replacing any existing file (through a temporary file, so a failure
     * leaves no partial archive). Each key becomes the entry {@code key + ".npy"}, in the map's iteration order.
     *
     * @param compressed deflate the entries (as {@code numpy.savez_compressed}); otherwise store them (as
     *                   {@code numpy.savez})
     * @throws IllegalArgumentException if a key is null or empty or an array is null
     */
    public static void write(Path file, Map<String, NpyArray> arrays, boolean compressed) throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(arrays, "arrays");
        for (Map.Entry<String, NpyArray> e : arrays.entrySet()) {
            if (e.getKey() == null || e.getKey().isEmpty()) {
                throw new IllegalArgumentException("arrays has the key '" + e.getKey()
                        + "': expected a non-empty name");
            }
            if (e.getValue() == null) {
                throw new IllegalArgumentException("arrays['" + e.getKey() + "'] is null: expected an array");
            }
        }
        SafeFiles.write(file, raw -> {
            ZipOutputStream zip = new ZipOutputStream(new BufferedOutputStream(raw, 1 << 16));
            for (Map.Entry<String, NpyArray> e : arrays.entrySet()) {
                ZipEntry entry = new ZipEntry(e.getKey() + SUFFIX);
                entry.setTimeLocal(ENTRY_TIME);
                if (compressed) {
                    entry.setMethod(ZipEntry.DEFLATED);
                } else {
                    // A stored entry's size and CRC go in its local header, so compute them before writing it.
                    CRC32 crc = new CRC32();
                    CountingSink sink = new CountingSink();
                    Npy.write(new CheckedOutputStream(sink, crc), e.getValue());
                    entry.setMethod(ZipEntry.STORED);
                    entry.setSize(sink.count);
                    entry.setCompressedSize(sink.count);
                    entry.setCrc(crc.getValue());
                }
                zip.putNextEntry(entry);
                Npy.write(zip, e.getValue());
                zip.closeEntry();
            }
            zip.finish();
            zip.flush();
        });
    }

    /** Counts and discards what is written to it. */
    private static final class CountingSink extends OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }
}
