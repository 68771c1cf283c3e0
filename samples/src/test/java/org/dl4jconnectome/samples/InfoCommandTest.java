package org.dl4jconnectome.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dl4jconnectome.connectome.CsrMatrix;
import org.dl4jconnectome.io.EdgeListCsv;
import org.dl4jconnectome.io.Npy;
import org.dl4jconnectome.io.NpyArray;
import org.dl4jconnectome.io.ScipySparseNpz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;

class InfoCommandTest {
    /**
     * Rows = receiving neuron: a self-loop on 0, one negative weight, one explicit zero. In-degrees (entries per row)
     * 2, 1, 1, 2; out-degrees (entries per column) 1, 3, 2, 0.
     */
    private static final CsrMatrix M = CsrMatrix.fromCoo(4, 4, new int[] {0, 0, 2, 3, 1, 3},
            new int[] {0, 1, 1, 2, 2, 1}, new double[] {0.5, 2.0, -1.0, 0.0, 1.5, 1.0});

    @TempDir
    Path dir;

    private Path write(String format, CsrMatrix m) throws IOException {
        Path file = dir.resolve("m." + format);
        switch (format) {
            case "csv":
                EdgeListCsv.write(file, m);
                break;
            case "pt":
                TorchFile.writeSparse(file, m);
                break;
            default:
                ScipySparseNpz.write(file, m, true);
                break;
        }
        return file;
    }

    @ParameterizedTest
    @ValueSource(strings = {"npz", "csv", "pt"})
    void describesTheConnectome(String format) throws IOException {
        Path file = write(format, M);
        Path types = dir.resolve("types.npy");
        Npy.write(types, NpyArray.ofInt64(new long[] {0, 1, 1, 1}, 4));
        Cli.Result r = Cli.run("info", file.toString(), "--neuron-types", types.toString());
        assertEquals(0, r.code(), r::toString);
        assertEquals(String.join("\n",
                "file:        " + file,
                "orientation: rows = receiving (postsynaptic) neuron; use --transpose for pre-by-post files",
                "neurons:     4",
                "synapses:    6",
                "density:     0.375 (synapses / neurons^2)",
                "self-loops:  1",
                "weights:     min -1, max 2, mean 0.666667, negative 1, explicit zeros 1",
                "in-degree:   min 1, median 1.5, mean 1.5, max 2, neurons without inputs 0",
                "out-degree:  min 0, median 1.5, mean 1.5, max 3, neurons without outputs 1",
                "types:       2 (neurons per type: 0: 1, 1: 3)",
                "note:        simulate rejects negative weights unless --negative-weights abs, clamp or signed",
                ""), r.out());
        assertEquals("", r.err());
    }

