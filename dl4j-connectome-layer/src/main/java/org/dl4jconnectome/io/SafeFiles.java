package org.dl4jconnectome.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.ThreadLocalRandom;

/** Writes files through a temporary sibling that replaces the target only once complete. */
final class SafeFiles {
    private static final int NAME_ATTEMPTS = 100;

    /** Something that writes a file's content. */
    interface Writer {
        void writeTo(OutputStream out) throws IOException;
    }

    private SafeFiles() {
    }

    /**
     * Writes {@code file} via a temporary file in the same directory, so that readers never see a half-written file
     * and a failure leaves any previous file untouched. The file gets the permissions a newly created file gets (those
     * the umask allows), as any other program's output would. A link is followed, so the file it names is replaced
     * and the link kept; anything but a regular file (a device, a pipe, a directory) is refused, since replacing it
     * by renaming would remove it.
     *
     * @throws IOException naming the file if it exists but is not a regular file, or the write fails
     */
    static void write(Path file, Writer writer) throws IOException {
        Path target = file.toAbsolutePath();
        if (Files.exists(target)) {
            if (!Files.isRegularFile(target)) {
                throw new IOException(file + ": exists and is not a regular file (a directory, device or pipe): "
                        + "refusing to replace it");
            }
            target = target.toRealPath();
        }
        Path tmp = createSibling(target);
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                writer.writeTo(out);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * A new empty file next to {@code target} with a random hidden name. Unlike {@link Files#createTempFile}, which
     * makes the file readable by its owner only, this creates it with the default permissions.
     */
    private static Path createSibling(Path target) throws IOException {
        for (int attempt = 1; ; attempt++) {
            String suffix = Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36);
            Path tmp = target.resolveSibling("." + target.getFileName() + "." + suffix + ".tmp");
            try {
                return Files.createFile(tmp);
            } catch (FileAlreadyExistsException e) {
                if (attempt == NAME_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }
}
