package org.dl4jconnectome.io;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.dl4jconnectome.connectome.CsrMatrix;

/**
 * Reads and writes a connectome as a CSV edge list: one synapse (or connection) per line, in UTF-8.
 * <p>
 * The first non-blank line is a header naming the columns, in any order and case:
 * <ul>
 *   <li>postsynaptic (receiving) neuron: {@code post}, {@code target}, {@code tar}, {@code postsynaptic} or
 *       {@code to};</li>
 *   <li>presynaptic (sending) neuron: {@code pre}, {@code source}, {@code src}, {@code presynaptic} or
 *       {@code from};</li>
 *   <li>optional weight: {@code weight}, {@code w}, {@code value}, {@code n_syn} or {@code count} (default 1.0 for
 *       every edge).</li>
 * </ul>
 * Other columns are ignored. Neuron indices are 0-based integers. Fields may be quoted with {@code "}; blank lines are
 * skipped. The result is an N×N matrix with rows = postsynaptic neurons and columns = presynaptic ones (so that
 * {@code y = A·v}); repeated (post, pre) pairs are summed.
 */
public final class EdgeListCsv {
    private static final Set<String> POST = Set.of("post", "target", "tar", "postsynaptic", "to");
    private static final Set<String> PRE = Set.of("pre", "source", "src", "presynaptic", "from");
    private static final Set<String> WEIGHT = Set.of("weight", "w", "value", "n_syn", "count");

    private EdgeListCsv() {
    }

    /**
     * Reads an edge list; the number of neurons N is the largest index + 1 (so neurons above the largest index that
     * has an edge are not represented: use {@link #read(Path, int)} to keep them).
     * <p>
     * N is taken from the file only when its edges could name every neuron, that is when the largest index + 1 is at
     * most twice the number of edges. Above that, most neurons would have no synapse at all, and a single stray
     * index (10<sup>8</sup> in a file of three edges) would silently build that many neurons: then the number of
     * neurons must be given to {@link #read(Path, int)}.
     *
     * @throws UnknownNeuronCountException if the largest index + 1 exceeds twice the number of edges
     * @throws IOException                 naming the file (and line) if it cannot be read, the header lacks a post or
     *                                     pre column or names one twice, or a line is malformed
     */
    public static CsrMatrix read(Path file) throws IOException {
        return readFile(file, -1);
    }

    /**
     * The number of neurons of an edge list cannot be taken from the file: its largest index is far above its edge
     * count (see {@link #read(Path)}); the message names the file, the index and the edge count.
     */
    public static final class UnknownNeuronCountException extends IOException {
        private static final long serialVersionUID = 1L;

        private final int largestIndex;
        private final int edges;

        UnknownNeuronCountException(String file, int largestIndex, int edges) {
            super(file + ": the largest neuron index is " + largestIndex + " but there "
                    + (edges == 1 ? "is only 1 edge, which names" : "are only " + edges + " edges, which name")
                    + " at most " + 2L * edges + " neurons: the file does not say how many neurons there are; give "
                    + "the number of neurons");
            this.largestIndex = largestIndex;
            this.edges = edges;
        }

        /** The largest neuron index in the file. */
        public int largestIndex() {
            return largestIndex;
        }

        /** The number of edges (lines) in the file. */
        public int edges() {
            return edges;
        }
    }

    /**
     * Reads an edge list into an {@code numNeurons × numNeurons} matrix.
     *
     * @param numNeurons N; every index must be below it
     * @throws IllegalArgumentException if {@code numNeurons} is negative
     * @throws IOException              as for {@link #read(Path)}, and if an index is ≥ {@code numNeurons}
     */
    public static CsrMatrix read(Path file, int numNeurons) throws IOException {
        if (numNeurons < 0) {
            throw new IllegalArgumentException("numNeurons = " + numNeurons + ": expected ≥ 0");
        }
        return readFile(file, numNeurons);
    }

