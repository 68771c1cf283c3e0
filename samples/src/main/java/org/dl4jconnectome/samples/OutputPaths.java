package org.dl4jconnectome.samples;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Checks the command line's output paths before any work, so that a bad {@code --out} costs nothing: the place must
 * take a new file (tried, not guessed from permission bits, which do not apply to root or read-only file systems),
 * and an output must not be one of the command's input files.
 */
final class OutputPaths {
    private OutputPaths() {
    }

    /**
     * An output file: not a directory, in an existing directory where files can be created, and not the same file
     * (compared by real path, so links count) as any of {@code inputs}.
     *
     * @param inputs option name to file, for the inputs that were given (null values are skipped)
     */
    static void checkFile(String option, Path out, Map<String, Path> inputs) {
        if (Files.isDirectory(out)) {
            throw CliError.usage(option + " " + out + ": is a directory, expected a file name");
        }
        if (Files.exists(out) && !Files.isRegularFile(out)) {
            throw CliError.usage(option + " " + out + ": is not a regular file (a device or pipe), expected a file "
                    + "name");
        }
        Path dir = out.toAbsolutePath().getParent();
        if (!Files.exists(dir)) {
            throw CliError.usage(option + " " + out + ": the directory " + dir + " does not exist");
        }
        if (!Files.isDirectory(dir)) {
            throw CliError.usage(option + " " + out + ": " + dir + " is not a directory");
        }
        for (Map.Entry<String, Path> input : inputs.entrySet()) {
            if (input.getValue() != null && sameFile(out, input.getValue())) {
                throw CliError.usage(option + " " + out + " is the " + input.getKey() + " file " + input.getValue()
                        + ": writing the output would destroy an input; choose another output file");
            }
        }
        probe(option, out, dir);
    }

    /**
     * An output directory: created if it does not exist (with its parents); it must then be a directory where files
     * can be created, and not one of {@code inputs}.
     */
    static void checkDirectory(String option, Path dir, Map<String, Path> inputs) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw CliError.usage(option + " " + dir + ": is a file, expected a directory");
        }
        for (Map.Entry<String, Path> input : inputs.entrySet()) {
            if (input.getValue() != null && sameFile(dir, input.getValue())) {
                throw CliError.usage(option + " " + dir + " is the " + input.getKey() + " directory: writing there "
                        + "would replace the inputs; choose another directory");
            }
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw CliError.usage(option + " " + dir + ": cannot create the directory (" + reason(e) + ")", e);
        }
        probe(option, dir, dir);
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    /** Creates and deletes a file in {@code dir}: the one reliable test that the output can be written there. */
    private static void probe(String option, Path out, Path dir) {
        try {
            Files.delete(Files.createTempFile(dir, ".connectome-", ".probe"));
        } catch (IOException e) {
            throw CliError.usage(option + " " + out + ": cannot create files in " + dir + " (" + reason(e) + ")", e);
        }
    }

    /** Why a file operation failed, in words (the JDK's exceptions often carry only the file name). */
    private static String reason(IOException e) {
        if (e instanceof FileSystemException && ((FileSystemException) e).getReason() != null) {
            return ((FileSystemException) e).getReason();
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "a file of that name exists";
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
