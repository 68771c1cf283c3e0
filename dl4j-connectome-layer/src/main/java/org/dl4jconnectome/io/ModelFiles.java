package org.dl4jconnectome.io;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

/**
 * Saves and restores DL4J models in {@link ModelSerializer}'s zip format, with the file checked first.
 * <p>
 * {@code ModelSerializer} reads a zip from its start with {@link ZipInputStream} and never looks at the central
 * directory at its end, so a truncated or damaged file can load partly (a model cut short after its parameters loads
 * without its updater state) or fail with a message that names neither the file nor the cause. Here the file is
 * verified before DL4J reads it: the central directory must be intact, every entry must read back with its CRC-32,
 * the entries seen from the start of the file must be the same, and {@code configuration.json} and
 * {@code coefficients.bin} must be present. Only then does {@code ModelSerializer} restore it, and its own failures
 * (a configuration it cannot parse, a graph restored as a network) are reported with the file name too. A file that
 * fails is never half-loaded. Verifying reads the file once more than {@code ModelSerializer} alone does.
 */
public final class ModelFiles {
    private static final int MAX_CAUSES = 8;

    private ModelFiles() {
    }

    /**
     * Restores a {@link MultiLayerNetwork} saved with {@link ModelSerializer#writeModel} (or {@link #write}).
     *
     * @param loadUpdater also restore the updater state when the file has one (needed to continue training)
     * @throws IOException naming the file and what is wrong if it cannot be read, is not a complete and intact model
     *                     zip, or DL4J cannot restore it as a {@code MultiLayerNetwork}
     */
    public static MultiLayerNetwork restoreMultiLayerNetwork(Path file, boolean loadUpdater) throws IOException {
        verify(file);
        try {
            return ModelSerializer.restoreMultiLayerNetwork(file.toFile(), loadUpdater);
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + ": cannot restore a MultiLayerNetwork: " + describe(e), e);
        }
    }

    /**
     * Restores a {@link ComputationGraph} saved with {@link ModelSerializer#writeModel} (or {@link #write}).
     *
     * @param loadUpdater also restore the updater state when the file has one (needed to continue training)
     * @throws IOException naming the file and what is wrong if it cannot be read, is not a complete and intact model
     *                     zip, or DL4J cannot restore it as a {@code ComputationGraph}
     */
    public static ComputationGraph restoreComputationGraph(Path file, boolean loadUpdater) throws IOException {
        verify(file);
        try {
            return ModelSerializer.restoreComputationGraph(file.toFile(), loadUpdater);
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + ": cannot restore a ComputationGraph: " + describe(e), e);
        }
    }

    /**
     * Saves a model with {@link ModelSerializer#writeModel(Model, OutputStream, boolean)} through a temporary file in
     * the same directory, which replaces {@code file} only once complete: a failed save leaves no partial zip and any
     * previous file untouched.
     *
     * @param saveUpdater also save the updater state (to continue training after a restore)
     */
    public static void write(Model model, Path file, boolean saveUpdater) throws IOException {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(file, "file");
        SafeFiles.write(file, out -> ModelSerializer.writeModel(model, out, saveUpdater));
    }

    /** Checks the zip through its central directory and from its start, as described in the class comment. */
    private static void verify(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        List<String> names = new ArrayList<>();
        try (ZipArchive zip = ZipArchive.open(file)) {
            for (ZipEntry entry : zip.entries()) {
                zip.read(entry, (in, name, size) -> in.transferTo(OutputStream.nullOutputStream()));
                names.add(entry.getName());
            }
            ZipEntry coefficients = zip.entry(ModelSerializer.COEFFICIENTS_BIN);
            for (String required : new String[] {ModelSerializer.CONFIGURATION_JSON,
                ModelSerializer.COEFFICIENTS_BIN}) {
                if (zip.entry(required) == null) {
                    throw new IOException(file + ": no " + required + " entry: not a model saved by DL4J's "
                            + "ModelSerializer (entries: " + names + ")");
                }
            }
            if (coefficients.getSize() == 0 && zip.entry(ModelSerializer.NO_PARAMS_MARKER) == null) {
                throw new IOException(file + ": " + ModelSerializer.COEFFICIENTS_BIN + " is empty and there is no "
                        + ModelSerializer.NO_PARAMS_MARKER + ": the parameters are missing");
            }
        }
        List<String> streamed = streamedEntryNames(file);
        if (!streamed.equals(names)) {
            throw new IOException(file + ": the entries read from the start of the file " + streamed + " differ from "
                    + "those its central directory lists " + names + "; the file is corrupt");
        }
    }

    /** The entry names as {@link ZipInputStream}, which ModelSerializer uses, sees them; their data is CRC-checked. */
    private static List<String> streamedEntryNames(Path file) throws IOException {
        List<String> names = new ArrayList<>();
        try (ZipInputStream in = new ZipInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                in.transferTo(OutputStream.nullOutputStream());
                if (!e.isDirectory()) {
                    names.add(e.getName());
                }
            }
        } catch (ZipException | EOFException e) {
            throw new IOException(file + ": cannot read the entries from the start of the file (" + e.getMessage()
                    + "); the file is corrupt", e);
        }
        return names;
    }

    /** The messages of an exception and its causes (DL4J often wraps the telling one), on one line. */
    private static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder(e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName());
        Throwable c = e.getCause();
        for (int depth = 0; c != null && depth < MAX_CAUSES; depth++, c = c.getCause()) {
            if (c.getMessage() != null && sb.indexOf(c.getMessage()) < 0) {
                sb.append(": ").append(c.getMessage());
            }
        }
        return sb.toString().replaceAll("\\s*\\R\\s*", " ");
    }
}
