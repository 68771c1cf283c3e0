package org.dl4jconnectome.cuda;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A kernel of connectome.cu with its parameter list, as the launches fill it in; {@code KernelCatalogTest} checks
 * every list against the PTX's entry points.
 */
final class Kernel {
    /** Kinds of kernel parameters, by their size and class in the PTX. */
    enum Param {
        /** A device address (.u64). */
        PTR(8),
        /** A 32-bit integer (.u32). */
        INT(4),
        /** A 64-bit integer (.u64). */
        LONG(8),
        /** A float64 (.f64). */
        DOUBLE(8),
        /** A 64-byte struct: Ptrs8 (eight addresses) or Weights8 (eight float64). */
        STRUCT64(64);

        final int bytes;

        Param(int bytes) {
            this.bytes = bytes;
        }
    }

    private static final Param P = Param.PTR;
    private static final Param I = Param.INT;
    private static final Param L = Param.LONG;
    private static final Param D = Param.DOUBLE;
    private static final Param S = Param.STRUCT64;

    /** Parameters by kernel name without precision suffix (the _f32 and _f64 twins take the same). */
    static final Map<String, Param[]> CATALOG = new HashMap<>();

    static {
        CATALOG.put("spmm", new Param[]{I, I, P, P, P, P, L, P, I, I});
        CATALOG.put("field_forward", new Param[]{I, I, P, P, P, P, P, P, P, P, P, P, P, P, P, I, P, I, I});
        CATALOG.put("field_reverse", new Param[]{I, I, P, P, P, P, P, L, I, P, P, P, P, P, P, P, P, I, P, I});
        CATALOG.put("synapse_gradient", new Param[]{I, I, P, P, I, P, L, S, P, I});
        CATALOG.put("input_gradient", new Param[]{I, I, P, P, P, P, I, P, L, P, P});
        CATALOG.put("effective_weights", new Param[]{I, P, P, P, P, P, P, P});
        CATALOG.put("magnitude_gradient", new Param[]{I, P, P, P});
        CATALOG.put("combine", new Param[]{P, P, I, I, I, S, P, S, P, P});
        CATALOG.put("spread", new Param[]{P, I, I, I, S, P, S});
        CATALOG.put("copy_samples", new Param[]{P, P, I, I, P});
        CATALOG.put("fill", new Param[]{P, I, D});
        CATALOG.put("error_partials", new Param[]{I, I, P, P, I, S, S, P, D, D, P});
        CATALOG.put("rms_partials", new Param[]{I, I, P, P, D, D, P});
        CATALOG.put("reduce_partials", new Param[]{P, I, I, P});
        CATALOG.put("read_point", new Param[]{P, I, P, I, I, I, P, P});
        CATALOG.put("add_point", new Param[]{P, I, P, P, P, I, I, I, I, P});
    }

    final String name;
    final long function;
    final Param[] params;

    private Kernel(String name, long function, Param[] params) {
        this.name = name;
        this.function = function;
        this.params = params;
    }

    /** The catalogued base name of a kernel: its name without the _f32 / _f64 suffixes. */
    static String baseName(String name) {
        String base = name;
        while (base.endsWith("_f32") || base.endsWith("_f64")) {
            base = base.substring(0, base.length() - 4);
        }
        return base;
    }

    static Param[] paramsOf(String name) {
        Param[] p = CATALOG.get(baseName(name));
        if (p == null) {
            throw new IllegalArgumentException("no kernel " + name + " in the catalog");
        }
        return p;
    }

    /** The kernel of the device's module. */
    static Kernel of(CudaDevice device, String name) {
        return new Kernel(name, device.function(name), paramsOf(name));
    }

    /** The name with the suffix of a precision: "combine" → "combine_f32". */
    static String typed(String base, boolean single) {
        return base + (single ? "_f32" : "_f64");
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s%s", name, Arrays.toString(params));
    }
}
