package org.dl4jconnectome.samples;

import org.dl4jconnectome.connectome.CsrMatrix;
import org.dl4jconnectome.io.EdgeListCsv;
import org.dl4jconnectome.io.Npy;
import org.dl4jconnectome.io.NpyArray;
import org.dl4jconnectome.io.ScipySparseNpz;
import org.dl4jconnectome.io.TorchFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Reads the command line's input files by their extension. Every problem becomes a {@link CliError#usage} whose
 * message starts with the option that named the file.
 */
final class InputFiles {
    /** What {@link #readSparse} accepts, for messages. */
    static final String SPARSE_FORMATS = ".npz (scipy.sparse.save_npz: csr, csc or coo), "
            + ".csv (edge list with a header such as post,pre,weight) or .pt (torch.save of a sparse COO tensor)";

    private InputFiles() {
    }

    /** The kinds of sparse-matrix files, by extension. */
    enum SparseFormat {
        NPZ, CSV, TORCH;

        static SparseFormat of(String option, Path file) {
            String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
            if (name.endsWith(".npz")) {
                return NPZ;
            }
            if (name.endsWith(".csv")) {
                return CSV;
            }
            if (name.endsWith(".pt") || name.endsWith(".pth")) {
                return TORCH;
            }
            throw CliError.usage(option + " " + file + ": unknown file type: expected " + SPARSE_FORMATS);
        }
    }

    /** Reads a sparse matrix that is not a connectome (a .csv edge list is refused by the caller). */
    static CsrMatrix readSparse(String option, Path file) {
        return readSparse(option, file, null);
    }

    /**
     * Where the number of neurons of a connectome comes from, when the file itself does not say it.
     *
     * @param value   the number of neurons, or -1 when no option gave it
     * @param from    the option that gave {@code value}, for messages
     * @param options the options that could give it, for the message when none did
     */
    record NeuronCount(int value, String from, String options) {
        static NeuronCount unknown(String options) {
            return new NeuronCount(-1, null, options);
        }
    }

    /**
     * Reads a sparse matrix.
     *
     * @param neurons for a .csv edge list, the number of neurons (neurons above the largest index that has an edge are
     *                otherwise lost)
     */
    private static CsrMatrix readSparse(String option, Path file, NeuronCount neurons) {
        SparseFormat format = SparseFormat.of(option, file);
        requireFile(option, file);
        int csvNeurons = neurons == null ? -1 : neurons.value();
        try {
            switch (format) {
                case NPZ:
                    return ScipySparseNpz.read(file);
                case CSV:
                    return csvNeurons < 0 ? EdgeListCsv.read(file) : EdgeListCsv.read(file, csvNeurons);
                default:
                    return TorchFiles.readSparse(file);
            }
        } catch (EdgeListCsv.UnknownNeuronCountException e) {
            throw CliError.usage(option + " " + file + ": the largest neuron index is " + e.largestIndex()
                    + " but there " + (e.edges() == 1 ? "is only 1 edge, which names" : "are only " + e.edges()
                    + " edges, which name") + " at most " + 2L * e.edges() + " neurons, so the file does not say how "
                    + "many neurons there are: give their number with " + neurons.options(), e);
        } catch (IOException | IllegalArgumentException e) {
            String n = format == SparseFormat.CSV && csvNeurons >= 0 ? " (N = " + csvNeurons + " from "
                    + neurons.from() + ")" : "";
            throw CliError.usage(option + ": " + e.getMessage() + n, e);
        }
    }

