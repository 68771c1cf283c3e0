package org.dl4jconnectome.io;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.function.Executable;

/** Access to the committed fixture files and shared assertions. */
final class Fixtures {
    private Fixtures() {
    }

    static Path path(String name) {
        URL url = Fixtures.class.getResource(name);
        if (url == null) {
            throw new IllegalStateException("missing test resource " + name);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Asserts that {@code action} throws an IOException whose message contains every fragment. */
    static IOException assertIoError(Executable action, String... fragments) {
        IOException e = assertThrows(IOException.class, action);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), () -> "message '" + e.getMessage() + "' lacks '" + f + "'");
        }
        return e;
    }

    /** Asserts that {@code action} throws an IllegalArgumentException whose message contains every fragment. */
    static IllegalArgumentException assertArgError(Executable action, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, action);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), () -> "message '" + e.getMessage() + "' lacks '" + f + "'");
        }
        return e;
    }

    /** Writes the first {@code length} bytes of {@code source} to a new file in {@code dir}. */
    static Path truncated(Path source, int length, Path dir) throws IOException {
        byte[] all = Files.readAllBytes(source);
        Path out = dir.resolve(length + "-" + source.getFileName());
        Files.write(out, Arrays.copyOf(all, length));
        return out;
    }
}
