package org.dl4jconnectome.samples;

import org.dl4jconnectome.connectome.CsrMatrix;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code connectome info}: describes a connectome file (size, weights, degrees, types). */
@Command(name = "info", sortOptions = false,
        description = {
            "Describes a connectome file: neurons, synapses, density, self-loops, weight statistics, in- and "
                    + "out-degrees and, with --neuron-types, the neurons per type.",
            ""},
        footer = {
            "",
            "Orientation: rows = receiving (postsynaptic) neuron, so the in-degree of a neuron is the number of "
                    + "entries in its row; use --transpose for pre-by-post files. A synapse is a stored entry, "
                    + "explicit zeros included.",
            "",
            "Exit codes: 0 done; 2 bad arguments or input files."})
final class InfoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Parameters(index = "0", paramLabel = "FILE",
            description = "The connectome: " + InputFiles.SPARSE_FORMATS + ".")
    Path file;

    @Option(names = "--transpose", description = "The file is pre-by-post (rows = sending neuron): transpose it.")
    boolean transpose;

    @Option(names = "--neuron-types", paramLabel = "FILE",
            description = "Integer .npy (or dense .pt) array: the type id of every neuron; adds the count per type.")
    Path neuronTypes;

    @Option(names = "--neurons", paramLabel = "N",
            description = "The number of neurons. A .csv edge list needs it (or --neuron-types) when its largest "
                    + "index is above twice its number of edges; for other files it must match.")
    Integer neurons;

    @Override
    public Integer call() {
        InputFiles.checkNeurons(neurons);
        int[] types = neuronTypes == null ? null : InputFiles.readIndices("--neuron-types", neuronTypes);
        InputFiles.NeuronCount count = neurons != null ? new InputFiles.NeuronCount(neurons, "--neurons", null)
                : types != null ? new InputFiles.NeuronCount(types.length, "--neuron-types", null)
                : InputFiles.NeuronCount.unknown("--neurons N (or --neuron-types, whose length counts the neurons)");
        CsrMatrix m = InputFiles.readConnectome("connectome file", file, count, transpose);
        int n = m.rows();
        if (types != null && types.length != n) {
            throw CliError.usage("--neuron-types " + neuronTypes + ": " + types.length + " type ids, but " + file
                    + " has " + n + " neurons: expected one type id per neuron");
        }
        PrintWriter out = spec.commandLine().getOut();
        for (String line : describe(m, types)) {
            out.println(line);
        }
        return 0;
    }

    private List<String> describe(CsrMatrix m, int[] types) {
        int n = m.rows();
        int nnz = m.nnz();
        double[] v = m.values();
        int[] rows = m.rowIndices();
        int[] cols = m.columnIndices();
        int[] inDegree = new int[n];
        int[] outDegree = new int[n];
        int selfLoops = 0;
        int negative = 0;
        int zeros = 0;
        double sum = 0;
        for (int e = 0; e < nnz; e++) {
            inDegree[rows[e]]++;
            outDegree[cols[e]]++;
            selfLoops += rows[e] == cols[e] ? 1 : 0;
            negative += v[e] < 0 ? 1 : 0;
            zeros += v[e] == 0 ? 1 : 0;
            sum += v[e];
        }
        String weights = nnz == 0 ? "none" : "min " + num(Arrays.stream(v).min().getAsDouble()) + ", max "
                + num(Arrays.stream(v).max().getAsDouble()) + ", mean " + num(sum / nnz) + ", negative " + negative
                + ", explicit zeros " + zeros;
        List<String> lines = new ArrayList<>(Arrays.asList(
                "file:        " + file,
                "orientation: rows = receiving (postsynaptic) neuron; use --transpose for pre-by-post files"
                        + (transpose ? " (transposed)" : ""),
                "neurons:     " + n,
                "synapses:    " + nnz,
                "density:     " + num((double) nnz / ((double) n * n)) + " (synapses / neurons^2)",
                "self-loops:  " + selfLoops,
                "weights:     " + weights,
                "in-degree:   " + degrees(inDegree) + ", neurons without inputs " + count(inDegree, 0),
                "out-degree:  " + degrees(outDegree) + ", neurons without outputs " + count(outDegree, 0)));
        if (types != null) {
            lines.add("types:       " + types(types));
        }
        if (negative > 0) {
            lines.add("note:        simulate rejects negative weights unless --negative-weights abs, clamp or signed");
        }
        return lines;
    }

    private String types(int[] types) {
        int k = InputFiles.numTypes("--neuron-types", neuronTypes, types, types.length);
        int[] counts = new int[k];
        for (int t : types) {
            counts[t]++;
        }
        StringBuilder sb = new StringBuilder().append(k).append(" (neurons per type:");
        for (int t = 0; t < k; t++) {
            sb.append(t == 0 ? " " : ", ").append(t).append(": ").append(counts[t]);
        }
        return sb.append(')').toString();
    }

    private static String degrees(int[] d) {
        double mean = Arrays.stream(d).average().orElse(0);
        int[] sorted = d.clone();
        Arrays.sort(sorted);
        return "min " + sorted[0] + ", median " + num(median(sorted)) + ", mean " + num(mean) + ", max "
                + sorted[sorted.length - 1];
    }

    private static double median(int[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }

    private static int count(int[] a, int value) {
        return (int) Arrays.stream(a).filter(x -> x == value).count();
    }

    /** A number with at most 6 significant digits and no trailing zeros. */
    static String num(double x) {
        double a = Math.abs(x);
        if (a == 0 || !Double.isFinite(x)) {
            return a == 0 ? "0" : String.valueOf(x);
        }
        if (a >= 1e-4 && a < 1e7) {
            return new BigDecimal(x).round(new MathContext(6)).stripTrailingZeros().toPlainString();
        }
        return String.format(Locale.ROOT, "%.5e", x).replaceAll("\\.?0+e", "e");
    }
}