    /** @param numNeurons N, or -1 to take the largest index + 1 */
    private static CsrMatrix readFile(Path file, int numNeurons) throws IOException {
        Objects.requireNonNull(file, "file");
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parse(in, file.toString(), numNeurons);
        } catch (CharacterCodingException e) {
            throw new IOException(file + ": not valid UTF-8 text", e);
        }
    }

    private static CsrMatrix parse(BufferedReader in, String name, int numNeurons) throws IOException {
        String line;
        int lineNo = 0;
        List<String> header = null;
        while (header == null && (line = in.readLine()) != null) {
            lineNo++;
            if (lineNo == 1 && line.startsWith("\uFEFF")) {
                line = line.substring(1);
            }
            if (!line.isBlank()) {
                header = split(line, name, lineNo);
            }
        }
        if (header == null) {
            throw new IOException(name + ": empty file: expected a header line such as 'post,pre,weight'");
        }
        int postCol = column(header, POST, "postsynaptic", name, lineNo, true);
        int preCol = column(header, PRE, "presynaptic", name, lineNo, true);
        int weightCol = column(header, WEIGHT, "weight", name, lineNo, false);

        Edges edges = new Edges();
        int maxIndex = -1;
        while ((line = in.readLine()) != null) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            List<String> f = split(line, name, lineNo);
            if (f.size() != header.size()) {
                throw new IOException(name + ", line " + lineNo + ": " + f.size() + " fields, but the header has "
                        + header.size());
            }
            int post = index(f.get(postCol), header.get(postCol), numNeurons, name, lineNo);
            int pre = index(f.get(preCol), header.get(preCol), numNeurons, name, lineNo);
            double w = weightCol < 0 ? 1.0 : weight(f.get(weightCol), header.get(weightCol), name, lineNo);
            edges.add(post, pre, w, name);
            maxIndex = Math.max(maxIndex, Math.max(post, pre));
        }
        if (numNeurons < 0 && maxIndex + 1L > 2L * edges.size) {
            throw new UnknownNeuronCountException(name, maxIndex, edges.size);
        }
        int n = numNeurons >= 0 ? numNeurons : maxIndex + 1;
        return CsrMatrix.fromCoo(n, n, edges.trimmedPost(), edges.trimmedPre(), edges.trimmedWeight());
    }

    private static int column(List<String> header, Set<String> aliases, String role, String name, int lineNo,
                              boolean required) throws IOException {
        int found = -1;
        for (int i = 0; i < header.size(); i++) {
            if (aliases.contains(header.get(i).toLowerCase(Locale.ROOT))) {
                if (found >= 0) {
                    throw new IOException(name + ", line " + lineNo + ": header names the " + role
                            + " column twice ('" + header.get(found) + "' and '" + header.get(i) + "')");
                }
                found = i;
            }
        }
        if (found < 0 && required) {
            throw new IOException(name + ", line " + lineNo + ": header " + header + " has no " + role
                    + " column: expected one of " + new TreeSet<>(aliases));
        }
        return found;
    }

    private static int index(String field, String column, int numNeurons, String name, int lineNo)
            throws IOException {
        int v;
        try {
            v = Integer.parseInt(field);
        } catch (NumberFormatException e) {
            v = -1;
        }
        if (v < 0) {
            throw new IOException(name + ", line " + lineNo + ", column '" + column + "': '" + field
                    + "' is not a neuron index: expected a non-negative integer");
        }
        if (numNeurons >= 0 && v >= numNeurons) {
            throw new IOException(name + ", line " + lineNo + ", column '" + column + "': neuron index " + v
                    + " is out of range: expected 0.." + (numNeurons - 1));
        }
        return v;
    }

    private static double weight(String field, String column, String name, int lineNo) throws IOException {
        double w;
        try {
            w = Double.parseDouble(field);
        } catch (NumberFormatException e) {
            w = Double.NaN;
        }
        if (!Double.isFinite(w)) {
            throw new IOException(name + ", line " + lineNo + ", column '" + column + "': '" + field
                    + "' is not a weight: expected a finite number");
        }
        return w;
    }

    /** Splits one CSV line; fields are trimmed, and may be enclosed in double quotes with {@code ""} for a quote. */
    private static List<String> split(String line, String name, int lineNo) throws IOException {
        List<String> fields = new ArrayList<>();
        StringBuilder sb = new StringBuilder();
        int i = 0;
        int n = line.length();
        while (true) {
            while (i < n && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
                i++;
            }
            if (i < n && line.charAt(i) == '"') {
                i++;
                while (true) {
                    if (i >= n) {
                        throw new IOException(name + ", line " + lineNo + ": unterminated quoted field");
                    }
                    char c = line.charAt(i++);
                    if (c == '"') {
                        if (i < n && line.charAt(i) == '"') {
                            sb.append('"');
                            i++;
                        } else {
                            break;
                        }
                    } else {
                        sb.append(c);
                    }
                }
                while (i < n && line.charAt(i) != ',') {
                    if (!Character.isWhitespace(line.charAt(i++))) {
                        throw new IOException(name + ", line " + lineNo + ": text after a closing quote");
                    }
                }
                fields.add(sb.toString());
            } else {
                int comma = line.indexOf(',', i);
                int end = comma < 0 ? n : comma;
                fields.add(line.substring(i, end).strip());
                i = end;
            }
            sb.setLength(0);
            if (i >= n) {
                return fields;
            }
            i++;
        }
    }

    /**
     * Writes a square connectome as {@code post,pre,weight} lines in row order (the header first), replacing any
     * existing file. Weights are written with Java's shortest round-trip decimal form, so reading the file back gives
     * an equal matrix (when the last neuron has an edge, or N is given to {@link #read(Path, int)}).
     *
     * @throws IllegalArgumentException if the matrix is not square
     */
    public static void write(Path file, CsrMatrix connectome) throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(connectome, "connectome");
        if (connectome.rows() != connectome.cols()) {
            throw new IllegalArgumentException("connectome is " + connectome.rows() + "x" + connectome.cols()
                    + ": expected a square (neurons x neurons) matrix");
        }
        int[] ptr = connectome.rowPointers();
        int[] cols = connectome.columnIndices();
        double[] vals = connectome.values();
        SafeFiles.write(file, raw -> {
            Writer out = new BufferedWriter(new OutputStreamWriter(raw, StandardCharsets.UTF_8), 1 << 16);
            out.write("post,pre,weight\n");
            for (int r = 0; r < connectome.rows(); r++) {
                for (int k = ptr[r]; k < ptr[r + 1]; k++) {
                    out.write(r + "," + cols[k] + "," + vals[k] + "\n");
                }
            }
            out.flush();
        });
    }

    /** Growable COO arrays. */
    private static final class Edges {
        private static final int MAX_EDGES = Integer.MAX_VALUE - 8;

        private int[] post = new int[1024];
        private int[] pre = new int[1024];
        private double[] weight = new double[1024];
        private int size;

        void add(int po, int pr, double w, String name) throws IOException {
            if (size == post.length) {
                if (size == MAX_EDGES) {
                    throw new IOException(name + ": more than " + MAX_EDGES + " edges: an edge list is held in Java "
                            + "arrays, which cannot be longer");
                }
                int cap = (int) Math.min(MAX_EDGES, 2L * size);
                post = Arrays.copyOf(post, cap);
                pre = Arrays.copyOf(pre, cap);
                weight = Arrays.copyOf(weight, cap);
            }
            post[size] = po;
            pre[size] = pr;
            weight[size] = w;
            size++;
        }

        int[] trimmedPost() {
            return Arrays.copyOf(post, size);
        }

        int[] trimmedPre() {
            return Arrays.copyOf(pre, size);
        }

        double[] trimmedWeight() {
            return Arrays.copyOf(weight, size);
        }
    }
}
