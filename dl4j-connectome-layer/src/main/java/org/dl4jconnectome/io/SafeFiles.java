package org.dl4jconnectome.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Writes files through a temporary sibling that replaces the target only once complete. */
final class SafeFiles {
    /** Something that writes a file's content. */
    interface Writer {
        void writeTo(OutputStream out) throws IOException;
    }

    private SafeFiles() {
    }

    /**
     * Writes {@code file} via a temporary file in the same directory, so that readers never see a half-written file
     * and a failure leaves any previous file untouched.
     */
    static void write(Path file, Writer writer) throws IOException {
        Path target = file.toAbsolutePath();
        Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                writer.writeTo(out);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
