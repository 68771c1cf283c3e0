package org.dl4jconnectome.zoo;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.Adler32;

/** SHA-256 and Adler-32 of files and resources, as a checkpoint's provenance records them. */
final class Checksums {
    private Checksums() {
    }

    /** Both checksums and the length of some bytes. */
    record Sums(long bytes, String sha256, long adler32) {
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256, which every Java platform must provide", e);
        }
    }

    static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }

    static Sums of(byte[] data) {
        MessageDigest d = sha256();
        d.update(data);
        Adler32 a = new Adler32();
        a.update(data);
        return new Sums(data.length, hex(d.digest()), a.getValue());
    }

    /** Reads the stream to its end (it is not closed). */
    static Sums of(InputStream in) throws IOException {
        MessageDigest d = sha256();
        Adler32 a = new Adler32();
        byte[] buf = new byte[1 << 16];
        long total = 0;
        for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
            d.update(buf, 0, n);
            a.update(buf, 0, n);
            total += n;
        }
        return new Sums(total, hex(d.digest()), a.getValue());
    }
}
