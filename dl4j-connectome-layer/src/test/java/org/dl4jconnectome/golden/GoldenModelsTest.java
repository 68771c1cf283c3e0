package org.dl4jconnectome.golden;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.dl4jconnectome.io.Npy;
import org.dl4jconnectome.io.NpyArray;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Models saved by earlier versions load with the outputs those versions computed (see the golden README). */
class GoldenModelsTest {
    /** Every folder of golden files; add the new one when a version writes its own. */
    private static final String[] VERSIONS = {"v0.1.0"};

    static List<Arguments> goldenModels() {
        List<Arguments> out = new ArrayList<>();
        for (String v : VERSIONS) {
            for (GoldenModels.Model m : GoldenModels.Model.values()) {
                out.add(Arguments.of(v, m.fileName()));
            }
        }
        return out;
    }

    private static InputStream resource(String version, String file) {
        InputStream in = GoldenModelsTest.class.getResourceAsStream(version + "/" + file);
        assertTrue(in != null, "missing golden file " + version + "/" + file);
        return in;
    }

    static NpyArray npy(String version, String file) throws Exception {
        try (InputStream in = resource(version, file)) {
            return Npy.read(in, file);
        }
    }

    static MultiLayerNetwork load(String version, String name) throws Exception {
        try (InputStream in = resource(version, name + ".zip")) {
            return ModelSerializer.restoreMultiLayerNetwork(in, true);
        }
    }

    static INDArray toArray(NpyArray a, DataType type) {
        return Nd4j.create(a.toDoubleArray(), a.shape(), 'c').castTo(type);
    }

    @ParameterizedTest(name = "{0}/{1}")
    @MethodSource("goldenModels")
    void loadsWithTheOutputsItWasSavedWith(String version, String name) throws Exception {
        MultiLayerNetwork net = load(version, name);
        DataType type = net.params().dataType();
        NpyArray expectedNpy = npy(version, name + "-output.npy");
        INDArray x = toArray(npy(version, name + "-input.npy"), type);
        INDArray out = net.output(x);
        assertArrayEquals(expectedNpy.shape(), out.shape(), name + ": output shape");
        double[] expected = expectedNpy.toDoubleArray();
        double[] actual = out.dup('c').castTo(DataType.DOUBLE).data().asDouble();
        double scale = 0;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        double tol = (type == DataType.DOUBLE ? 1e-12 : 1e-6) * Math.max(scale, 1e-300);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tol, name + ": output element " + i);
        }
        // The restored updater state lets training continue.
        INDArray before = net.params().dup();
        net.fit(x, net.output(x).add(0.1));
        assertTrue(!before.equals(net.params()), name + ": a training step changes the parameters");
    }
}
