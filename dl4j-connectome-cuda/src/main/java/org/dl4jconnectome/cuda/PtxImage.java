package org.dl4jconnectome.cuda;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * The kernels' PTX as shipped in the jar: one file per virtual architecture (connectome.compute_XY.ptx), made by
 * build-ptx.sh from connectome.cu, whose checksum and nvcc version connectome-ptx.properties records.
 */
final class PtxImage {
    static final String RESOURCE_DIR = "/org/dl4jconnectome/cuda/";
    static final String PROPERTIES = "connectome-ptx.properties";
    static final String SOURCE = "connectome.cu";

    private final String arch;
    private final String text;

    private PtxImage(String arch, String text) {
        this.arch = arch;
        this.text = text;
    }

    /** The recorded facts of the shipped PTX. */
    static Properties properties() {
        Properties p = new Properties();
        try (InputStream in = open(PROPERTIES)) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + PROPERTIES, e);
        }
        return p;
    }

    /** The shipped architectures as compute capabilities × 10 (compute_75 → 75), ascending. */
    static List<Integer> architectures() {
        List<Integer> list = new ArrayList<>();
        for (String a : properties().getProperty("archs", "").split(",")) {
            String t = a.trim();
            if (t.startsWith("compute_")) {
                list.add(Integer.parseInt(t.substring("compute_".length())));
            }
        }
        list.sort(null);
        return list;
    }

    /**
     * The newest shipped architecture a device of this compute capability runs, or -1 if the device is older than
     * all of them.
     */
    static int chooseArchitecture(int major, int minor, List<Integer> available) {
        int cc = major * 10 + minor;
        int best = -1;
        for (int a : available) {
            if (a <= cc) {
                best = Math.max(best, a);
            }
        }
        return best;
    }

    /** The CUDA release of the nvcc that made the PTX, as the driver API counts versions (13.0 → 13000). */
    static int nvccRelease() {
        String v = properties().getProperty("nvcc.version", "0.0");
        String[] parts = v.split("\\.");
        return Integer.parseInt(parts[0]) * 1000 + (parts.length > 1 ? Integer.parseInt(parts[1]) * 10 : 0);
    }

    static PtxImage load(int arch) {
        String name = String.format(Locale.ROOT, "connectome.compute_%d.ptx", arch);
        try (InputStream in = open(name)) {
            return new PtxImage("compute_" + arch, new String(readAll(in), StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + name, e);
        }
    }

    static InputStream open(String name) throws IOException {
        InputStream in = PtxImage.class.getResourceAsStream(RESOURCE_DIR + name);
        if (in == null) {
            throw new IOException("resource " + RESOURCE_DIR + name + " is missing from the jar");
        }
        return in;
    }

    static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toByteArray();
    }

    String arch() {
        return arch;
    }

    String text() {
        return text;
    }
}
