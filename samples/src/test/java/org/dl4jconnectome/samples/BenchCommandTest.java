package org.dl4jconnectome.samples;

import org.dl4jconnectome.io.Npy;
import org.dl4jconnectome.io.NpyArray;
import org.dl4jconnectome.io.ScipySparseNpz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchCommandTest {

    private static Map<String, JsonNode> lines(String out) throws Exception {
        ObjectMapper json = new ObjectMapper();
        Map<String, JsonNode> byOp = new HashMap<>();
        for (String l : out.strip().split("\n")) {
            JsonNode n = json.readTree(l);
            byOp.put(n.get("op").asText(), n);
        }
        return byOp;
    }

    @Test
    void measuresEveryOpAndExportsAWorkloadThatReproducesTheForwardPass(@TempDir Path dir) throws Exception {
        Path first = dir.resolve("first");
        Cli.Result r = Cli.run("bench", "--neurons", "300", "--synapses", "4000", "--batch", "3", "--num-steps", "5",
                "--repeat", "2", "--export", first.toString());
        assertEquals(0, r.code(), r.toString());
        Map<String, JsonNode> ops = lines(r.out());
        for (String op : new String[] {"spmm", "spmm_transpose", "forward", "fit_step"}) {
            JsonNode n = ops.get(op);
            assertTrue(n != null, "missing " + op + " in " + r.out());
            assertEquals("java", n.get("impl").asText());
            assertEquals(300, n.get("neurons").asInt());
            assertEquals(4000, n.get("synapses").asInt());
            assertTrue(n.get("min_ms").asDouble() > 0 && n.get("min_ms").asDouble() <= n.get("median_ms").asDouble()
                    && n.get("median_ms").asDouble() <= n.get("max_ms").asDouble(), n.toString());
        }
        assertTrue(ops.get("fit_step").get("peak_rss_mb").asDouble() > 0);
        assertEquals(4000, ScipySparseNpz.read(first.resolve("connectome.npz")).nnz());
        NpyArray forward = Npy.read(first.resolve("java_forward.npy"));
        assertArrayEquals(new long[] {3, 300, 5}, forward.shape());

        // Reading the workload back (every distinct tau a type) gives the same model and output.
        Path second = dir.resolve("second");
        Cli.Result again = Cli.run("bench", "--data", first.toString(), "--ops", "forward", "--repeat", "1",
                "--num-steps", "5", "--export", second.toString());
        assertEquals(0, again.code(), again.toString());
        assertArrayEquals(forward.toFloatArray(), Npy.read(second.resolve("java_forward.npy")).toFloatArray());
    }

    @Test
    void unknownOpIsAnError() {
        Cli.Result r = Cli.run("bench", "--neurons", "50", "--synapses", "200", "--ops", "nothing");
        assertTrue(r.code() != 0, r.toString());
        assertTrue(r.err().contains("nothing"), r.toString());
    }
}
