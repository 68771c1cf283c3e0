package org.dl4jconnectome.samples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tutorial sample, end to end on the small C. elegans connectome. */
class TutorialCommandTest {
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    @Test
    void printsTheTutorialShapesAndDrawsBothPictures(@TempDir Path dir) throws IOException {
        Path outDir = dir.resolve("pictures");
        CommandRunner r = CommandRunner.run("tutorial", "--connectome", "celegans", "--out-dir", outDir.toString());
        assertEquals(0, r.exitCode, r.err);
        assertTrue(r.out.contains("Connectome dimensions: 299x299\n"), r.out);
        assertTrue(r.out.contains("Number of synapses: 2279\n"), r.out);
        assertTrue(r.out.contains("x shape: [8, 1, 28, 28], label shape: [8]\n"), r.out);
        assertTrue(r.out.contains("x flattened shape: [8, 784]\n"), r.out);
        assertTrue(r.out.contains("Neural activity shape (DL4J [batch, neurons, time]): [8, 299, 20]\n"), r.out);
        assertTrue(r.out.contains("Neural activity shape: [20, 8, 299]"), r.out);
        assertTrue(r.err.contains("simulating 8 digits"), "progress goes to stderr: " + r.err);

        assertPicture(outDir.resolve("connectome.png"), 900, 860);
        assertPicture(outDir.resolve("activity.png"), 1100, 650);
    }

    private static void assertPicture(Path file, int width, int height) throws IOException {
        assertTrue(Files.isRegularFile(file), file + " exists");
        byte[] bytes = Files.readAllBytes(file);
        assertArrayEquals(PNG_SIGNATURE, Arrays.copyOf(bytes, PNG_SIGNATURE.length), file + " is a PNG");
        assertTrue(bytes.length > 20_000, file + " has " + bytes.length + " bytes: too few for a drawn chart");
        BufferedImage image = ImageIO.read(file.toFile());
        assertEquals(width, image.getWidth());
        assertEquals(height, image.getHeight());
        // Drawn, not blank: the chart has many colours besides the white background.
        java.util.Set<Integer> colours = new java.util.HashSet<>();
        for (int y = 0; y < height; y += 3) {
            for (int x = 0; x < width; x += 3) {
                colours.add(image.getRGB(x, y));
            }
        }
        assertTrue(colours.size() > 20, file + " has only " + colours.size() + " colours");
    }

    @Test
    void anOutputDirectoryThatIsAFileIsRefusedBeforeTheWork(@TempDir Path dir) throws IOException {
        Path file = Files.createFile(dir.resolve("pictures"));
        CommandRunner r = CommandRunner.run("tutorial", "--connectome", "celegans", "--out-dir", file.toString());
        assertEquals(2, r.exitCode, r.err);
        assertEquals("error: --out-dir " + file + ": is a file, expected a directory\n", r.err);
        assertEquals("", r.out);
        Path inside = file.resolve("sub");
        r = CommandRunner.run("tutorial", "--connectome", "celegans", "--out-dir", inside.toString());
        assertEquals(2, r.exitCode, r.err);
        assertTrue(r.err.startsWith("error: --out-dir " + inside + ": cannot create the directory ("), r.err);
        assertEquals(1, r.err.lines().count(), r.err);
    }

    @Test
    void unknownConnectomeIsAUsageError() {
        CommandRunner r = CommandRunner.run("tutorial", "--connectome", "mouse");
        assertEquals(2, r.exitCode);
        assertTrue(r.err.contains("'mouse' is not a connectome: expected one of [flyvis, celegans, synthetic]"),
                r.err);
    }
}
