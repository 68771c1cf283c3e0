package org.dl4jconnectome.io;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A zip archive read through its central directory, with every entry's CRC-32 checked (java.util.zip.ZipFile does
 * not check it) and every failure reported as an IOException that names the file and the entry.
 */
final class ZipArchive implements Closeable {
    /** Reads an entry's content from a stream. */
    interface EntryReader<T> {
        T read(InputStream in, String nameForErrors, long size) throws IOException;
    }

    /** DEFLATE expands by at most 1032:1; the slack covers the fixed cost of tiny streams. */
    private static final long MAX_INFLATION = 1032;
    private static final long INFLATION_SLACK = 1 << 12;

    private final Path file;
    private final long length;
    private final ZipFile zip;

    private ZipArchive(Path file, long length, ZipFile zip) {
        this.file = file;
        this.length = length;
        this.zip = zip;
    }

    static ZipArchive open(Path file) throws IOException {
        try {
            return new ZipArchive(file, Files.size(file), new ZipFile(file.toFile()));
        } catch (ZipException e) {
            throw new IOException(file + ": not a readable zip archive (" + e.getMessage()
                    + "); the file may be truncated or corrupt", e);
        }
    }

    /** The file entries (directories left out) in central-directory order, which is the order they were written. */
    List<ZipEntry> entries() {
        List<ZipEntry> out = new ArrayList<>();
        for (ZipEntry e : Collections.list(zip.entries())) {
            if (!e.isDirectory()) {
                out.add(e);
            }
        }
        return out;
    }

    ZipEntry entry(String name) {
        return zip.getEntry(name);
    }

    String describe(ZipEntry entry) {
        return file + " [entry " + entry.getName() + "]";
    }

    /**
     * Reads one entry with {@code reader}, then reads any rest of the entry and checks its CRC-32. A CRC mismatch is
     * reported in preference to the reader's own error, since it explains that error.
     *
     * @throws IOException naming file and entry for a failed read or a CRC mismatch
     */
    <T> T read(ZipEntry entry, EntryReader<T> reader) throws IOException {
        String name = describe(entry);
        checkDeclaredSizes(entry, name);
        CRC32 crc = new CRC32();
        try (CheckedInputStream in = new CheckedInputStream(zip.getInputStream(entry), crc)) {
            T value = null;
            IOException failure = null;
            try {
                value = reader.read(in, name, entry.getSize());
            } catch (IOException e) {
                failure = e;
            }
            in.transferTo(OutputStream.nullOutputStream());
            if (entry.getCrc() != -1 && crc.getValue() != entry.getCrc()) {
                throw new IOException(name + ": CRC-32 mismatch (stored " + Long.toHexString(entry.getCrc())
                        + ", computed " + Long.toHexString(crc.getValue()) + "): the archive is corrupt", failure);
            }
            if (failure != null) {
                throw failure;
            }
            return value;
        } catch (ZipException | EOFException e) {
            throw new IOException(name + ": cannot read the entry (" + e.getMessage()
                    + "); the archive is truncated or corrupt", e);
        }
    }

    /**
     * Refuses entry sizes that the archive cannot hold, before a reader trusts them to size its buffers: the sizes
     * come from the central directory, which a corrupt or hostile file can fill with anything.
     */
    private void checkDeclaredSizes(ZipEntry entry, String name) throws IOException {
        long size = entry.getSize();
        long compressed = entry.getCompressedSize();
        if (compressed > length) {
            throw new IOException(name + ": the entry claims " + compressed + " compressed bytes, but the archive "
                    + "has only " + length + "; it is truncated or corrupt");
        }
        if (entry.getMethod() == ZipEntry.STORED && size != compressed) {
            throw new IOException(name + ": a stored entry of " + size + " bytes with " + compressed
                    + " bytes of data; the archive is corrupt");
        }
        if (entry.getMethod() == ZipEntry.DEFLATED && size > MAX_INFLATION * compressed + INFLATION_SLACK) {
            throw new IOException(name + ": the entry claims " + size + " bytes uncompressed from " + compressed
                    + " compressed bytes, more than DEFLATE can expand to; the archive is corrupt");
        }
    }

    /** The whole content of an entry, CRC-checked. */
    byte[] readBytes(ZipEntry entry) throws IOException {
        if (entry.getSize() > NpyArray.MAX_BYTES) {
            throw new IOException(describe(entry) + ": entry of " + entry.getSize() + " bytes is too large (at most "
                    + NpyArray.MAX_BYTES + " bytes are supported)");
        }
        return read(entry, (in, name, size) -> in.readAllBytes());
    }

    @Override
    public void close() throws IOException {
        zip.close();
    }
}