    @Test
    void transposeSwapsInAndOutDegrees() throws IOException {
        Cli.Result r = Cli.run("info", write("npz", M).toString(), "--transpose");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("pre-by-post files (transposed)\n"), r.out());
        assertTrue(r.out().contains("in-degree:   min 0, median 1.5, mean 1.5, max 3, neurons without inputs 1\n"),
                r.out());
        assertTrue(r.out().contains("out-degree:  min 1, median 1.5, mean 1.5, max 2, neurons without outputs 0\n"),
                r.out());
    }

    @Test
    void edgeListKeepsTheNeuronsTheTypesFileCounts() throws IOException {
        // Neurons 4 and 5 have no synapses: only the types file says they exist.
        Path types = dir.resolve("types6.npy");
        Npy.write(types, NpyArray.ofInt32(new int[] {0, 0, 1, 1, 2, 2}, 6));
        Cli.Result r = Cli.run("info", write("csv", M).toString(), "--neuron-types", types.toString());
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("neurons:     6\n"), r.out());
        assertTrue(r.out().contains("neurons without inputs 2\n"), r.out());
        assertTrue(r.out().contains("types:       3 (neurons per type: 0: 2, 1: 2, 2: 2)\n"), r.out());
    }

    @Test
    void positiveWeightsNeedNoNote() throws IOException {
        CsrMatrix positive = CsrMatrix.fromDense(new double[][] {{0, 1e-9}, {3e7, 0}});
        Cli.Result r = Cli.run("info", write("npz", positive).toString());
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("weights:     min 1e-09, max 3e+07, mean 1.5e+07, negative 0, explicit zeros 0\n"),
                r.out());
        assertTrue(!r.out().contains("note:") && !r.out().contains("types:"), r.out());
    }

    @Test
    void errorsNameTheProblem() throws IOException {
        Path file = write("npz", M);
        Path types = dir.resolve("types3.npy");
        Npy.write(types, NpyArray.ofInt32(new int[] {0, 1, 1}, 3));
        Cli.Result r = Cli.run("info", file.toString(), "--neuron-types", types.toString());
        assertEquals(2, r.code(), r::toString);
        assertEquals("error: --neuron-types " + types + ": 3 type ids, but " + file
                + " has 4 neurons: expected one type id per neuron\n", r.err());

        Path missing = dir.resolve("missing.pt");
        r = Cli.run("info", missing.toString());
        assertEquals(2, r.code(), r::toString);
        assertEquals("error: connectome file " + missing + ": no such file\n", r.err());

        r = Cli.run("info");
        assertEquals(2, r.code(), r::toString);
        assertTrue(r.err().startsWith("error: Missing required parameter: 'FILE'"), r.err());
    }

    @Test
    void sizesDeclaredByTheFilesAreCheckedBeforeAnythingIsBuilt() throws IOException {
        // One type id of 10^9 in a 4-neuron types file.
        Path file = write("npz", M);
        Path types = dir.resolve("types-huge.npy");
        Npy.write(types, NpyArray.ofInt32(new int[] {0, 1, 1_000_000_000, 1}, 4));
        Cli.Result r = Cli.run("info", file.toString(), "--neuron-types", types.toString());
        assertEquals(2, r.code(), r::toString);
        assertEquals("error: --neuron-types " + types + ": type id 1000000000 (neuron 2) is out of range: 4 neurons "
                + "have at most 4 types, so expected type ids 0..3\n", r.err());
        Npy.write(types, NpyArray.ofInt32(new int[] {0, 1, Integer.MAX_VALUE, 1}, 4));
        r = Cli.run("info", file.toString(), "--neuron-types", types.toString());
        assertEquals(2, r.code(), r::toString);
        assertTrue(r.err().startsWith("error: --neuron-types " + types + ": type id 2147483647 (neuron 2) is out of "
                + "range"), r.err());

        // One index of 10^8 in a 3-edge list: the neuron count must be given.
        Path stray = dir.resolve("stray.csv");
        java.nio.file.Files.write(stray, java.util.List.of("post,pre", "0,1", "1,100000000", "2,0"));
        r = Cli.run("info", stray.toString());
        assertEquals(2, r.code(), r::toString);
        assertEquals("error: connectome file " + stray + ": the largest neuron index is 100000000 but there are only 3 "
                + "edges, which name at most 6 neurons, so the file does not say how many neurons there are: give "
                + "their number with --neurons N (or --neuron-types, whose length counts the neurons)\n", r.err());
        r = Cli.run("info", stray.toString(), "--neurons", "50");
        assertEquals(2, r.code(), r::toString);
        assertTrue(r.err().contains("neuron index 100000000 is out of range: expected 0..49 (N = 50 from "
                + "--neurons)"), r.err());
    }

    @Test
    void neuronsGivesAnEdgeListItsSilentNeurons() throws IOException {
        CsrMatrix sparse = CsrMatrix.fromCoo(10, 10, new int[] {9}, new int[] {0}, new double[] {2.0});
        Path csv = write("csv", sparse);
        Cli.Result r = Cli.run("info", csv.toString(), "--neurons", "10");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("neurons:     10\n"), r.out());
        assertTrue(r.out().contains("neurons without inputs 9\n"), r.out());
        r = Cli.run("info", write("npz", sparse).toString(), "--neurons", "11");
        assertEquals(2, r.code(), r::toString);
        assertEquals("error: --neurons 11: connectome file " + dir.resolve("m.npz") + " has 10 neurons\n", r.err());
    }

    @Test
    void numbersHaveSixSignificantDigits() {
        assertEquals("0", InfoCommand.num(-0.0));
        assertEquals("0.333333", InfoCommand.num(1.0 / 3));
        assertEquals("-12345.7", InfoCommand.num(-12345.67));
        assertEquals("2.5e-07", InfoCommand.num(2.5e-7));
        assertEquals("1.23457e+08", InfoCommand.num(123456789));
    }
}