    /**
     * Reads a connectome: a square matrix whose rows are the receiving neurons, transposed first when the file is
     * pre-by-post.
     *
     * @param neurons the number of neurons when an option gave it: a .csv edge list gets that many, another file must
     *                have that many (when it was {@code --neurons}; other options' lengths are checked by the caller)
     */
    static CsrMatrix readConnectome(String option, Path file, NeuronCount neurons, boolean transpose) {
        if (transpose && SparseFormat.of(option, file) == SparseFormat.CSV) {
            throw CliError.usage("--transpose does not apply to " + option + " " + file + ": a .csv edge list "
                    + "names its post and pre columns in the header");
        }
        CsrMatrix m = readSparse(option, file, neurons);
        if (m.rows() != m.cols() || m.rows() == 0) {
            throw CliError.usage(option + " " + file + ": the matrix is " + m.rows() + " x " + m.cols()
                    + ": expected a non-empty square N x N connectome");
        }
        if ("--neurons".equals(neurons.from()) && m.rows() != neurons.value()) {
            throw CliError.usage("--neurons " + neurons.value() + ": " + option + " " + file + " has " + m.rows()
                    + " neurons");
        }
        return transpose ? m.transpose() : m;
    }

    /** Checks {@code --neurons}: a count of neurons that a connectome can have. */
    static void checkNeurons(Integer neurons) {
        if (neurons != null && (neurons < 1 || neurons > CsrMatrix.MAX_DIMENSION)) {
            throw CliError.usage("--neurons " + neurons + ": expected 1.." + CsrMatrix.MAX_DIMENSION);
        }
    }

    /**
     * Checks type ids against the number of neurons before anything is sized by them: ids 0..K-1 with K at most N.
     *
     * @return K, the largest id + 1
     */
    static int numTypes(String option, Path file, int[] typeIds, int neurons) {
        for (int i = 0; i < typeIds.length; i++) {
            if (typeIds[i] < 0) {
                throw CliError.usage(option + " " + file + ": type id " + typeIds[i] + " (neuron " + i
                        + ") is negative: expected type ids 0..K-1");
            }
        }
        int max = Arrays.stream(typeIds).max().orElse(0);
        if (max >= neurons) {
            int at = 0;
            while (typeIds[at] != max) {
                at++;
            }
            throw CliError.usage(option + " " + file + ": type id " + max + " (neuron " + at + ") is out of range: "
                    + neurons + " neurons have at most " + neurons + " types, so expected type ids 0.." + (neurons - 1));
        }
        return max + 1;
    }

    /** Reads a 1-D integer array (floats holding whole numbers pass) from a .npy file or a dense torch tensor (.pt). */
    static int[] readIndices(String option, Path file) {
        NpyArray a = readArray(option, file, true);
        if (a.ndim() != 1) {
            throw CliError.usage(option + " " + file + ": shape " + Arrays.toString(a.shape())
                    + ": expected a 1-D array");
        }
        try {
            return a.toIntArray();
        } catch (IllegalArgumentException e) {
            throw CliError.usage(option + " " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads a numeric .npy array (or, when {@code torchAllowed}, a dense torch tensor from a .pt file). */
    static NpyArray readArray(String option, Path file, boolean torchAllowed) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean torch = name.endsWith(".pt") || name.endsWith(".pth");
        if (!name.endsWith(".npy") && !(torchAllowed && torch)) {
            throw CliError.usage(option + " " + file + ": unknown file type: expected .npy"
                    + (torchAllowed ? " or .pt (torch.save of a dense tensor)" : ""));
        }
        requireFile(option, file);
        NpyArray a;
        try {
            a = torch ? TorchFiles.readDense(file) : Npy.read(file);
        } catch (IOException e) {
            throw CliError.usage(option + ": " + e.getMessage(), e);
        }
        if (a.dtype().startsWith("|S") || a.dtype().startsWith("<U")) {
            throw CliError.usage(option + " " + file + ": dtype " + a.dtype() + ": expected a numeric array");
        }
        return a;
    }

    /** Fails with a message naming the option unless the file exists and can be read. */
    static void requireFile(String option, Path file) {
        if (Files.isDirectory(file)) {
            throw CliError.usage(option + " " + file + ": is a directory, expected a file");
        }
        if (!Files.exists(file)) {
            throw CliError.usage(option + " " + file + ": no such file");
        }
        if (!Files.isReadable(file)) {
            throw CliError.usage(option + " " + file + ": cannot be read (permission denied)");
        }
    }
}
