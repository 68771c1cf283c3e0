package org.dl4jconnectome.datasets;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * The bundled flyvis cell-type connectome, parsed once: cell types with their column strides, edge types with their
 * signs, and every (edge type, du, dv, n_syn) offset after the convex-hull fill. Immutable; shared by all
 * {@link FlyVisNetwork}s.
 */
final class FlyVisSpec {
    static final String JSON = "flyvis/fib25-fib19_v2.2.json";
    static final String OFFSETS = "flyvis/fib25-fib19_v2.2_offsets_filled.csv";

    final List<String> typeNames;
    final Map<String, Integer> typeIndex;
    final int[] strideU;
    final int[] strideV;
    final int[] inputTypes;
    final int[] outputTypes;
    final int[] edgeSource;
    final int[] edgeTarget;
    final byte[] edgeSign;
    final int[] offsetEdge;
    final int[] offsetDu;
    final int[] offsetDv;
    final double[] offsetNsyn;

    private FlyVisSpec(JsonNode root, CsvTable offsets) {
        JsonNode nodes = root.get("nodes");
        int k = nodes.size();
        List<String> names = new ArrayList<>(k);
        Map<String, Integer> index = new HashMap<>();
        strideU = new int[k];
        strideV = new int[k];
        for (int t = 0; t < k; t++) {
            JsonNode node = nodes.get(t);
            String name = node.get("name").asText();
            JsonNode pattern = node.get("pattern");
            if (!"stride".equals(pattern.get(0).asText())) {
                throw new IllegalStateException(JSON + ": type " + name + " has pattern " + pattern
                        + ", but only [\"stride\", [su, sv]] is supported");
            }
            strideU[t] = pattern.get(1).get(0).asInt();
            strideV[t] = pattern.get(1).get(1).asInt();
            names.add(name);
            index.put(name, t);
        }
        typeNames = List.copyOf(names);
        typeIndex = Map.copyOf(index);
        inputTypes = typeIds(root.get("input_units"));
        outputTypes = typeIds(root.get("output_units"));

        JsonNode edges = root.get("edges");
        int e = edges.size();
        edgeSource = new int[e];
        edgeTarget = new int[e];
        edgeSign = new byte[e];
        for (int j = 0; j < e; j++) {
            JsonNode edge = edges.get(j);
            edgeSource[j] = typeId(edge.get("src").asText());
            edgeTarget[j] = typeId(edge.get("tar").asText());
            edgeSign[j] = (byte) (edge.get("alpha").asInt() < 0 ? -1 : 1);
        }

        int cEdge = offsets.column("edge_type_index");
        int cSource = offsets.column("source_type");
        int cTarget = offsets.column("target_type");
        int cDu = offsets.column("du");
        int cDv = offsets.column("dv");
        int cNsyn = offsets.column("n_syn");
        List<String[]> rows = offsets.rows();
        int m = rows.size();
        offsetEdge = new int[m];
        offsetDu = new int[m];
        offsetDv = new int[m];
        offsetNsyn = new double[m];
        for (int o = 0; o < m; o++) {
            String[] row = rows.get(o);
            int j = Integer.parseInt(row[cEdge]);
            // The CSV is derived from the JSON; a mismatch means the two bundled files are out of step.
            if (j < 0 || j >= e || edgeSource[j] != typeId(row[cSource]) || edgeTarget[j] != typeId(row[cTarget])) {
                throw new IllegalStateException(OFFSETS + " row " + (o + 1) + " (edge type " + row[cEdge] + ", "
                        + row[cSource] + " -> " + row[cTarget] + ") does not match the edges of " + JSON);
            }
            offsetEdge[o] = j;
            offsetDu[o] = Integer.parseInt(row[cDu]);
            offsetDv[o] = Integer.parseInt(row[cDv]);
            offsetNsyn[o] = Double.parseDouble(row[cNsyn]);
        }
    }

    /** The parsed bundled data (loaded on first use). */
    static FlyVisSpec get() {
        return Holder.INSTANCE;
    }

    int numTypes() {
        return typeNames.size();
    }

    int numEdgeTypes() {
        return edgeSource.length;
    }

    private int typeId(String name) {
        Integer t = typeIndex.get(name);
        if (t == null) {
            throw new IllegalStateException("bundled flyvis data names an unknown cell type '" + name + "'");
        }
        return t;
    }

    private int[] typeIds(JsonNode array) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = typeId(array.get(i).asText());
        }
        return ids;
    }

    private static final class Holder {
        static final FlyVisSpec INSTANCE = load();

        private static FlyVisSpec load() {
            try (InputStream in = CsvTable.open(JSON)) {
                return new FlyVisSpec(new ObjectMapper().readTree(in), CsvTable.read(OFFSETS));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read bundled resource " + JSON, e);
            }
        }
    }
}
