package org.dl4jconnectome.io;

import static org.dl4jconnectome.io.Fixtures.assertArgError;
import static org.dl4jconnectome.io.Fixtures.assertIoError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.dl4jconnectome.connectome.CsrMatrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EdgeListCsvTest {
    @TempDir
    Path tmp;

    @Test
    void postFirstHeaderPutsPostOnRows() throws IOException {
        CsrMatrix m = EdgeListCsv.read(csv("post,pre,weight", "2,0,0.5", "0,1,-1.25"));
        assertArrayEquals(new double[][] {{0, -1.25, 0}, {0, 0, 0}, {0.5, 0, 0}}, m.toDense());
    }

    @Test
    void preFirstHeaderIsReadByName() throws IOException {
        CsrMatrix m = EdgeListCsv.read(csv("pre,post,weight", "2,0,0.5", "0,1,-1.25"));
        assertArrayEquals(new double[][] {{0, 0, 0.5}, {-1.25, 0, 0}, {0, 0, 0}}, m.toDense());
    }

    @ParameterizedTest
    @ValueSource(strings = {"target,source,w", "tar,src,value", "Postsynaptic,Presynaptic,N_SYN", "to,from,count",
        "POST,PRE,Weight"})
    void acceptsAliasesInAnyCase(String header) throws IOException {
        CsrMatrix m = EdgeListCsv.read(csv(header, "1,0,3", "0,1,4"));
        assertArrayEquals(new double[][] {{0, 4}, {3, 0}}, m.toDense());
    }

    @Test
    void ignoresExtraColumnsAndQuotesAndSumsDuplicates() throws IOException {
        CsrMatrix m = EdgeListCsv.read(csv("\uFEFFname, pre ,\"post\",weight,nt",
                "\"AVAL, left\",0,1,2.5,ACh",
                "",
                "\"say \"\"hi\"\"\",0,1,0.5,GABA",
                "x,1,1,1e-3,  "));
        assertEquals(2, m.rows());
        assertEquals(2, m.nnz());
        assertEquals(3.0, m.get(1, 0));
        assertEquals(1e-3, m.get(1, 1));
    }

    @Test
    void weightDefaultsToOne() throws IOException {
        CsrMatrix m = EdgeListCsv.read(csv("src,tar", "0,3", "0,3", "3,1"));
        assertEquals(4, m.rows());
        assertEquals(2.0, m.get(3, 0));
        assertEquals(1.0, m.get(1, 3));
        assertEquals(2, m.nnz());
    }

    @Test
    void explicitNeuronCountKeepsSilentNeurons() throws IOException {
        Path f = csv("post,pre", "0,1");
        assertEquals(2, EdgeListCsv.read(f).rows());
        CsrMatrix m = EdgeListCsv.read(f, 5);
        assertEquals(5, m.rows());
        assertEquals(5, m.cols());
        assertEquals(1.0, m.get(0, 1));
        assertEquals(0, EdgeListCsv.read(csv("post,pre,weight")).rows());
        assertEquals(3, EdgeListCsv.read(csv("post,pre,weight"), 3).rows());
    }

    @Test
    void aStrayHugeIndexDoesNotSilentlyBuildThatManyNeurons() throws IOException {
        Path f = csv("post,pre,weight", "0,1,0.5", "1,100000000,1", "2,0,1");
        EdgeListCsv.UnknownNeuronCountException e = assertThrows(EdgeListCsv.UnknownNeuronCountException.class,
                () -> EdgeListCsv.read(f));
        assertEquals(f + ": the largest neuron index is 100000000 but there are only 3 edges, which name at most 6 "
                + "neurons: the file does not say how many neurons there are; give the number of neurons",
                e.getMessage());
        assertEquals(100_000_000, e.largestIndex());
        assertEquals(3, e.edges());
        // Given the number of neurons, the file is read; the stray index is then checked against it.
        assertEquals(100_000_001, EdgeListCsv.read(f, 100_000_001).rows());
        assertIoError(() -> EdgeListCsv.read(f, 50), "line 3", "neuron index 100000000 is out of range", "0..49");
        // At the int limit, the largest index + 1 used to overflow into a negative matrix size.
        Path g = csv("post,pre", "0," + Integer.MAX_VALUE);
        assertIoError(() -> EdgeListCsv.read(g), g + ": the largest neuron index is 2147483647 but there is only 1 "
                + "edge, which names at most 2 neurons");
        // Up to twice the edges, N comes from the file.
        assertEquals(6, EdgeListCsv.read(csv("post,pre", "0,1", "2,3", "5,4")).rows());
    }

    @Test
    void roundTripsThroughWrite() throws IOException {
        CsrMatrix m = CsrMatrix.fromCoo(4, 4, new int[] {3, 0, 2, 3}, new int[] {0, 3, 2, 3},
                new double[] {0.1, -2.5e-7, 1e300, 0.0});
        Path f = tmp.resolve("out.csv");
        EdgeListCsv.write(f, m);
        assertEquals(List.of("post,pre,weight", "0,3,-2.5E-7", "2,2,1.0E300", "3,0,0.1", "3,3,0.0"),
                Files.readAllLines(f));
        assertEquals(m, EdgeListCsv.read(f));
    }

    @Test
    void malformedLinesNameFileLineAndColumn() throws IOException {
        Path f1 = csv("post,pre,weight", "0,1,1", "0,x,1");
        assertIoError(() -> EdgeListCsv.read(f1), f1.toString(), "line 3", "column 'pre'", "'x'");
        Path f2 = csv("post,pre,weight", "-1,1,1");
        assertIoError(() -> EdgeListCsv.read(f2), "line 2", "column 'post'", "non-negative integer");
        Path f3 = csv("post,pre,weight", "0,1", "1,1,1");
        assertIoError(() -> EdgeListCsv.read(f3), "line 2", "2 fields, but the header has 3");
        Path f4 = csv("post,pre,weight", "0,1,NaN");
        assertIoError(() -> EdgeListCsv.read(f4), "line 2", "column 'weight'", "finite number");
        Path f5 = csv("post,pre,weight", "0,1,", "");
        assertIoError(() -> EdgeListCsv.read(f5), "line 2", "column 'weight'");
        Path f6 = csv("post,pre", "0,1.5");
        assertIoError(() -> EdgeListCsv.read(f6), "line 2", "'1.5'");
        Path f7 = csv("post,pre", "0,7");
        assertIoError(() -> EdgeListCsv.read(f7, 5), "line 2", "neuron index 7 is out of range", "0..4");
        Path f8 = csv("post,pre", "\"0,1");
        assertIoError(() -> EdgeListCsv.read(f8), "line 2", "unterminated quoted field");
        Path f9 = csv("post,pre", "0,3000000000");
        assertIoError(() -> EdgeListCsv.read(f9), "line 2", "'3000000000'");
    }

    @Test
    void badHeadersAreReported() throws IOException {
        Path f1 = csv("a,b,weight", "0,1,1");
        assertIoError(() -> EdgeListCsv.read(f1), f1.toString(), "line 1", "no postsynaptic column");
        Path f2 = csv("post,weight", "0,1");
        assertIoError(() -> EdgeListCsv.read(f2), "no presynaptic column");
        Path f3 = csv("post,target,pre", "0,1,2");
        assertIoError(() -> EdgeListCsv.read(f3), "names the postsynaptic column twice");
        Path f4 = csv("post,pre,weight,count", "0,1,1,1");
        assertIoError(() -> EdgeListCsv.read(f4), "names the weight column twice");
        Path f5 = csv("", "   ");
        assertIoError(() -> EdgeListCsv.read(f5), f5.toString(), "empty file");
        Path f6 = tmp.resolve("latin1.csv");
        Files.write(f6, new byte[] {'p', 'o', 's', 't', ',', 'p', 'r', (byte) 0xE9, '\n'});
        assertIoError(() -> EdgeListCsv.read(f6), f6.toString(), "UTF-8");
    }

    @Test
    void badArgumentsAreRejected() {
        assertArgError(() -> EdgeListCsv.read(tmp.resolve("x.csv"), -1), "numNeurons = -1");
        CsrMatrix rect = CsrMatrix.fromDense(new double[][] {{1, 2}});
        assertArgError(() -> EdgeListCsv.write(tmp.resolve("x.csv"), rect), "1x2", "square");
    }

    private Path csv(String... lines) throws IOException {
        Path f = Files.createTempFile(tmp, "edges", ".csv");
        Files.write(f, List.of(lines), StandardCharsets.UTF_8);
        return f;
    }
}
