package org.dl4jconnectome.cuda;

import org.dl4jconnectome.connectome.Nonlinearity;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The parameter lists the launches fill in ({@link Kernel#CATALOG}) against the entry points of the shipped PTX: a
 * parameter added to a kernel but not to its launch would shift every later argument.
 */
class KernelCatalogTest {
    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+(\\w+)\\s*\\(([^)]*)\\)");
    private static final Pattern PARAM = Pattern.compile("\\.param\\s+(?:\\.align\\s+\\d+\\s+)?\\.(\\w+)\\s+\\w+(\\[(\\d+)])?");

    /** Entry name → parameter kinds as the PTX declares them. */
    static Map<String, List<String>> entries(String ptx) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        Matcher m = ENTRY.matcher(ptx);
        while (m.find()) {
            List<String> kinds = new ArrayList<>();
            Matcher p = PARAM.matcher(m.group(2));
            while (p.find()) {
                kinds.add(p.group(3) == null ? p.group(1) : p.group(1) + "[" + p.group(3) + "]");
            }
            out.put(m.group(1), kinds);
        }
        return out;
    }

    private static String ptxKind(Kernel.Param p) {
        switch (p) {
            case PTR:
            case LONG:
                return "u64";
            case INT:
                return "u32";
            case DOUBLE:
                return "f64";
            default:
                return "b8[64]";
        }
    }

    @ParameterizedTest(name = "compute_{0}")
    @ValueSource(ints = {75, 90})
    void everyEntryHasTheCataloguedParameters(int arch) {
        Map<String, List<String>> entries = entries(PtxImage.load(arch).text());
        assertEquals(32, entries.size(), "entries: " + entries.keySet());
        Set<String> bases = new HashSet<>();
        for (Map.Entry<String, List<String>> e : entries.entrySet()) {
            Kernel.Param[] params = Kernel.paramsOf(e.getKey());
            List<String> expected = new ArrayList<>();
            for (Kernel.Param p : params) {
                expected.add(ptxKind(p));
            }
            assertEquals(expected, e.getValue(), e.getKey());
            bases.add(Kernel.baseName(e.getKey()));
        }
        assertEquals(Kernel.CATALOG.keySet(), bases, "every catalogued kernel is in the PTX");
        for (String base : Kernel.CATALOG.keySet()) {
            if (!base.equals("reduce_partials") && !base.equals("magnitude_gradient") && !base.equals("read_point")) {
                assertTrue(entries.containsKey(base + "_f32") && entries.containsKey(base + "_f64"), base);
            }
        }
    }

    @Test
    void everyNonlinearityHasItsOwnCode() {
        Set<Byte> codes = new HashSet<>();
        for (Nonlinearity phi : Nonlinearity.values()) {
            codes.add(NonlinearityCodes.code(phi));
        }
        assertEquals(Nonlinearity.values().length, codes.size());
    }
}
