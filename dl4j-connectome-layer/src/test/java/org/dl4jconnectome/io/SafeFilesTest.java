package org.dl4jconnectome.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.dl4jconnectome.connectome.CsrMatrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What every writer of this package leaves on disk: the umask's permissions, and never a half-written file. */
class SafeFilesTest {
    @TempDir
    Path dir;

    /** Asserts that {@code file} has the permissions a file newly created next to it gets (the umask's). */
    static void assertDefaultPermissions(Path file) throws IOException {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
        Path reference = Files.createFile(file.resolveSibling("permission-reference-" + file.getFileName()));
        Set<PosixFilePermission> expected = Files.getPosixFilePermissions(reference);
        Files.delete(reference);
        assertEquals(PosixFilePermissions.toString(expected),
                PosixFilePermissions.toString(Files.getPosixFilePermissions(file)), file::toString);
    }

    /** Asserts that no temporary file of a write is left in {@code dir}. */
    static void assertNoTemporaryFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<String> tmp = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp"))
                    .collect(Collectors.toList());
            assertEquals(List.of(), tmp);
        }
    }

    @Test
    void everyWriterGivesItsFileTheUmaskPermissions() throws IOException {
        CsrMatrix m = CsrMatrix.fromDense(new double[][] {{0, 1}, {2, 0}});
        Path npy = dir.resolve("a.npy");
        Npy.write(npy, NpyArray.ofFloat32(new float[] {1, 2}, 2));
        Path npz = dir.resolve("a.npz");
        Npz.write(npz, Map.of("x", NpyArray.ofInt32(new int[] {3}, 1)), true);
        Path sparse = dir.resolve("m.npz");
        ScipySparseNpz.write(sparse, m, false);
        Path csv = dir.resolve("m.csv");
        EdgeListCsv.write(csv, m);
        for (Path f : List.of(npy, npz, sparse, csv)) {
            assertDefaultPermissions(f);
        }
        // Replacing an existing file gives the same.
        Npy.write(npy, NpyArray.ofFloat32(new float[] {3}, 1));
        assertDefaultPermissions(npy);
        assertArrayEquals(new float[] {3}, Npy.read(npy).toFloatArray());
    }

    @Test
    void aLinkIsFollowedAndWhatIsNotARegularFileIsNotReplaced() throws IOException {
        Path real = dir.resolve("states.npy");
        Npy.write(real, NpyArray.ofFloat32(new float[] {1}, 1));
        Path link = Files.createSymbolicLink(dir.resolve("link.npy"), real);
        Npy.write(link, NpyArray.ofFloat32(new float[] {2}, 1));
        assertTrue(Files.isSymbolicLink(link), "the link stays a link");
        assertArrayEquals(new float[] {2}, Npy.read(real).toFloatArray());

        Path sub = Files.createDirectory(dir.resolve("sub.npy"));
        IOException e = assertThrows(IOException.class, () -> Npy.write(sub, NpyArray.ofFloat32(new float[] {3}, 1)));
        assertEquals(sub + ": exists and is not a regular file (a directory, device or pipe): refusing to replace it",
                e.getMessage());
        assertTrue(Files.isDirectory(sub));
        assertNoTemporaryFiles(dir);
    }

    @Test
    void aFailedWriteLeavesTheOldFileWholeAndNoTemporaryFile() throws IOException {
        Path f = dir.resolve("states.npy");
        Npy.write(f, NpyArray.ofFloat64(new double[] {1, 2, 3}, 3));
        IOException e = assertThrows(IOException.class, () -> SafeFiles.write(f, out -> {
            out.write("half of the new content".getBytes(StandardCharsets.US_ASCII));
            throw new IOException("no space left on device");
        }));
        assertEquals("no space left on device", e.getMessage());
        assertArrayEquals(new double[] {1, 2, 3}, Npy.read(f).toDoubleArray());
        assertNoTemporaryFiles(dir);
        Path fresh = dir.resolve("never.npy");
        assertThrows(IOException.class, () -> SafeFiles.write(fresh, out -> {
            throw new IOException("failed at once");
        }));
        assertEquals(List.of("states.npy"), Files.list(dir).map(p -> p.getFileName().toString())
                .collect(Collectors.toList()));
    }
}
